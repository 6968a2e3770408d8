#include "shim/container/seccomp_profile.h"

#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"

namespace berth::container {
namespace {

// System calls Docker's profile leaves out, each unless the container has
// the capability that governs it (-1: never).
struct Gate {
  int capability;
  std::vector<const char*> syscalls;
};

const std::vector<Gate>& Gates() {
  static const auto* gates = new std::vector<Gate>{
      {-1, {"add_key", "create_module", "get_kernel_syms", "keyctl", "nfsservctl", "query_module",
            "request_key", "swapoff", "swapon", "sysfs", "_sysctl", "uselib", "userfaultfd",
            "ustat", "vm86", "vm86old", "pivot_root"}},
      {CAP_SYS_ADMIN, {"bpf", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie",
                       "mount", "mount_setattr", "move_mount", "name_to_handle_at", "open_tree",
                       "perf_event_open", "quotactl", "quotactl_fd", "setdomainname",
                       "sethostname", "setns", "umount", "umount2", "unshare", "vhangup"}},
      {CAP_SYS_BOOT, {"reboot"}},
      {CAP_SYS_MODULE, {"delete_module", "init_module", "finit_module"}},
      {CAP_SYS_PTRACE, {"kcmp", "process_vm_readv", "process_vm_writev"}},
      {CAP_SYS_TIME, {"settimeofday", "stime", "clock_settime", "clock_adjtime", "adjtimex"}},
      {CAP_SYS_PACCT, {"acct"}},
      {CAP_SYS_RAWIO, {"iopl", "ioperm"}},
      {CAP_SYS_NICE, {"get_mempolicy", "set_mempolicy", "mbind", "move_pages"}},
      {CAP_SYSLOG, {"syslog"}},
      {CAP_DAC_READ_SEARCH, {"open_by_handle_at"}},
      {CAP_SYS_BOOT, {"kexec_file_load", "kexec_load"}},
  };
  return *gates;
}

}  // namespace

absl::StatusOr<std::vector<sock_filter>> CompileDefaultSeccomp(uint64_t capabilities) {
  bool admin = (capabilities >> CAP_SYS_ADMIN) & 1;
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) return absl::InternalError("seccomp_init failed");
  auto deny = [&](const char* name) -> absl::Status {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) return absl::OkStatus();  // Not on this architecture.
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
    if (rc != 0) return absl::ErrnoToStatus(-rc, absl::StrCat("seccomp rule for ", name));
    return absl::OkStatus();
  };
  absl::Status status;
  for (const Gate& gate : Gates()) {
    if (gate.capability >= 0 && ((capabilities >> gate.capability) & 1)) continue;
    for (const char* name : gate.syscalls) {
      if (status.ok()) status = deny(name);
    }
  }
  if (!admin) {
    // clone() creating namespaces, as Docker masks it; clone3's flags are in
    // memory a filter cannot read, so it answers ENOSYS and libc falls
    // back to clone().
    constexpr uint64_t kNamespaces = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                                     CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;
    if (status.ok() &&
        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, kNamespaces, kNamespaces)) != 0) {
      status = absl::InternalError("seccomp rule for clone");
    }
    for (uint64_t flag : {uint64_t{CLONE_NEWNS}, uint64_t{CLONE_NEWUTS}, uint64_t{CLONE_NEWIPC},
                          uint64_t{CLONE_NEWUSER}, uint64_t{CLONE_NEWPID}, uint64_t{CLONE_NEWNET},
                          uint64_t{CLONE_NEWCGROUP}}) {
      if (status.ok() && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                          SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)) != 0) {
        status = absl::InternalError("seccomp rule for clone");
      }
    }
    if (status.ok()) {
      int nr = seccomp_syscall_resolve_name("clone3");
      if (nr != __NR_SCMP_ERROR) seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
    }
  }
  if (!status.ok()) {
    seccomp_release(ctx);
    return status;
  }
  return ExportSeccomp(ctx);
}

absl::StatusOr<std::vector<sock_filter>> ExportSeccomp(scmp_filter_ctx ctx) {
  absl::Status status;
  std::vector<sock_filter> program;
  int fd = ::memfd_create("berth-seccomp", MFD_CLOEXEC);
  if (fd < 0 || seccomp_export_bpf(ctx, fd) != 0) {
    status = absl::InternalError("seccomp_export_bpf failed");
  } else {
    off_t size = ::lseek(fd, 0, SEEK_END);
    program.resize(static_cast<size_t>(size) / sizeof(sock_filter));
    if (::pread(fd, program.data(), static_cast<size_t>(size), 0) != size) {
      status = absl::InternalError("reading the seccomp program failed");
    }
  }
  if (fd >= 0) ::close(fd);
  seccomp_release(ctx);
  if (!status.ok()) return status;
  return program;
}

}  // namespace berth::container
