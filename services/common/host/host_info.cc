#include "services/common/host/host_info.h"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace berth::host {
namespace {

bool IsCgroup2(const std::string& path) {
  struct statfs fs;
  return ::statfs(path.c_str(), &fs) == 0 &&
         static_cast<unsigned long>(fs.f_type) == CGROUP2_SUPER_MAGIC;
}

}  // namespace

CgroupLayout DetectCgroupLayout(const std::string& root) {
  CgroupLayout layout;
  if (IsCgroup2(root)) {
    layout.version = 2;
    return layout;
  }
  layout.version = 1;
  layout.hybrid = IsCgroup2(root + "/unified");
  return layout;
}

bool SystemdIsInit(const std::string& run) {
  struct stat st;
  return ::lstat((run + "/systemd/system").c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string KernelVersion() {
  struct utsname u;
  if (::uname(&u) != 0) return "unknown";
  return u.release;
}

std::string Architecture() {
  struct utsname u;
  if (::uname(&u) != 0) return "unknown";
  return u.machine;
}

std::string OciArchitecture() {
  std::string machine = Architecture();
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (absl::StartsWith(machine, "armv")) return "arm";
  if (machine == "i686" || machine == "i386") return "386";
  return machine;
}

std::string OperatingSystem() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view value(line);
    if (absl::ConsumePrefix(&value, "PRETTY_NAME=")) {
      absl::ConsumePrefix(&value, "\"");
      absl::ConsumeSuffix(&value, "\"");
      return std::string(value);
    }
  }
  return "Linux";
}

int CpuCount() {
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

int64_t MemTotalBytes() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view rest(line);
    if (absl::ConsumePrefix(&rest, "MemTotal:")) {
      std::vector<absl::string_view> parts =
          absl::StrSplit(rest, ' ', absl::SkipEmpty());
      int64_t kib = 0;
      if (!parts.empty() && absl::SimpleAtoi(parts[0], &kib)) return kib * 1024;
    }
  }
  return 0;
}

std::string Hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

}  // namespace berth::host
