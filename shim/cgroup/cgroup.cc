#include "shim/cgroup/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/fs/fs_util.h"
#include "shim/cgroup/device_filter.h"

namespace berth::cgroup {
namespace {

uint64_t ReadNumber(const std::string& path) {
  uint64_t value = 0;
  std::string text(absl::StripAsciiWhitespace(fs::ReadFileOrEmpty(path)));
  if (!absl::SimpleAtoi(text, &value)) return 0;
  return value;
}

// "key value" lines (memory.stat, cpu.stat, memory.events).
std::map<std::string, uint64_t> ReadKeyed(const std::string& path) {
  std::map<std::string, uint64_t> values;
  for (absl::string_view line : absl::StrSplit(fs::ReadFileOrEmpty(path), '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint64_t value = 0;
    if (parts.size() == 2 && absl::SimpleAtoi(parts[1], &value)) values[std::string(parts[0])] = value;
  }
  return values;
}

// Bytes read and written, summed over devices: v2 io.stat lines are
// "8:0 rbytes=1 wbytes=2 ...", v1 blkio.throttle.io_service_bytes lines
// "8:0 Read 1" (plus a Total line, skipped).
std::pair<uint64_t, uint64_t> ReadIoBytes(const std::string& path, bool v2) {
  uint64_t read = 0, written = 0;
  for (absl::string_view line : absl::StrSplit(fs::ReadFileOrEmpty(path), '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint64_t value = 0;
    if (v2) {
      for (absl::string_view part : parts) {
        if (absl::ConsumePrefix(&part, "rbytes=") && absl::SimpleAtoi(part, &value)) read += value;
        if (absl::ConsumePrefix(&part, "wbytes=") && absl::SimpleAtoi(part, &value)) written += value;
      }
    } else if (parts.size() == 3 && absl::SimpleAtoi(parts[2], &value)) {
      if (parts[1] == "Read") read += value;
      if (parts[1] == "Write") written += value;
    }
  }
  return {read, written};
}

}  // namespace

const std::vector<std::string>& V1Controllers() {
  static const auto* controllers = new std::vector<std::string>{
      "memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "freezer", "devices"};
  return *controllers;
}

std::vector<std::string> V1Hierarchies(const std::string& root) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(root.c_str());
  if (dir == nullptr) return names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string path = root + "/" + name;
    struct stat st;
    struct statfs fs;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (::statfs(path.c_str(), &fs) != 0 || fs.f_type != CGROUP_SUPER_MAGIC) continue;
    names.push_back(std::move(name));
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

uint64_t SharesToWeight(uint64_t shares) {
  if (shares == 0) return 0;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t BlkioToIoWeight(uint32_t weight) {
  if (weight == 0) return 0;
  return 1 + ((static_cast<uint64_t>(weight) - 10) * 9999) / 990;
}

std::string Cgroup::Dir(const std::string& controller) const {
  if (version_ == Version::kV2) return absl::StrCat(root_, "/", path_);
  return absl::StrCat(root_, "/", controller, "/", path_);
}

absl::Status Cgroup::Write(const std::string& controller, const std::string& file,
                           const std::string& value) const {
  std::string path = Dir(controller) + "/" + file;
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cgroup: open ", path));
  ssize_t n = ::write(fd, value.data(), value.size());
  int error = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    return absl::ErrnoToStatus(error, absl::StrCat("cgroup: write \"", value, "\" to ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Cgroup>> Cgroup::Create(const std::string& path, Version version,
                                                       const std::string& root, bool systemd_made) {
  std::unique_ptr<Cgroup> cgroup(new Cgroup(path, version, root, systemd_made));
  if (version == Version::kV2) {
    // Each ancestor must delegate the controllers to its children.
    std::string dir = root;
    for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
      std::string available = fs::ReadFileOrEmpty(dir + "/cgroup.controllers");
      for (const char* controller : {"cpu", "cpuset", "io", "memory", "pids"}) {
        if (absl::StrContains(available, controller)) {
          std::ofstream(dir + "/cgroup.subtree_control") << "+" << controller;
        }
      }
      absl::StrAppend(&dir, "/", part);
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        return absl::ErrnoToStatus(errno, "mkdir " + dir);
      }
    }
    return cgroup;
  }
  cgroup->hierarchies_ = V1Hierarchies(root);
  // A root that is not the host's layout (no hierarchy mounts found):
  // the controllers' directories as they are.
  if (cgroup->hierarchies_.empty()) {
    for (const std::string& controller : V1Controllers()) {
      if (::access(absl::StrCat(root, "/", controller).c_str(), F_OK) == 0) {
        cgroup->hierarchies_.push_back(controller);
      }
    }
  }
  for (const std::string& hierarchy : cgroup->hierarchies_) {
    if (hierarchy == "systemd" && systemd_made) continue;
    if (absl::Status status = fs::MakeDirectories(cgroup->Dir(hierarchy), 0755); !status.ok()) {
      return status;
    }
  }
  // cpuset starts empty in v1: a task cannot join until cpus and mems are
  // set, so copy them down from the parent at every level.
  std::string dir = root + "/cpuset";
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    std::string parent = dir;
    absl::StrAppend(&dir, "/", part);
    for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
      std::string current(absl::StripAsciiWhitespace(fs::ReadFileOrEmpty(dir + "/" + file)));
      if (current.empty()) std::ofstream(dir + "/" + file) << fs::ReadFileOrEmpty(parent + "/" + file);
    }
  }
  return cgroup;
}

absl::Status Cgroup::Apply(const Resources& r) {
  absl::Status status;
  auto write = [&](const std::string& controller, const std::string& file, const std::string& value) {
    if (status.ok()) status = Write(controller, file, value);
  };
  if (version_ == Version::kV2) {
    if (r.memory_bytes > 0) write("", "memory.max", std::to_string(r.memory_bytes));
    if (r.memory_swap_bytes == -1) {
      write("", "memory.swap.max", "max");
    } else if (r.memory_swap_bytes > 0 && r.memory_bytes > 0) {
      write("", "memory.swap.max", std::to_string(r.memory_swap_bytes - r.memory_bytes));
    }
    if (r.cpu_quota_us > 0) {
      write("", "cpu.max", absl::StrCat(r.cpu_quota_us, " ", r.cpu_period_us ? r.cpu_period_us : 100000));
    }
    if (r.cpu_shares > 0) write("", "cpu.weight", std::to_string(SharesToWeight(r.cpu_shares)));
    if (!r.cpuset_cpus.empty()) write("", "cpuset.cpus", r.cpuset_cpus);
    if (r.pids_limit > 0) write("", "pids.max", std::to_string(r.pids_limit));
    if (r.blkio_weight > 0) write("", "io.weight", absl::StrCat("default ", BlkioToIoWeight(r.blkio_weight)));
    return status;
  }
  if (r.memory_bytes > 0) {
    write("memory", "memory.limit_in_bytes", std::to_string(r.memory_bytes));
    // Without a separate swap limit docker gives as much swap as memory.
    int64_t swap = r.memory_swap_bytes == 0 ? 2 * r.memory_bytes : r.memory_swap_bytes;
    if (::access((Dir("memory") + "/memory.memsw.limit_in_bytes").c_str(), F_OK) == 0) {
      write("memory", "memory.memsw.limit_in_bytes", swap < 0 ? "-1" : std::to_string(swap));
    }
  }
  if (r.cpu_quota_us > 0) {
    write("cpu", "cpu.cfs_period_us", std::to_string(r.cpu_period_us ? r.cpu_period_us : 100000));
    write("cpu", "cpu.cfs_quota_us", std::to_string(r.cpu_quota_us));
  }
  if (r.cpu_shares > 0) write("cpu", "cpu.shares", std::to_string(r.cpu_shares));
  if (!r.cpuset_cpus.empty()) write("cpuset", "cpuset.cpus", r.cpuset_cpus);
  if (r.pids_limit > 0) write("pids", "pids.max", std::to_string(r.pids_limit));
  if (r.blkio_weight > 0 && ::access((Dir("blkio") + "/blkio.weight").c_str(), F_OK) == 0) {
    write("blkio", "blkio.weight", std::to_string(r.blkio_weight));
  }
  return status;
}

absl::Status Cgroup::ApplyDevices(const std::vector<DeviceRule>& rules) {
  if (version_ == Version::kV2) {
    if (device_filter_attached_ || AllowsEverything(rules)) return absl::OkStatus();
    if (absl::Status status = AttachDeviceFilter(Dir(""), rules); !status.ok()) return status;
    device_filter_attached_ = true;
    return absl::OkStatus();
  }
  // Without the controller nothing would stop a container opening any node
  // it makes: refuse rather than run it unconfined.
  if (::access(Dir("devices").c_str(), F_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cgroup: no devices controller at ", Dir("devices"), " to confine devices"));
  }
  if (AllowsEverything(rules)) return Write("devices", "devices.allow", "a");
  if (absl::Status status = Write("devices", "devices.deny", "a"); !status.ok()) return status;
  for (const DeviceRule& rule : rules) {
    for (const std::string& line : V1AllowLines(rule)) {
      if (absl::Status status = Write("devices", "devices.allow", line); !status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

absl::Status Cgroup::AddProcess(pid_t pid) {
  std::string value = std::to_string(pid);
  if (version_ == Version::kV2) return Write("", "cgroup.procs", value);
  // Every hierarchy (name=systemd under the systemd driver once systemd has
  // made the scope there), and a hybrid host's v2 one where systemd made
  // the cgroup: an exec'd process joins them too, so systemd counts it.
  std::vector<std::string> joined = hierarchies_;
  joined.push_back("unified");
  for (const std::string& hierarchy : joined) {
    if (::access(Dir(hierarchy).c_str(), F_OK) != 0) continue;
    if (absl::Status status = Write(hierarchy, "cgroup.procs", value); !status.ok()) return status;
  }
  return absl::OkStatus();
}

std::vector<pid_t> Cgroup::Processes() const {
  std::vector<pid_t> pids;
  std::string file = (version_ == Version::kV2 ? Dir("") : Dir("pids")) + "/cgroup.procs";
  for (absl::string_view line : absl::StrSplit(fs::ReadFileOrEmpty(file), '\n', absl::SkipEmpty())) {
    int pid = 0;
    if (absl::SimpleAtoi(line, &pid)) pids.push_back(pid);
  }
  return pids;
}

absl::StatusOr<Stats> Cgroup::ReadStats() const {
  Stats s;
  if (version_ == Version::kV2) {
    std::string dir = Dir("");
    auto cpu = ReadKeyed(dir + "/cpu.stat");
    s.cpu_usage_ns = cpu["usage_usec"] * 1000;
    s.cpu_user_ns = cpu["user_usec"] * 1000;
    s.cpu_system_ns = cpu["system_usec"] * 1000;
    s.cpu_periods = cpu["nr_periods"];
    s.cpu_throttled_periods = cpu["nr_throttled"];
    s.cpu_throttled_ns = cpu["throttled_usec"] * 1000;
    auto memory = ReadKeyed(dir + "/memory.stat");
    s.memory_usage_bytes = ReadNumber(dir + "/memory.current");
    uint64_t inactive = memory["inactive_file"];
    s.memory_working_set_bytes = s.memory_usage_bytes > inactive ? s.memory_usage_bytes - inactive : 0;
    s.memory_limit_bytes = ReadNumber(dir + "/memory.max");  // 0 when "max"
    s.memory_cache_bytes = memory["file"];
    s.memory_rss_bytes = memory["anon"];
    auto events = ReadKeyed(dir + "/memory.events");
    s.memory_failcnt = events["max"];
    s.oom_kills = events["oom_kill"];
    s.pids_current = ReadNumber(dir + "/pids.current");
    s.pids_limit = ReadNumber(dir + "/pids.max");
    std::tie(s.blkio_read_bytes, s.blkio_write_bytes) = ReadIoBytes(dir + "/io.stat", true);
    return s;
  }
  std::string cpuacct = Dir("cpuacct");
  s.cpu_usage_ns = ReadNumber(cpuacct + "/cpuacct.usage");
  auto ticks = ReadKeyed(cpuacct + "/cpuacct.stat");
  long hz = ::sysconf(_SC_CLK_TCK);
  s.cpu_user_ns = ticks["user"] * 1000000000ull / static_cast<uint64_t>(hz);
  s.cpu_system_ns = ticks["system"] * 1000000000ull / static_cast<uint64_t>(hz);
  auto cpu = ReadKeyed(Dir("cpu") + "/cpu.stat");
  s.cpu_periods = cpu["nr_periods"];
  s.cpu_throttled_periods = cpu["nr_throttled"];
  s.cpu_throttled_ns = cpu["throttled_time"];
  std::string memory_dir = Dir("memory");
  auto memory = ReadKeyed(memory_dir + "/memory.stat");
  s.memory_usage_bytes = ReadNumber(memory_dir + "/memory.usage_in_bytes");
  uint64_t inactive = memory["total_inactive_file"];
  s.memory_working_set_bytes = s.memory_usage_bytes > inactive ? s.memory_usage_bytes - inactive : 0;
  s.memory_limit_bytes = ReadNumber(memory_dir + "/memory.limit_in_bytes");
  // With swap limited too, the limit is hit on memory+swap: count either.
  s.memory_failcnt = std::max(ReadNumber(memory_dir + "/memory.failcnt"),
                              ReadNumber(memory_dir + "/memory.memsw.failcnt"));
  s.memory_cache_bytes = memory["total_cache"];
  s.memory_rss_bytes = memory["total_rss"];
  s.oom_kills = ReadKeyed(memory_dir + "/memory.oom_control")["oom_kill"];
  s.pids_current = ReadNumber(Dir("pids") + "/pids.current");
  s.pids_limit = ReadNumber(Dir("pids") + "/pids.max");
  std::tie(s.blkio_read_bytes, s.blkio_write_bytes) =
      ReadIoBytes(Dir("blkio") + "/blkio.throttle.io_service_bytes", false);
  return s;
}

absl::Status Cgroup::Freeze(bool frozen) {
  if (version_ == Version::kV2) return Write("", "cgroup.freeze", frozen ? "1" : "0");
  absl::Status status = Write("freezer", "freezer.state", frozen ? "FROZEN" : "THAWED");
  if (!status.ok() || !frozen) return status;
  // FREEZING settles into FROZEN once every task has stopped.
  for (int i = 0; i < 1000; ++i) {
    std::string state(absl::StripAsciiWhitespace(fs::ReadFileOrEmpty(Dir("freezer") + "/freezer.state")));
    if (state == "FROZEN") return absl::OkStatus();
    ::usleep(1000);
  }
  return absl::DeadlineExceededError("cgroup: freezing did not settle");
}

absl::StatusOr<int> Cgroup::OpenOomNotifier() const {
  if (version_ == Version::kV2) {
    int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd < 0) return absl::ErrnoToStatus(errno, "cgroup: inotify_init1");
    std::string events = Dir("") + "/memory.events";
    if (::inotify_add_watch(fd, events.c_str(), IN_MODIFY) < 0) {
      int error = errno;
      ::close(fd);
      return absl::ErrnoToStatus(error, "cgroup: watch " + events);
    }
    return fd;
  }
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return absl::ErrnoToStatus(errno, "cgroup: eventfd");
  std::string control = Dir("memory") + "/memory.oom_control";
  int control_fd = ::open(control.c_str(), O_RDONLY | O_CLOEXEC);
  absl::Status status = control_fd < 0 ? absl::ErrnoToStatus(errno, "cgroup: open " + control)
                                       : Write("memory", "cgroup.event_control",
                                               absl::StrCat(fd, " ", control_fd));
  // The registration holds the cgroup, not this descriptor.
  if (control_fd >= 0) ::close(control_fd);
  if (!status.ok()) {
    ::close(fd);
    return status;
  }
  return fd;
}

bool Cgroup::OomKillNoticed(int notifier) const {
  if (version_ == Version::kV2) {
    char buffer[4096];
    while (::read(notifier, buffer, sizeof(buffer)) > 0) {
    }
    return ReadKeyed(Dir("") + "/memory.events")["oom_kill"] > 0;
  }
  // v1 also signals once when the cgroup is removed, after the rmdir: a
  // signal while the cgroup is there is an OOM, and once it is gone, any
  // count beyond the removal's one. (Gone, with one signal that is an OOM
  // whose removal signal is still to come, reads as no OOM: the shim is
  // woken by the OOM long before the scope can have been removed.)
  bool removed = ::access((Dir("memory") + "/memory.oom_control").c_str(), F_OK) != 0;
  uint64_t count = 0;
  if (::read(notifier, &count, sizeof(count)) != sizeof(count)) return false;
  return count > (removed ? 1u : 0u);
}

bool Cgroup::InSystemdHierarchy() const {
  return ::access(Dir(version_ == Version::kV2 ? "" : "systemd").c_str(), F_OK) == 0;
}

absl::Status Cgroup::Destroy() {
  auto remove = [](const std::string& dir) -> absl::Status {
    // Processes killed a moment ago (a container's last ones, in a pod's
    // PID namespace) still hold the cgroup until they are gone: EBUSY for
    // a while, so retry as runc does (10 ms doubling, ~0.6 s in all).
    for (int attempt = 0, delay_ms = 10;; ++attempt, delay_ms *= 2) {
      if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return absl::OkStatus();
      if (errno != EBUSY || attempt == 5) return absl::ErrnoToStatus(errno, "cgroup: rmdir " + dir);
      ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
    }
  };
  if (version_ == Version::kV2) return remove(Dir(""));
  absl::Status first;
  for (const std::string& hierarchy : hierarchies_) {
    // systemd removes the scope it made.
    if (hierarchy == "systemd" && systemd_made_) continue;
    absl::Status status = remove(Dir(hierarchy));
    if (first.ok()) first = status;
  }
  return first;
}

}  // namespace berth::cgroup
