#include "shim/logging/json_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

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

bool Wanted(const LogRecord& record, const ReadOptions& options) {
  if (record.stream == "stdout" && !options.include_stdout) return false;
  if (record.stream == "stderr" && !options.include_stderr) return false;
  return record.time >= options.since && record.time <= options.until;
}

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

absl::StatusOr<std::vector<LogRecord>> ReadLogs(const std::string& path, int max_files,
                                                const ReadOptions& options) {
  std::vector<LogRecord> records;
  for (int k = std::max(1, max_files) - 1; k >= 0; --k) {
    std::string file = k == 0 ? path : absl::StrCat(path, ".", k);
    std::ifstream in(file);
    if (!in) continue;
    std::string line;
    while (std::getline(in, line)) {
      LogRecord record;
      if (Parse(line, &record) && Wanted(record, options)) records.push_back(std::move(record));
    }
  }
  if (options.tail >= 0 && records.size() > static_cast<size_t>(options.tail)) {
    records.erase(records.begin(), records.end() - options.tail);
  }
  return records;
}

namespace {

// One file of the log, opened.
struct OpenedFile {
  int fd;
  ino_t inode;
};

// The log's files oldest first (PATH.n-1 ... PATH.1, PATH), opened
// together: once open they can be read whatever renames follow. Every name
// is looked at again after the opening; if any now names another file (a
// rotation shifted names while they were opened), another try, so the
// list is one moment's chain.
std::vector<OpenedFile> OpenChain(const std::string& path, int max_files) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::vector<OpenedFile> chain;
    std::vector<ino_t> seen;  // per name, oldest first; 0: missing
    for (int k = max_files - 1; k >= 0; --k) {
      std::string name = k == 0 ? path : absl::StrCat(path, ".", k);
      int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        seen.push_back(0);
        continue;
      }
      struct stat st;
      ::fstat(fd, &st);
      chain.push_back({fd, st.st_ino});
      seen.push_back(st.st_ino);
    }
    bool stable = !chain.empty() && seen.back() != 0;
    for (int k = max_files - 1, i = 0; stable && k >= 0; --k, ++i) {
      std::string name = k == 0 ? path : absl::StrCat(path, ".", k);
      struct stat st;
      ino_t now = ::stat(name.c_str(), &st) == 0 ? st.st_ino : 0;
      stable = now == seen[static_cast<size_t>(i)];
    }
    if (stable) return chain;
    for (const OpenedFile& file : chain) ::close(file.fd);
    ::usleep(1000);
  }
  return {};
}

}  // namespace

size_t OverlapLength(const std::vector<LogRecord>& earlier, const std::vector<LogRecord>& later) {
  size_t longest = std::min(earlier.size(), later.size());
  for (size_t n = longest; n > 0; --n) {
    bool same = true;
    for (size_t i = 0; i < n && same; ++i) {
      const LogRecord& a = earlier[earlier.size() - n + i];
      const LogRecord& b = later[i];
      same = a.time == b.time && a.stream == b.stream && a.line == b.line;
    }
    if (same) return n;
  }
  return 0;
}

absl::Status FollowLogs(const std::string& path, int max_files, const ReadOptions& options,
                        const std::function<void(const LogRecord&)>& deliver,
                        const std::function<bool()>& stop,
                        const std::function<void()>& opened) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (opened) opened();
    return absl::ErrnoToStatus(errno, "open log " + path);
  }
  struct stat st;
  ::fstat(fd, &st);
  ino_t inode = st.st_ino;
  ::lseek(fd, 0, SEEK_END);
  if (opened) opened();
  std::string pending;
  char buffer[64 * 1024];
  auto drain = [&](int from) {
    ssize_t n;
    while ((n = ::read(from, buffer, sizeof(buffer))) > 0) {
      pending.append(buffer, static_cast<size_t>(n));
      size_t newline;
      while ((newline = pending.find('\n')) != std::string::npos) {
        LogRecord record;
        if (Parse(pending.substr(0, newline), &record) && Wanted(record, options)) deliver(record);
        pending.erase(0, newline + 1);
      }
    }
  };
  while (!stop()) {
    drain(fd);
    struct stat now;
    if (::stat(path.c_str(), &now) == 0 && now.st_ino != inode) {
      // Rotated (maybe several times): finish our file, then every file
      // that came after it, in order, then follow the newest. Files are
      // held open, so renames meanwhile lose nothing.
      std::vector<OpenedFile> chain = OpenChain(path, max_files);
      if (!chain.empty()) {
        drain(fd);
        pending.clear();
        size_t next = 0;
        for (size_t k = 0; k < chain.size(); ++k) {
          if (chain[k].inode == inode) next = k + 1;
        }
        // Ours is not in the chain (rotated out altogether): all of it is
        // newer than what we read.
        ::close(fd);
        for (size_t k = 0; k < chain.size(); ++k) {
          if (k < next) {
            ::close(chain[k].fd);
          } else if (k + 1 < chain.size()) {
            drain(chain[k].fd);
            pending.clear();
            ::close(chain[k].fd);
          }
        }
        fd = chain.back().fd;
        inode = chain.back().inode;
        continue;
      }
    }
    // Look every 20 ms, but see stop() within 5 ms: the end of an attached
    // process's output is delivered promptly.
    for (int slice = 0; slice < 4 && !stop(); ++slice) ::usleep(5 * 1000);
  }
  drain(fd);
  ::close(fd);
  return absl::OkStatus();
}

}  // namespace berth::logging
