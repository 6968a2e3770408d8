#include "shim/logging/log_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace berth::logging {
namespace {

bool Wanted(const LogRecord& record, const ReadOptions& options) {
  if (record.stream == "stdout" && !options.include_stdout) return false;
  if (record.stream == "stderr" && !options.include_stderr) return false;
  return record.time >= options.since && record.time <= options.until;
}

std::string FileName(const LogFile& file, int k) {
  return k == 0 ? file.path : absl::StrCat(file.path, ".", k);
}

}  // namespace

absl::StatusOr<std::vector<LogRecord>> ReadLogs(const LogFile& file, const ReadOptions& options) {
  std::unique_ptr<RecordDecoder> decoder = NewRecordDecoder(file.driver);
  std::vector<LogRecord> decoded;
  for (int k = std::max(1, file.max_files) - 1; k >= 0; --k) {
    std::ifstream in(FileName(file, k));
    if (!in) continue;
    std::string line;
    while (std::getline(in, line)) decoder->Decode(line, &decoded);
  }
  decoder->Finish(&decoded);
  std::vector<LogRecord> records;
  for (LogRecord& record : decoded) {
    if (Wanted(record, options)) records.push_back(std::move(record));
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
std::vector<OpenedFile> OpenChain(const LogFile& file) {
  const int max_files = std::max(1, file.max_files);
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::vector<OpenedFile> chain;
    std::vector<ino_t> seen;  // per name, oldest first; 0: missing
    for (int k = max_files - 1; k >= 0; --k) {
      int fd = ::open(FileName(file, k).c_str(), O_RDONLY | O_CLOEXEC);
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
      struct stat st;
      ino_t now = ::stat(FileName(file, k).c_str(), &st) == 0 ? st.st_ino : 0;
      stable = now == seen[static_cast<size_t>(i)];
    }
    if (stable) return chain;
    for (const OpenedFile& opened : chain) ::close(opened.fd);
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

absl::Status FollowLogs(const LogFile& file, const ReadOptions& options,
                        const std::function<void(const LogRecord&)>& deliver,
                        const std::function<bool()>& stop,
                        const std::function<void()>& opened) {
  int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (opened) opened();
    return absl::ErrnoToStatus(errno, "open log " + file.path);
  }
  struct stat st;
  ::fstat(fd, &st);
  ino_t inode = st.st_ino;
  ::lseek(fd, 0, SEEK_END);
  if (opened) opened();
  // Kept across files: a record begun in one file may end in the next.
  std::unique_ptr<RecordDecoder> decoder = NewRecordDecoder(file.driver);
  std::vector<LogRecord> decoded;
  auto deliver_decoded = [&] {
    for (const LogRecord& record : decoded) {
      if (Wanted(record, options)) deliver(record);
    }
    decoded.clear();
  };
  std::string pending;
  char buffer[64 * 1024];
  auto drain = [&](int from) {
    ssize_t n;
    while ((n = ::read(from, buffer, sizeof(buffer))) > 0) {
      pending.append(buffer, static_cast<size_t>(n));
      size_t start = 0, newline;
      while ((newline = pending.find('\n', start)) != std::string::npos) {
        decoder->Decode(std::string_view(pending).substr(start, newline - start), &decoded);
        start = newline + 1;
      }
      pending.erase(0, start);
      deliver_decoded();
    }
  };
  while (!stop()) {
    drain(fd);
    struct stat now;
    if (::stat(file.path.c_str(), &now) == 0 && now.st_ino != inode) {
      // Rotated (maybe several times): finish our file, then every file
      // that came after it, in order, then follow the newest. Files are
      // held open, so renames meanwhile lose nothing.
      std::vector<OpenedFile> chain = OpenChain(file);
      if (!chain.empty()) {
        drain(fd);
        pending.clear();
        size_t next = 0;
        for (size_t k = 0; k < chain.size(); ++k) {
          if (chain[k].inode == inode) next = k + 1;
        }
        // Ours is not in the chain (rotated out altogether, or renamed
        // away and made again): all of it is newer than what we read.
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
  decoder->Finish(&decoded);
  deliver_decoded();
  return absl::OkStatus();
}

}  // namespace berth::logging
