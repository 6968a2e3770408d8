#ifndef BERTH_SHIM_CONTAINER_SECCOMP_PROFILE_H_
#define BERTH_SHIM_CONTAINER_SECCOMP_PROFILE_H_

// berth's default seccomp filter, compiled with libseccomp in the parent
// into a BPF program the container's child loads without allocating.
//
// It follows the intent of Docker's default profile — the system calls it
// leaves out are the ones that reach past the container: kernel modules,
// kexec, reboot, swap, the clocks, accounting, quotas, keyrings, bpf,
// perf, userfaultfd, handle-based opens, NUMA policy, raw I/O ports,
// cross-process memory access, the new mount API, and namespace creation
// (unshare, setns, clone with CLONE_NEW*) unless CAP_SYS_ADMIN is granted.
// As in Docker's profile, a capability unlocks the calls it governs:
// CAP_SYS_ADMIN mount/unshare/setns..., CAP_SYS_TIME the clocks, and so on.
// It is a deny list, not Docker's allow list; the difference is noted in
// the containers issue.

#include <linux/filter.h>

#include <seccomp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::container {

absl::StatusOr<std::vector<sock_filter>> CompileDefaultSeccomp(uint64_t capabilities);

// A profile in Docker's JSON format (--security-opt seccomp=profile.json):
// defaultAction and defaultErrnoRet, and syscalls entries with names,
// action, errnoRet, args (index, value, valueTwo, op) and includes/excludes
// by capability and architecture. Unknown system call names are skipped,
// as Docker does. Errors name the entry at fault.
absl::StatusOr<std::vector<sock_filter>> CompileSeccompProfile(const std::string& json,
                                                               uint64_t capabilities);

// The BPF program of a libseccomp filter; releases ctx.
absl::StatusOr<std::vector<sock_filter>> ExportSeccomp(scmp_filter_ctx ctx);

}  // namespace berth::container

#endif  // BERTH_SHIM_CONTAINER_SECCOMP_PROFILE_H_
