#ifndef BERTH_SHIM_CONTAINER_SECCOMP_PROFILE_H_
#define BERTH_SHIM_CONTAINER_SECCOMP_PROFILE_H_

// Seccomp profiles in Docker's model, compiled with libseccomp in the
// parent into a BPF program the container's child loads without
// allocating. The default profile (Docker's, an allow list) and a
// user's JSON profile (--security-opt seccomp=profile.json) are the same
// SeccompProfile and go through the same compiler.

#include <linux/filter.h>

#include <seccomp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::container {

struct SeccompArg {
  unsigned index = 0;
  scmp_compare op = SCMP_CMP_EQ;
  uint64_t value = 0;
  uint64_t value_two = 0;
};

// Docker's includes/excludes: capabilities (numbers), architectures in
// Go's names ("amd64", "x32", "arm64"...) and a minimum kernel.
struct SeccompCondition {
  std::vector<int> caps;
  std::vector<std::string> arches;
  int min_kernel = 0;  // major * 1000 + minor, 0 for none
};

struct SeccompRule {
  std::vector<std::string> names;
  uint32_t action = SCMP_ACT_ALLOW;
  std::vector<SeccompArg> args;
  SeccompCondition includes;
  SeccompCondition excludes;
};

struct SeccompArchitecture {
  uint32_t arch = 0;  // SCMP_ARCH_*
  std::vector<uint32_t> sub_arches;
};

struct SeccompProfile {
  bool unconfined = false;  // a profile with neither defaultAction nor syscalls
  uint32_t default_action = SCMP_ACT_ERRNO(1);
  std::vector<uint32_t> architectures;
  std::vector<SeccompArchitecture> arch_map;
  std::vector<SeccompRule> rules;
};

// Docker's default profile: everything not allowed fails with EPERM.
const SeccompProfile& DockerDefaultProfile();

// A profile in Docker's JSON format: defaultAction, defaultErrnoRet,
// architectures or archMap, and syscalls entries with name(s), action,
// errnoRet, args (index, value, valueTwo, op) and includes/excludes by
// capability, architecture and minKernel. Errors name the entry at fault.
absl::StatusOr<SeccompProfile> ParseSeccompProfile(const std::string& json);

// The BPF program for a container holding `capabilities` (the bounding
// set, as Docker conditions on it). System call names this libseccomp
// does not know are skipped, as Docker does; numbers above the newest
// system call the profile names fail with ENOSYS, as runc does, so that
// a libc falls back from calls newer than the profile. Empty for an
// unconfined profile.
absl::StatusOr<std::vector<sock_filter>> CompileSeccomp(const SeccompProfile& profile,
                                                        uint64_t capabilities);

// CompileSeccomp through a cache on disk (/run/berth-seccomp-cache), named
// by a hash of the profile, the capabilities, the kernel and libseccomp.
absl::StatusOr<std::vector<sock_filter>> CompileSeccompCached(const SeccompProfile& profile,
                                                              uint64_t capabilities);

// The two entry points the shim uses, both cached.
absl::StatusOr<std::vector<sock_filter>> CompileDefaultSeccomp(uint64_t capabilities);
absl::StatusOr<std::vector<sock_filter>> CompileSeccompProfile(const std::string& json,
                                                               uint64_t capabilities);

// Prepends to `program` (libseccomp's output for a filter over `arches`)
// the ENOSYS answer for system call numbers above max_nr[i] of arches[i].
void PrependEnosysStub(const std::vector<uint32_t>& arches, const std::vector<int>& max_nr,
                       std::vector<sock_filter>* program);

}  // namespace berth::container

#endif  // BERTH_SHIM_CONTAINER_SECCOMP_PROFILE_H_
