// Docker's seccomp profile format, compiled with libseccomp.

#include <linux/capability.h>
#include <seccomp.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "shim/container/seccomp_profile.h"

namespace berth::container {
namespace {

using nlohmann::json;

absl::StatusOr<uint32_t> Action(const std::string& name, int errno_ret) {
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(static_cast<uint32_t>(errno_ret));
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(static_cast<uint32_t>(errno_ret));
  return absl::InvalidArgumentError(absl::StrCat("unknown seccomp action \"", name, "\""));
}

absl::StatusOr<scmp_compare> Operator(const std::string& name) {
  static const std::map<std::string, scmp_compare> kOps = {
      {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
      {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
      {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
  auto it = kOps.find(name);
  if (it == kOps.end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown seccomp operator \"", name, "\""));
  }
  return it->second;
}

// Docker's architecture names for this machine.
const char* NativeArch() {
  switch (seccomp_arch_native()) {
    case SCMP_ARCH_X86_64: return "SCMP_ARCH_X86_64";
    case SCMP_ARCH_AARCH64: return "SCMP_ARCH_AARCH64";
    case SCMP_ARCH_X86: return "SCMP_ARCH_X86";
    default: return "";
  }
}

const std::map<std::string, int>& CapabilityNumbers() {
  static const auto* numbers = [] {
    auto* map = new std::map<std::string, int>;
    // Names as Docker writes them, by number.
    static const char* kNames[] = {
          "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
          "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
          "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
          "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
          "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
          "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
          "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
          "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
          "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"};
    for (int cap = 0; cap < static_cast<int>(std::size(kNames)); ++cap) (*map)[kNames[cap]] = cap;
    return map;
  }();
  return *numbers;
}

std::vector<std::string> Strings(const json& value) {
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const auto& item : value) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

// includes/excludes: every named capability held (includes) or none
// (excludes); the native architecture listed or not.
bool Applies(const json& entry, uint64_t capabilities) {
  auto has_cap = [&](const std::string& name) {
    auto it = CapabilityNumbers().find(name);
    return it != CapabilityNumbers().end() && ((capabilities >> it->second) & 1);
  };
  auto has_arch = [](const std::vector<std::string>& arches) {
    for (const auto& arch : arches) {
      if (arch == NativeArch() || (arch == "amd64" && std::string(NativeArch()) == "SCMP_ARCH_X86_64") ||
          (arch == "arm64" && std::string(NativeArch()) == "SCMP_ARCH_AARCH64")) {
        return true;
      }
    }
    return false;
  };
  if (entry.contains("includes") && entry["includes"].is_object()) {
    const json& includes = entry["includes"];
    for (const auto& cap : Strings(includes.value("caps", json()))) {
      if (!has_cap(cap)) return false;
    }
    auto arches = Strings(includes.value("arches", json()));
    if (!arches.empty() && !has_arch(arches)) return false;
  }
  if (entry.contains("excludes") && entry["excludes"].is_object()) {
    const json& excludes = entry["excludes"];
    for (const auto& cap : Strings(excludes.value("caps", json()))) {
      if (has_cap(cap)) return false;
    }
    auto arches = Strings(excludes.value("arches", json()));
    if (!arches.empty() && has_arch(arches)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<sock_filter>> CompileSeccompProfile(const std::string& text,
                                                               uint64_t capabilities) {
  json profile = json::parse(text, nullptr, false);
  if (profile.is_discarded() || !profile.is_object()) {
    return absl::InvalidArgumentError("seccomp profile: not a JSON object");
  }
  int default_errno = profile.value("defaultErrnoRet", EPERM);
  auto default_action = Action(profile.value("defaultAction", std::string()), default_errno);
  if (!default_action.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("seccomp profile: defaultAction: ", default_action.status().message()));
  }
  scmp_filter_ctx ctx = seccomp_init(*default_action);
  if (ctx == nullptr) return absl::InternalError("seccomp_init failed");
  auto fail = [&ctx](absl::Status status) {
    seccomp_release(ctx);
    return status;
  };
  const json& syscalls = profile.value("syscalls", json::array());
  for (size_t i = 0; i < syscalls.size(); ++i) {
    const json& entry = syscalls[i];
    if (!entry.is_object()) return fail(absl::InvalidArgumentError(absl::StrCat("seccomp profile: syscalls[", i, "] is not an object")));
    if (!Applies(entry, capabilities)) continue;
    auto action = Action(entry.value("action", std::string()), entry.value("errnoRet", EPERM));
    if (!action.ok()) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat("seccomp profile: syscalls[", i, "]: ", action.status().message())));
    }
    if (*action == *default_action) continue;  // libseccomp refuses no-op rules
    std::vector<scmp_arg_cmp> args;
    for (const json& arg : entry.value("args", json::array())) {
      auto op = Operator(arg.value("op", std::string()));
      if (!op.ok()) {
        return fail(absl::InvalidArgumentError(
            absl::StrCat("seccomp profile: syscalls[", i, "]: ", op.status().message())));
      }
      args.push_back({arg.value("index", 0u), *op, arg.value("value", uint64_t{0}),
                      arg.value("valueTwo", uint64_t{0})});
    }
    std::vector<std::string> names = Strings(entry.value("names", json()));
    if (entry.contains("name") && entry["name"].is_string()) names.push_back(entry["name"]);
    for (const std::string& name : names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;  // not on this kernel or architecture
      int rc = seccomp_rule_add_array(ctx, *action, nr, static_cast<unsigned>(args.size()),
                                      args.empty() ? nullptr : args.data());
      if (rc != 0) {
        return fail(absl::InvalidArgumentError(absl::StrCat(
            "seccomp profile: syscalls[", i, "] ", name, ": ", std::strerror(-rc))));
      }
    }
  }
  return ExportSeccomp(ctx);
}

}  // namespace berth::container
