#include "shim/cgroup/device_filter.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "services/common/base/unique_fd.h"

namespace berth::cgroup {
namespace {

// Registers: r1 the context (then scratch), r2 the type, r3 the access
// asked, r4 the major, r5 the minor, r0 the verdict.
constexpr uint8_t kCtx = 1, kType = 2, kAccess = 3, kMajor = 4, kMinor = 5, kScratch = 1;

bpf_insn Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn insn{};
  insn.code = code;
  insn.dst_reg = dst & 0xf;
  insn.src_reg = src & 0xf;
  insn.off = off;
  insn.imm = imm;
  return insn;
}

bpf_insn LoadWord(uint8_t dst, int16_t offset) {
  return Insn(BPF_LDX | BPF_MEM | BPF_W, dst, kCtx, offset, 0);
}
bpf_insn AluImm(uint8_t op, uint8_t dst, int32_t imm) {
  return Insn(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn MoveReg(uint8_t dst, uint8_t src) { return Insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn JumpIfNotEqual(uint8_t dst, int32_t imm, int16_t off) {
  return Insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm);
}
bpf_insn Exit() { return Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

int32_t AccessBits(const std::string& access) {
  int32_t bits = 0;
  for (char c : access) {
    if (c == 'm') bits |= BPF_DEVCG_ACC_MKNOD;
    if (c == 'r') bits |= BPF_DEVCG_ACC_READ;
    if (c == 'w') bits |= BPF_DEVCG_ACC_WRITE;
  }
  return bits;
}

constexpr int32_t kAllAccess = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

// One rule: fall through to "allow" when it matches, else jump past it.
std::vector<bpf_insn> RuleBlock(const DeviceRule& rule) {
  // Jumps are written with offset 0 and fixed once the block's length is known.
  std::vector<bpf_insn> block;
  std::vector<size_t> jumps;
  auto jump_unless = [&](uint8_t reg, int32_t value) {
    jumps.push_back(block.size());
    block.push_back(JumpIfNotEqual(reg, value, 0));
  };
  if (rule.type != 'a') jump_unless(kType, rule.type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
  int32_t allowed = AccessBits(rule.access);
  if (allowed != kAllAccess) {
    // Every access asked must be allowed: asked & ~allowed == 0.
    block.push_back(MoveReg(kScratch, kAccess));
    block.push_back(AluImm(BPF_AND, kScratch, kAllAccess & ~allowed));
    jump_unless(kScratch, 0);
  }
  if (rule.major != kAnyDevice) jump_unless(kMajor, static_cast<int32_t>(rule.major));
  if (rule.minor != kAnyDevice) jump_unless(kMinor, static_cast<int32_t>(rule.minor));
  block.push_back(AluImm(BPF_MOV, 0, 1));
  block.push_back(Exit());
  for (size_t at : jumps) block[at].off = static_cast<int16_t>(block.size() - at - 1);
  return block;
}

long Bpf(int command, bpf_attr* attr) { return ::syscall(SYS_bpf, command, attr, sizeof(*attr)); }

}  // namespace

std::vector<bpf_insn> DeviceFilterProgram(const std::vector<DeviceRule>& rules) {
  std::vector<bpf_insn> program = {
      LoadWord(kType, 0),
      AluImm(BPF_AND, kType, 0xFFFF),
      LoadWord(kAccess, 0),
      AluImm(BPF_RSH, kAccess, 16),
      LoadWord(kMajor, 4),
      LoadWord(kMinor, 8),
  };
  for (const DeviceRule& rule : rules) {
    std::vector<bpf_insn> block = RuleBlock(rule);
    program.insert(program.end(), block.begin(), block.end());
  }
  program.push_back(AluImm(BPF_MOV, 0, 0));
  program.push_back(Exit());
  return program;
}

absl::Status AttachDeviceFilter(const std::string& cgroup_dir, const std::vector<DeviceRule>& rules) {
  std::vector<bpf_insn> program = DeviceFilterProgram(rules);
  static const char kLicense[] = "Apache";
  bpf_attr load{};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(program.data());
  load.insn_cnt = static_cast<uint32_t>(program.size());
  load.license = reinterpret_cast<uint64_t>(kLicense);
  UniqueFd prog(static_cast<int>(Bpf(BPF_PROG_LOAD, &load)));
  if (!prog.valid()) {
    int error = errno;
    // Again with the verifier's log, which says why.
    std::vector<char> log(64 * 1024);
    load.log_level = 1;
    load.log_buf = reinterpret_cast<uint64_t>(log.data());
    load.log_size = static_cast<uint32_t>(log.size());
    UniqueFd retry(static_cast<int>(Bpf(BPF_PROG_LOAD, &load)));
    return absl::ErrnoToStatus(error, absl::StrCat("cgroup: load the device filter: ", log.data()));
  }
  UniqueFd dir(::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return absl::ErrnoToStatus(errno, "cgroup: open " + cgroup_dir);
  bpf_attr attach{};
  attach.target_fd = static_cast<uint32_t>(dir.get());
  attach.attach_bpf_fd = static_cast<uint32_t>(prog.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (Bpf(BPF_PROG_ATTACH, &attach) != 0) {
    return absl::ErrnoToStatus(errno, "cgroup: attach the device filter to " + cgroup_dir);
  }
  return absl::OkStatus();
}

}  // namespace berth::cgroup
