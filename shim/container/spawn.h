#ifndef BERTH_SHIM_CONTAINER_SPAWN_H_
#define BERTH_SHIM_CONTAINER_SPAWN_H_

// Starts a container's first process: clone() into new pid, mount, uts,
// ipc, cgroup and (unless shared) network namespaces; mount the root
// filesystem the snapshots service described, /proc, /dev (tmpfs with the
// usual nodes, devpts, shm, mqueue), /sys read-only; pivot_root; the
// container's mounts; its read-only and masked paths; then exec. Everything the child needs is
// laid out before clone(): between clone and execve the child makes only
// system calls, no allocation and no locking.

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/shim/v1/shim.pb.h"
#include "shim/container/idmap.h"
#include "shim/container/process_setup.h"

namespace berth::container {

// A mount made inside the container after pivot_root (volumes, binds,
// tmpfs, the init files). The destination is resolved in the container's
// own view, so a symlink in the image cannot send it onto the host.
struct ContainerMount {
  // bind or tmpfs.
  std::string type = "bind";
  // Host path of a bind.
  std::string source;
  std::string destination;
  bool read_only = false;
  // tmpfs options (size=, mode=).
  std::string data;
  // With a user namespace: idmap the bind into it (berth's volumes and
  // init files, stored as the host's root, show as the container's root).
  bool idmap = false;
  // A bind's propagation (docker's and the CRI's): rprivate, private,
  // rslave, slave, rshared, shared (empty is rprivate too).
  std::string propagation = "rprivate";
};

// A device node the container gets besides the usual ones (--device, the
// host's devices for --privileged).
struct DeviceNodeSpec {
  // In the container.
  std::string path;
  // The host's node, bound in a user namespace (where mknod is refused).
  std::string host_path;
  // 'c' or 'b'.
  char type = 'c';
  unsigned int major = 0;
  unsigned int minor = 0;
  mode_t mode = 0666;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The process (args, env, user, capabilities, seccomp, terminal...) and
// the container around it.
struct SpawnConfig : ProcessConfig {
  // Mounts of the root filesystem (from the snapshots service) and where
  // to mount them on the host side before pivoting.
  std::vector<berth::shim::v1::Mount> rootfs;
  std::string rootfs_dir;
  bool read_only_root = false;
  std::vector<ContainerMount> mounts;
  std::string hostname;
  // Share the host's network namespace (--network host).
  bool host_network = false;
  // The joined network namespace is another container's: its sysctls are
  // left as its owner set them.
  bool network_of_another = false;
  // Join this network namespace (a sandbox of the network service)
  // instead of making a new one.
  std::string netns_path;
  // Join these IPC, UTS and PID namespaces (the host's, another
  // container's: /proc/PID/ns/TYPE) instead of making new ones; empty for
  // new ones. In a joined UTS namespace the hostname is left alone.
  std::string ipcns_path;
  std::string utsns_path;
  std::string pidns_path;
  // The container's own sysctls (docker --sysctl, a pod's), key → value:
  // the tasks service lets through only those of namespaces it owns.
  std::map<std::string, std::string> sysctls;
  // A user namespace with these maps (userns-remap); empty for none. The
  // root filesystem's layers are idmapped into it.
  std::vector<IdMapping> uid_map;
  std::vector<IdMapping> gid_map;
  std::vector<DeviceNodeSpec> devices;
  // --privileged: /sys and /sys/fs/cgroup are writable.
  bool privileged = false;
  // Absolute paths in the container, protected after every mount: masked
  // (/dev/null over a file, an empty read-only tmpfs over a directory)
  // and read-only; those the image lacks are skipped.
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  // stdio of the process; -1 for /dev/null.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // With terminal: receives the pseudo-terminal's master (the caller owns
  // it); stdin/stdout/stderr_fd are then unused.
  UniqueFd* console = nullptr;
  // Runs in the parent once the child exists and before it does anything
  // (the child waits): put it into its cgroup, set its OOM score. An error
  // kills the child and is Spawn's error.
  std::function<absl::Status(pid_t)> before_start;
};

// Docker's defaults.
std::vector<std::string> DefaultMaskedPaths();
std::vector<std::string> DefaultReadonlyPaths();

// Returns the container's first process as the host sees it. Setup
// failures in the child come back as errors naming the step.
absl::StatusOr<pid_t> Spawn(const SpawnConfig& config);

}  // namespace berth::container

#endif  // BERTH_SHIM_CONTAINER_SPAWN_H_
