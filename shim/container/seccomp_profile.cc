// A SeccompProfile compiled with libseccomp, with Docker's rules for which
// entries apply to this container, architecture and kernel.

#include "shim/container/seccomp_profile.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"

namespace berth::container {
namespace {

using FilterContext = std::unique_ptr<void, decltype(&seccomp_release)>;

// Docker compares includes/excludes arches with Go's name for the machine.
std::string NativeArchName() {
  switch (seccomp_arch_native()) {
    case SCMP_ARCH_X86_64: return "amd64";
    case SCMP_ARCH_X86: return "x86";
    case SCMP_ARCH_X32: return "x32";
    case SCMP_ARCH_AARCH64: return "arm64";
    case SCMP_ARCH_ARM: return "arm";
    case SCMP_ARCH_PPC64LE: return "ppc64le";
    case SCMP_ARCH_S390X: return "s390x";
    case SCMP_ARCH_S390: return "s390";
    case SCMP_ARCH_RISCV64: return "riscv64";
    default: return "";
  }
}

// major * 1000 + minor of the running kernel; "6.18.44-x" is 6018.
int KernelVersion() {
  static const int version = [] {
    struct utsname name;
    int major = 0, minor = 0;
    if (::uname(&name) == 0) std::sscanf(name.release, "%d.%d", &major, &minor);
    return major * 1000 + minor;
  }();
  return version;
}

bool Held(uint64_t capabilities, int cap) {
  return cap >= 0 && cap < 64 && ((capabilities >> cap) & 1);
}

bool Listed(const std::vector<std::string>& arches, const std::string& native) {
  return std::find(arches.begin(), arches.end(), native) != arches.end();
}

// As Docker: excludes drops the entry if the machine is listed, or any
// capability listed is held, or the kernel is at least min_kernel;
// includes keeps it only if the machine is listed, every capability is
// held and the kernel is at least min_kernel.
bool Applies(const SeccompRule& rule, uint64_t capabilities) {
  static const std::string native = NativeArchName();
  const SeccompCondition& ex = rule.excludes;
  if (!ex.arches.empty() && Listed(ex.arches, native)) return false;
  for (int cap : ex.caps) {
    if (Held(capabilities, cap)) return false;
  }
  if (ex.min_kernel != 0 && KernelVersion() >= ex.min_kernel) return false;
  const SeccompCondition& in = rule.includes;
  if (!in.arches.empty() && !Listed(in.arches, native)) return false;
  for (int cap : in.caps) {
    if (!Held(capabilities, cap)) return false;
  }
  if (in.min_kernel != 0 && KernelVersion() < in.min_kernel) return false;
  return true;
}

// The native architecture and the ones the profile adds beside it: its
// architectures list, or the sub-architectures archMap gives the native one.
std::vector<uint32_t> Architectures(const SeccompProfile& profile) {
  uint32_t native = seccomp_arch_native();
  std::vector<uint32_t> arches = {native};
  std::vector<uint32_t> extra = profile.architectures;
  for (const SeccompArchitecture& entry : profile.arch_map) {
    if (entry.arch == native) extra = entry.sub_arches;
  }
  for (uint32_t arch : extra) {
    if (arch != 0 && std::find(arches.begin(), arches.end(), arch) == arches.end()) {
      arches.push_back(arch);
    }
  }
  return arches;
}

absl::StatusOr<std::vector<sock_filter>> Export(scmp_filter_ctx ctx) {
  std::vector<sock_filter> program;
  int fd = ::memfd_create("berth-seccomp", MFD_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "seccomp: memfd_create");
  absl::Status status;
  if (int rc = seccomp_export_bpf(ctx, fd); rc != 0) {
    status = absl::ErrnoToStatus(-rc, "seccomp_export_bpf");
  } else {
    off_t size = ::lseek(fd, 0, SEEK_END);
    program.resize(static_cast<size_t>(size) / sizeof(sock_filter));
    if (::pread(fd, program.data(), static_cast<size_t>(size), 0) != size) {
      status = absl::InternalError("reading the seccomp program failed");
    }
  }
  ::close(fd);
  if (!status.ok()) return status;
  return program;
}

}  // namespace

absl::StatusOr<std::vector<sock_filter>> CompileSeccomp(const SeccompProfile& profile,
                                                        uint64_t capabilities) {
  if (profile.unconfined) return std::vector<sock_filter>{};
  FilterContext ctx(seccomp_init(profile.default_action), &seccomp_release);
  if (ctx == nullptr) return absl::InvalidArgumentError("seccomp: invalid default action");
  std::vector<uint32_t> arches = Architectures(profile);
  for (size_t i = 1; i < arches.size(); ++i) {
    if (int rc = seccomp_arch_add(ctx.get(), arches[i]); rc != 0 && rc != -EEXIST) {
      return absl::ErrnoToStatus(-rc, absl::StrCat("seccomp: adding architecture ", arches[i]));
    }
  }
  std::vector<int> max_nr(arches.size(), -1);
  for (size_t r = 0; r < profile.rules.size(); ++r) {
    const SeccompRule& rule = profile.rules[r];
    if (!Applies(rule, capabilities)) continue;
    for (const std::string& name : rule.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;  // unknown to this libseccomp
      for (size_t a = 0; a < arches.size(); ++a) {
        max_nr[a] = std::max(max_nr[a], seccomp_syscall_resolve_name_arch(arches[a], name.c_str()));
      }
      if (rule.action == profile.default_action) continue;  // libseccomp refuses no-op rules
      std::vector<scmp_arg_cmp> args;
      for (const SeccompArg& arg : rule.args) {
        args.push_back({arg.index, arg.op, arg.value, arg.value_two});
      }
      int rc = seccomp_rule_add_array(ctx.get(), rule.action, nr,
                                      static_cast<unsigned>(args.size()),
                                      args.empty() ? nullptr : args.data());
      if (rc != 0) {
        return absl::InvalidArgumentError(absl::StrCat("seccomp profile: syscalls[", r, "] ",
                                                       name, ": ", std::strerror(-rc)));
      }
    }
  }
  auto program = Export(ctx.get());
  if (!program.ok()) return program.status();
  if (profile.default_action != SCMP_ACT_ALLOW && profile.default_action != SCMP_ACT_LOG) {
    PrependEnosysStub(arches, max_nr, &*program);
  }
  return program;
}

absl::StatusOr<std::vector<sock_filter>> CompileDefaultSeccomp(uint64_t capabilities) {
  return CompileSeccompCached(DockerDefaultProfile(), capabilities);
}

}  // namespace berth::container
