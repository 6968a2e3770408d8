#ifndef BERTH_SHIM_CGROUP_CGROUP_H_
#define BERTH_SHIM_CGROUP_CGROUP_H_

// A container's cgroup on either layout, chosen at run time: cgroup v1 (a
// hierarchy per controller under /sys/fs/cgroup/<controller>, with or
// without a v2 mount beside it) or v2 (one unified hierarchy). Limits are
// given once in docker's terms and written in each layout's own files;
// statistics come back in cAdvisor's terms.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shim/cgroup/devices.h"

namespace berth::cgroup {

// docker run's limits; 0 (or empty) leaves a limit unset.
struct Resources {
  int64_t memory_bytes = 0;
  // memory + swap; -1 unlimited swap.
  int64_t memory_swap_bytes = 0;
  int64_t cpu_quota_us = 0;
  uint64_t cpu_period_us = 0;
  uint64_t cpu_shares = 0;
  std::string cpuset_cpus;
  int64_t pids_limit = 0;
  // blkio weight 10..1000.
  uint32_t blkio_weight = 0;
};

struct Stats {
  uint64_t cpu_usage_ns = 0;
  uint64_t cpu_user_ns = 0;
  uint64_t cpu_system_ns = 0;
  uint64_t cpu_periods = 0;
  uint64_t cpu_throttled_periods = 0;
  uint64_t cpu_throttled_ns = 0;
  uint64_t memory_usage_bytes = 0;
  // Usage minus inactive file cache, as cAdvisor and the kubelet count it.
  uint64_t memory_working_set_bytes = 0;
  uint64_t memory_limit_bytes = 0;
  uint64_t memory_failcnt = 0;
  uint64_t memory_cache_bytes = 0;
  uint64_t memory_rss_bytes = 0;
  uint64_t oom_kills = 0;
  uint64_t pids_current = 0;
  uint64_t pids_limit = 0;
  uint64_t blkio_read_bytes = 0;
  uint64_t blkio_write_bytes = 0;
};

enum class Version { kV1, kV2 };

class Cgroup {
 public:
  // Creates (or opens) the cgroup at `path` (relative, e.g. "berth/<id>")
  // under root (/sys/fs/cgroup). v1: in every hierarchy mounted there, as
  // runc does, not only those of the controllers berth limits, so that the
  // container is in a cgroup of its own wherever its /sys/fs/cgroup looks
  // (net_cls,net_prio, perf_event, name=systemd, ...). systemd_made: the
  // systemd driver, whose scope systemd makes in name=systemd itself.
  static absl::StatusOr<std::unique_ptr<Cgroup>> Create(const std::string& path, Version version,
                                                        const std::string& root = "/sys/fs/cgroup",
                                                        bool systemd_made = false);

  absl::Status Apply(const Resources& resources);
  // Only the devices the rules allow, for every process in the cgroup: v1
  // denies all in devices.deny and allows each rule; v2 attaches a BPF
  // program, once (a second one would only narrow it again). Written
  // before the container's first process runs.
  absl::Status ApplyDevices(const std::vector<DeviceRule>& rules);
  absl::Status AddProcess(pid_t pid);
  std::vector<pid_t> Processes() const;
  absl::StatusOr<Stats> ReadStats() const;
  absl::Status Freeze(bool frozen);
  // A descriptor that becomes readable when the OOM killer acts here (v1:
  // an eventfd registered on memory.oom_control; v2: inotify on
  // memory.events); the caller owns it. Watched while the container runs,
  // the kill is known even if the cgroup is gone by the time it exits (the
  // systemd driver's scope is removed as soon as it is empty).
  absl::StatusOr<int> OpenOomNotifier() const;
  // After the notifier was readable: drains it and tells whether that was
  // an OOM kill (not v1's signal that the cgroup was removed).
  bool OomKillNoticed(int notifier) const;
  // Removes the cgroup (it must hold no processes).
  absl::Status Destroy();
  // systemd still has the cgroup in its own hierarchy (name=systemd on v1,
  // the unified one on v2): under its driver, the scope is not gone yet.
  bool InSystemdHierarchy() const;

  Version version() const { return version_; }

 private:
  Cgroup(std::string path, Version version, std::string root, bool systemd_made)
      : path_(std::move(path)), version_(version), root_(std::move(root)), systemd_made_(systemd_made) {}
  // The directory of a controller (v1) or the unified one (v2).
  std::string Dir(const std::string& controller) const;
  absl::Status Write(const std::string& controller, const std::string& file,
                     const std::string& value) const;

  std::string path_;
  Version version_;
  std::string root_;
  bool systemd_made_;
  // v1: the directories under root_ the hierarchies are mounted on.
  std::vector<std::string> hierarchies_;
  bool device_filter_attached_ = false;
};

// The directories under root (v1) that a cgroup v1 hierarchy is mounted on,
// one per hierarchy ("cpu,cpuacct", not its links "cpu" and "cpuacct"),
// sorted. An empty directory that is no mount (what systemd leaves where it
// could not mount a hierarchy) is not one.
std::vector<std::string> V1Hierarchies(const std::string& root = "/sys/fs/cgroup");

// v1 controllers berth puts each container in.
const std::vector<std::string>& V1Controllers();
// cpu.weight (v2, 1..10000) for cpu.shares (v1, 2..262144), as runc does.
uint64_t SharesToWeight(uint64_t shares);
// io.weight (v2, 1..10000) for blkio.weight (v1, 10..1000).
uint64_t BlkioToIoWeight(uint32_t weight);

}  // namespace berth::cgroup

#endif  // BERTH_SHIM_CGROUP_CGROUP_H_
