#ifndef BERTH_SERVICES_TASKS_CONTAINER_SPEC_H_
#define BERTH_SERVICES_TASKS_CONTAINER_SPEC_H_

// From what the user asked for and the image's config to what the shim
// runs, with docker's rules: entrypoint and cmd merging, env from the image
// then -e, working directory, user, stop signal, labels, hostname; the
// init files; the shim's CreateRequest.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "berth/shim/v1/shim.pb.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "services/common/config/daemon_config.h"

namespace berth::tasks {

// Fills spec's unset fields from the image config JSON (OCI image config)
// and checks that there is a command. The result is what inspect shows as
// Config: the effective entrypoint, cmd, env...
absl::StatusOr<v1::ContainerSpec> MergeImageConfig(const v1::ContainerSpec& spec,
                                                   const std::string& image_config_json,
                                                   const std::string& container_id);

// SIGTERM, TERM, 15 -> 15.
absl::StatusOr<int> ParseSignal(const std::string& signal);

// Docker's defaults for resources and --restart, checked.
absl::Status ValidateSpec(const v1::ContainerSpec& spec);
// The parts an update changes (docker update), checked alone: the rest of
// a spec was checked when it was created.
absl::Status ValidateRestartPolicy(const v1::ContainerSpec& spec);
absl::Status ValidateResources(const v1::Resources& resources);

// The container's log driver: json-file unless it names another.
std::string EffectiveLogDriver(const v1::ContainerSpec& spec);

// The CPUs this host gives the daemon (Go's runtime.NumCPU, as dockerd
// checks --cpus against).
int HostCpuCount();
// docker's refusal of --cpus beyond the host's CPUs.
absl::Status CheckCpus(const v1::Resources& resources, int host_cpus);

// --platform against the image found: docker's refusal when they differ
// (os and architecture; the variant when both have one).
absl::Status CheckImagePlatform(const std::string& reference, const berth::types::v1::Platform& wanted,
                                const berth::types::v1::Platform& actual);

// docker's sizes for log-opts max-size: 10m, 1g, 512k, bytes; -1 when it
// is not one.
int64_t ParseLogSize(const std::string& text);

// The cri driver's --log-opt max-line-size (10k, bytes; -1 for no limit),
// 16 KiB without it, 0 when it is not one.
int64_t CriMaxLineSize(const v1::ContainerSpec& spec);

// json-file rotation: max_size 0 never rotates; max_files counts the
// current file.
struct LogLimits {
  int64_t max_size = 0;
  int max_files = 1;
};
// The container's --log-opt max-size/max-file, else the daemon's log-opts.
LogLimits ContainerLogLimits(const v1::ContainerSpec& spec, const LogLimits& daemon);

struct HostFiles {
  std::string hostname;
  std::string hosts;
  std::string resolv_conf;
};
// --add-host NAME:host-gateway: the host's address on the default bridge
// (or daemon.json's host-gateway-ip), as docker's special value.
inline constexpr const char* kHostGateway = "host-gateway";
bool WantsHostGateway(const v1::ContainerSpec& spec);

// The contents of /etc/hostname, /etc/hosts, /etc/resolv.conf for it;
// host_gateway is what host-gateway in --add-host stands for.
HostFiles MakeHostFiles(const v1::ContainerSpec& spec, const std::string& host_gateway = "");

// docker's limits as the shim takes them: --memory without --memory-swap
// allows as much swap again.
berth::shim::v1::Resources ShimResources(const v1::Resources& resources);

struct ShimSettings {
  std::string bundle;
  // The network namespace to join (from the network service); empty for a
  // new one (none) or the host's.
  std::string netns_path;
  // IPC, PID and UTS namespaces to join, by type (see JoinedNamespaces).
  std::map<std::string, std::string> join_namespaces;
  // A host directory bound as /dev/shm (the IPC namespace's, see
  // ipc_shm.h); empty for the container's own tmpfs.
  std::string shm_source;
  // cgroupfs or systemd; cgroup_parent is a slice under systemd.
  std::string cgroup_driver = "cgroupfs";
  std::string cgroup_parent = "berth";
  int64_t log_max_size = 0;
  int log_max_files = 1;
  // userns-remap's maps; empty when the daemon does not remap.
  std::vector<berth::shim::v1::IDMap> uid_map;
  std::vector<berth::shim::v1::IDMap> gid_map;
};

// Whether a container runs in the daemon's user namespace remapping, and
// docker's refusals of what cannot go with it (privileged, host network).
absl::StatusOr<bool> UsesRemappedUserNamespace(const v1::ContainerSpec& spec, bool daemon_remaps);

// A container's --cgroup-parent under the daemon's driver: under systemd it
// must be a slice (docker's message otherwise).
absl::Status CheckCgroupParent(const v1::ContainerSpec& spec, const std::string& cgroup_driver);

// Adds the daemon's default-ulimits the spec does not set itself (its
// --ulimit wins), in name order, as dockerd's mergeUlimits does.
void AddDefaultUlimits(const std::map<std::string, config::Ulimit>& defaults,
                       v1::ContainerSpec* spec);

// What every process of the container shares: capabilities, seccomp,
// no-new-privileges, ulimits (exec'd processes get them too).
void SetProcessSecurity(const v1::ContainerSpec& spec, berth::shim::v1::Process* process);

// The shim's CreateRequest for a container about to start.
absl::StatusOr<berth::shim::v1::CreateRequest> BuildShimRequest(const v1::Container& container,
                                                                const ShimSettings& settings);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_CONTAINER_SPEC_H_
