#include "shim/logging/cri_log.h"

#include <fcntl.h>

#include <optional>

#include "absl/strings/str_cat.h"
#include "services/common/base/write_all.h"
#include "services/common/fs/fs_util.h"

namespace berth::logging {
namespace {

int StreamIndex(std::string_view stream) { return stream == "stderr" ? 1 : 0; }

absl::StatusOr<UniqueFd> OpenForAppend(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    // As containerd: the kubelet's pod log directory may not be there yet.
    if (absl::Status status = fs::MakeDirectories(path.substr(0, slash), 0755); !status.ok()) {
      return status;
    }
  }
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd.valid()) return absl::ErrnoToStatus(errno, "open log " + path);
  return fd;
}

// Splits at the first space: the field before it, the rest after it.
std::string_view NextField(std::string_view* rest) {
  size_t space = rest->find(' ');
  std::string_view field = rest->substr(0, space);
  rest->remove_prefix(space == std::string_view::npos ? rest->size() : space + 1);
  return field;
}

class CriDecoder final : public RecordDecoder {
 public:
  void Decode(std::string_view line, std::vector<LogRecord>* records) override {
    CriLine parsed;
    if (!ParseCriLine(line, &parsed)) return;
    std::optional<LogRecord>& begun = begun_[StreamIndex(parsed.stream)];
    if (!begun) begun = LogRecord{parsed.stream, "", parsed.time};
    begun->line.append(parsed.content);
    if (parsed.partial) return;
    begun->line.push_back('\n');
    records->push_back(*std::move(begun));
    begun.reset();
  }

  void Finish(std::vector<LogRecord>* records) override {
    for (std::optional<LogRecord>& begun : begun_) {
      if (begun) records->push_back(*std::move(begun));
      begun.reset();
    }
  }

 private:
  std::optional<LogRecord> begun_[2];  // stdout, stderr
};

}  // namespace

std::string CriTimestamp(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

bool ParseCriLine(std::string_view line, CriLine* parsed) {
  std::string_view rest = line;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(NextField(&rest)), &parsed->time, &error)) {
    return false;
  }
  std::string_view stream = NextField(&rest);
  if (stream != "stdout" && stream != "stderr") return false;
  parsed->stream = std::string(stream);
  // Tags may carry more after a ':' (the format's room to grow).
  std::string_view tags = NextField(&rest);
  std::string_view tag = tags.substr(0, tags.find(':'));
  if (tag != "P" && tag != "F") return false;
  parsed->partial = tag == "P";
  parsed->content = rest;
  return true;
}

std::unique_ptr<RecordDecoder> NewCriDecoder() { return std::make_unique<CriDecoder>(); }

absl::StatusOr<std::unique_ptr<CriLogWriter>> CriLogWriter::Open(std::string path,
                                                                 int64_t max_line_size) {
  auto fd = OpenForAppend(path);
  if (!fd.ok()) return fd.status();
  return std::unique_ptr<CriLogWriter>(
      new CriLogWriter(std::move(path), max_line_size, *std::move(fd)));
}

absl::Status CriLogWriter::Reopen() {
  auto fd = OpenForAppend(path_);
  if (!fd.ok()) return fd.status();
  fd_ = *std::move(fd);
  return absl::OkStatus();
}

absl::Status CriLogWriter::Record(const std::string& stream, bool full, std::string_view content,
                                  absl::Time time) {
  // One write per record: stdout's and stderr's never interleave within one.
  std::string record = absl::StrCat(CriTimestamp(time), " ", stream, full ? " F " : " P ");
  record.append(content.data(), content.size());
  record.push_back('\n');
  return WriteAll(fd_.get(), record, "log " + path_);
}

std::string_view CriLogWriter::SplitLong(const std::string& stream, std::string_view content,
                                         absl::Time time, absl::Status* status) {
  if (max_line_size_ <= 0) return content;
  const size_t limit = static_cast<size_t>(max_line_size_);
  while (content.size() > limit) {
    // As containerd, go on after a failed write: the output is drained
    // either way, and the first error is told.
    absl::Status written = Record(stream, /*full=*/false, content.substr(0, limit), time);
    if (status->ok()) *status = written;
    content.remove_prefix(limit);
  }
  return content;
}

absl::Status CriLogWriter::Write(const std::string& stream, std::string_view data,
                                 absl::Time time) {
  std::string& pending = pending_[StreamIndex(stream)];
  pending.append(data.data(), data.size());
  absl::Status status;
  std::string_view rest = pending;
  size_t newline;
  while ((newline = rest.find('\n')) != std::string_view::npos) {
    std::string_view line = rest.substr(0, newline);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = SplitLong(stream, line, time, &status);
    absl::Status written = Record(stream, /*full=*/true, line, time);
    if (status.ok()) status = written;
    rest.remove_prefix(newline + 1);
  }
  // A line still open: its parts beyond the limit go now. A last '\r' may
  // begin its "\r\n", so it does not count yet (containerd holds it back).
  bool held_cr = !rest.empty() && rest.back() == '\r';
  if (held_cr) rest.remove_suffix(1);
  rest = SplitLong(stream, rest, time, &status);
  std::string left(rest);
  if (held_cr) left.push_back('\r');
  pending = std::move(left);
  return status;
}

absl::Status CriLogWriter::Flush(absl::Time time) {
  absl::Status status;
  for (int i = 0; i < 2; ++i) {
    if (pending_[i].empty()) continue;
    const std::string stream = i == 0 ? "stdout" : "stderr";
    std::string_view rest = SplitLong(stream, pending_[i], time, &status);
    absl::Status written = Record(stream, /*full=*/false, rest, time);
    if (status.ok()) status = written;
    pending_[i].clear();
  }
  return status;
}

}  // namespace berth::logging
