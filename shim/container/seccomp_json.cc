// Docker's seccomp profile format read into a SeccompProfile. The JSON
// comes from a user: nothing here throws on a value of the wrong type.

#include <seccomp.h>

#include <cerrno>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "shim/container/seccomp_profile.h"

namespace berth::container {
namespace {

using nlohmann::json;

absl::StatusOr<uint32_t> Action(const std::string& name, uint32_t errno_ret) {
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errno_ret);
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errno_ret);
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

// Capability numbers by Docker's names; -1 (never held) for a name this
// table lacks.
int CapabilityNumber(const std::string& name) {
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
  for (int cap = 0; cap < static_cast<int>(std::size(kNames)); ++cap) {
    if (name == kNames[cap]) return cap;
  }
  return -1;
}

// "SCMP_ARCH_X86_64" to libseccomp's token; 0 for one this libseccomp
// does not know (Docker's own archMap names a few).
uint32_t ArchToken(const std::string& name) {
  std::string lower = absl::AsciiStrToLower(absl::StripPrefix(name, "SCMP_ARCH_"));
  return seccomp_arch_resolve_name(lower.c_str());
}

std::string String(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> Strings(const json& object, const char* key) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const auto& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

uint64_t Unsigned(const json& object, const char* key, uint64_t otherwise) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_unsigned() ? it->get<uint64_t>() : otherwise;
}

absl::StatusOr<SeccompCondition> Condition(const json& entry, const char* key) {
  SeccompCondition condition;
  auto it = entry.find(key);
  if (it == entry.end() || !it->is_object()) return condition;
  for (const std::string& cap : Strings(*it, "caps")) {
    condition.caps.push_back(CapabilityNumber(cap));
  }
  condition.arches = Strings(*it, "arches");
  std::string kernel = String(*it, "minKernel");
  if (!kernel.empty()) {
    std::vector<std::string> parts = absl::StrSplit(kernel, '.');
    int major = 0, minor = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &major) ||
        !absl::SimpleAtoi(parts[1], &minor) || (major == 0 && minor == 0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid kernel version: \"", kernel, "\", expected \"<kernel>.<major>\""));
    }
    condition.min_kernel = major * 1000 + minor;
  }
  return condition;
}

absl::StatusOr<SeccompRule> Rule(const json& entry) {
  if (!entry.is_object()) return absl::InvalidArgumentError("not an object");
  SeccompRule rule;
  rule.names = Strings(entry, "names");
  std::string name = String(entry, "name");
  if (!name.empty()) {
    if (!rule.names.empty()) {
      return absl::InvalidArgumentError(
          "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or "
          "'names'");
    }
    rule.names.push_back(name);
  }
  auto action = Action(String(entry, "action"), Unsigned(entry, "errnoRet", EPERM));
  if (!action.ok()) return action.status();
  rule.action = *action;
  auto args = entry.find("args");
  if (args != entry.end() && args->is_array()) {
    for (const json& arg : *args) {
      if (!arg.is_object()) return absl::InvalidArgumentError("args: not an object");
      auto op = Operator(String(arg, "op"));
      if (!op.ok()) return op.status();
      rule.args.push_back({static_cast<unsigned>(Unsigned(arg, "index", 0)), *op,
                           Unsigned(arg, "value", 0), Unsigned(arg, "valueTwo", 0)});
    }
  }
  auto includes = Condition(entry, "includes");
  if (!includes.ok()) return includes.status();
  rule.includes = *std::move(includes);
  auto excludes = Condition(entry, "excludes");
  if (!excludes.ok()) return excludes.status();
  rule.excludes = *std::move(excludes);
  return rule;
}

}  // namespace

absl::StatusOr<SeccompProfile> ParseSeccompProfile(const std::string& text) {
  json document = json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return absl::InvalidArgumentError("seccomp profile: not a JSON object");
  }
  SeccompProfile profile;
  std::string default_action = String(document, "defaultAction");
  auto syscalls = document.find("syscalls");
  bool has_syscalls = syscalls != document.end() && syscalls->is_array() && !syscalls->empty();
  if (default_action.empty() && !has_syscalls) {
    profile.unconfined = true;  // as Docker: nothing asked, nothing filtered
    return profile;
  }
  auto action = Action(default_action, Unsigned(document, "defaultErrnoRet", EPERM));
  if (!action.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("seccomp profile: defaultAction: ", action.status().message()));
  }
  profile.default_action = *action;
  for (const std::string& arch : Strings(document, "architectures")) {
    profile.architectures.push_back(ArchToken(arch));
  }
  auto arch_map = document.find("archMap");
  if (arch_map != document.end() && arch_map->is_array()) {
    if (!profile.architectures.empty() && !arch_map->empty()) {
      return absl::InvalidArgumentError(
          "both 'architectures' and 'archMap' are specified in the seccomp profile, use either "
          "'architectures' or 'archMap'");
    }
    for (const json& entry : *arch_map) {
      if (!entry.is_object()) continue;
      SeccompArchitecture arch{ArchToken(String(entry, "architecture")), {}};
      for (const std::string& sub : Strings(entry, "subArchitectures")) {
        arch.sub_arches.push_back(ArchToken(sub));
      }
      profile.arch_map.push_back(std::move(arch));
    }
  }
  if (has_syscalls) {
    for (size_t i = 0; i < syscalls->size(); ++i) {
      auto rule = Rule((*syscalls)[i]);
      if (!rule.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("seccomp profile: syscalls[", i, "]: ", rule.status().message()));
      }
      profile.rules.push_back(*std::move(rule));
    }
  }
  return profile;
}

absl::StatusOr<std::vector<sock_filter>> CompileSeccompProfile(const std::string& json,
                                                               uint64_t capabilities) {
  auto profile = ParseSeccompProfile(json);
  if (!profile.ok()) return profile.status();
  return CompileSeccompCached(*profile, capabilities);
}

}  // namespace berth::container
