#include "shim/logging/json_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace berth::logging {
namespace {

constexpr size_t kMaxLine = 16 * 1024;

std::string RecordTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E9SZ", time, absl::UTCTimeZone());
}

bool Parse(const std::string& text, LogRecord* record) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) return false;
  record->stream = json.value("stream", "");
  record->line = json.value("log", "");
  std::string error;
  return absl::ParseTime(absl::RFC3339_full, json.value("time", ""), &record->time, &error);
}

class JsonFileDecoder final : public RecordDecoder {
 public:
  void Decode(std::string_view line, std::vector<LogRecord>* records) override {
    LogRecord record;
    if (Parse(std::string(line), &record)) records->push_back(std::move(record));
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<JsonFileWriter>> JsonFileWriter::Open(std::string path,
                                                                     int64_t max_size,
                                                                     int max_files) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return absl::ErrnoToStatus(errno, "open log " + path);
  struct stat st;
  ::fstat(fd, &st);
  return std::unique_ptr<JsonFileWriter>(
      new JsonFileWriter(std::move(path), max_size, std::max(1, max_files), fd, st.st_size));
}

JsonFileWriter::~JsonFileWriter() { ::close(fd_); }

std::unique_ptr<RecordDecoder> NewJsonFileDecoder() { return std::make_unique<JsonFileDecoder>(); }

absl::Status JsonFileWriter::Reopen() {
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return absl::ErrnoToStatus(errno, "reopen log " + path_);
  struct stat st;
  ::fstat(fd, &st);
  ::close(fd_);
  fd_ = fd;
  size_ = st.st_size;
  return absl::OkStatus();
}

absl::Status JsonFileWriter::Rotate() {
  // PATH.(n-1) falls off; PATH.k → PATH.k+1; PATH → PATH.1.
  if (max_files_ <= 1) {
    if (::ftruncate(fd_, 0) != 0) return absl::ErrnoToStatus(errno, "truncate log");
    size_ = 0;
    return absl::OkStatus();
  }
  ::unlink(absl::StrCat(path_, ".", max_files_ - 1).c_str());
  for (int k = max_files_ - 2; k >= 1; --k) {
    ::rename(absl::StrCat(path_, ".", k).c_str(), absl::StrCat(path_, ".", k + 1).c_str());
  }
  if (::rename(path_.c_str(), (path_ + ".1").c_str()) != 0) {
    return absl::ErrnoToStatus(errno, "rotate log " + path_);
  }
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return absl::ErrnoToStatus(errno, "reopen log " + path_);
  ::close(fd_);
  fd_ = fd;
  size_ = 0;
  return absl::OkStatus();
}

absl::Status JsonFileWriter::Record(const std::string& stream, std::string_view line,
                                    absl::Time time) {
  nlohmann::json record = {{"log", std::string(line)}, {"stream", stream}, {"time", RecordTime(time)}};
  std::string text =
      record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (max_size_ > 0 && size_ > 0 && size_ + static_cast<int64_t>(text.size()) > max_size_) {
    if (absl::Status status = Rotate(); !status.ok()) return status;
  }
  if (::write(fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    return absl::ErrnoToStatus(errno, "write log " + path_);
  }
  size_ += static_cast<int64_t>(text.size());
  return absl::OkStatus();
}

absl::Status JsonFileWriter::Write(const std::string& stream, std::string_view data,
                                   absl::Time time) {
  std::string& pending = pending_[stream == "stderr" ? 1 : 0];
  pending.append(data.data(), data.size());
  size_t start = 0;
  while (true) {
    size_t newline = pending.find('\n', start);
    size_t end = newline == std::string::npos ? std::string::npos : newline + 1;
    if (end == std::string::npos) {
      if (pending.size() - start < kMaxLine) break;
      end = start + kMaxLine;
    } else if (end - start > kMaxLine) {
      end = start + kMaxLine;
    }
    if (absl::Status status = Record(stream, std::string_view(pending).substr(start, end - start), time);
        !status.ok()) {
      return status;
    }
    start = end;
  }
  pending.erase(0, start);
  return absl::OkStatus();
}

absl::Status JsonFileWriter::Flush(absl::Time time) {
  for (int i = 0; i < 2; ++i) {
    if (pending_[i].empty()) continue;
    absl::Status status = Record(i == 0 ? "stdout" : "stderr", pending_[i], time);
    pending_[i].clear();
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace berth::logging
