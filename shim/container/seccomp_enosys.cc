// The ENOSYS stub in front of libseccomp's program. An allow list answers
// its default errno (EPERM) to every call it does not name, including
// calls newer than the profile; a libc tries a new call and falls back
// only on ENOSYS, so, as runc does, numbers above the newest call the
// profile names answer ENOSYS. libseccomp cannot express "unknown", so
// the check is BPF of our own, placed before libseccomp's program.

#include <linux/audit.h>
#include <linux/seccomp.h>

#include <cerrno>
#include <cstddef>

#include "shim/container/seccomp_profile.h"

namespace berth::container {
namespace {

// x32 calls arrive under AUDIT_ARCH_X86_64 with this bit in the number.
constexpr uint32_t kX32SyscallBit = 0x40000000;

struct Jump {
  size_t at;
  bool to_enosys;  // else to libseccomp's program
};

}  // namespace

void PrependEnosysStub(const std::vector<uint32_t>& arches, const std::vector<int>& max_nr,
                       std::vector<sock_filter>* program) {
  int x32_max = -1;
  for (size_t i = 0; i < arches.size(); ++i) {
    if (arches[i] == SCMP_ARCH_X32) x32_max = max_nr[i];
  }
  std::vector<sock_filter> stub;
  std::vector<Jump> jumps;  // conditional "greater than" to ENOSYS, or "ja" to the program
  auto load = [&stub](uint32_t offset) {
    stub.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset));
  };
  auto above = [&](uint32_t max) {
    jumps.push_back({stub.size(), true});
    stub.push_back(BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, max, 0, 0));
    jumps.push_back({stub.size(), false});
    stub.push_back(BPF_STMT(BPF_JMP | BPF_JA, 0));
  };
  load(offsetof(struct seccomp_data, arch));
  for (size_t i = 0; i < arches.size(); ++i) {
    if (arches[i] == SCMP_ARCH_X32 || max_nr[i] < 0) continue;  // x32 is within x86_64's block
    size_t block = stub.size();
    stub.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arches[i], 0, 0));
    load(offsetof(struct seccomp_data, nr));
    if (arches[i] == SCMP_ARCH_X86_64 && x32_max >= 0) {
      // Set bit: the x32 comparison (next two); clear: the x86_64 one.
      stub.push_back(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, kX32SyscallBit, 0, 2));
      above(static_cast<uint32_t>(x32_max));
    }
    above(static_cast<uint32_t>(max_nr[i]));
    // Another architecture (the accumulator still holds it): next block.
    stub[block].jf = static_cast<uint8_t>(stub.size() - block - 1);
  }
  jumps.push_back({stub.size(), false});
  stub.push_back(BPF_STMT(BPF_JMP | BPF_JA, 0));
  size_t enosys = stub.size();
  stub.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)));
  size_t start = stub.size();
  for (const Jump& jump : jumps) {
    if (jump.to_enosys) {
      stub[jump.at].jt = static_cast<uint8_t>(enosys - jump.at - 1);
    } else {
      stub[jump.at].k = static_cast<uint32_t>(start - jump.at - 1);
    }
  }
  program->insert(program->begin(), stub.begin(), stub.end());
}

}  // namespace berth::container
