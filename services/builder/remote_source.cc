#include "services/builder/remote_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/base/unique_fd.h"
#include "services/common/base/write_all.h"
#include "services/images/http.h"

namespace berth::builder {
namespace {

// docker: the last element of the URL's path, else a fixed name.
std::string NameFromUrl(const std::string& url) {
  std::string path = url.substr(url.find("://") + 3);
  size_t slash = path.find('/');
  path = slash == std::string::npos ? "" : path.substr(slash);
  for (char end : {'?', '#'}) {
    if (size_t at = path.find(end); at != std::string::npos) path.resize(at);
  }
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string name = path.substr(path.rfind('/') + 1);
  if (name.empty() || name == "." || name == "..") return "__unnamed__";
  return name;
}

}  // namespace

bool IsRemoteSource(const std::string& source) {
  return absl::StartsWith(source, "http://") || absl::StartsWith(source, "https://");
}

absl::StatusOr<std::string> DownloadSource(const std::string& url, const std::string& dir) {
  std::string name = NameFromUrl(url);
  std::string path = dir + "/" + name;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return absl::ErrnoToStatus(errno, "create " + path);
  images::HttpRequest request;
  request.url = url;
  request.timeout_seconds = 600;
  absl::Status written;
  request.sink = [&](long, const char* data, size_t size) {
    written = WriteAll(fd.get(), std::string_view(data, size), path);
    return written.ok();
  };
  auto response = images::Perform(request);
  if (!response.ok()) {
    return absl::Status(response.status().code(),
                        absl::StrCat("failed to GET ", url, ": ", response.status().message()));
  }
  if (!written.ok()) return written;
  if (response->status < 200 || response->status >= 300) {
    return absl::NotFoundError(
        absl::StrCat("failed to GET ", url, " with status ", response->status));
  }
  if (::fchmod(fd.get(), 0600) != 0) return absl::ErrnoToStatus(errno, "chmod " + path);
  if (auto modified = response->headers.find("last-modified"); modified != response->headers.end()) {
    absl::Time time;
    std::string error;
    if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", modified->second, absl::UTCTimeZone(), &time,
                        &error)) {
      struct timespec times[2];
      times[0] = times[1] = absl::ToTimespec(time);
      ::futimens(fd.get(), times);
    }
  }
  return name;
}

}  // namespace berth::builder
