#include "services/builder/dispatch/from_image.h"

#include <sys/utsname.h>

#include <map>
#include <set>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/builder/dispatch/go_format.h"
#include "services/builder/dockerfile/shell_word.h"

namespace berth::builder {
namespace {

struct Arch {
  std::string arch;
  std::string variant;
};

// containerd's normalizeArch.
std::optional<Arch> NormalizeArch(std::string arch, std::string variant) {
  arch = absl::AsciiStrToLower(arch);
  variant = absl::AsciiStrToLower(variant);
  if (arch == "i386") return Arch{"386", ""};
  if (arch == "x86_64" || arch == "x86-64" || arch == "amd64") {
    return Arch{"amd64", variant == "v1" ? "" : variant};
  }
  if (arch == "aarch64" || arch == "arm64") {
    return Arch{"arm64", variant == "8" || variant == "v8" ? "" : variant};
  }
  if (arch == "armhf") return Arch{"arm", "v7"};
  if (arch == "armel") return Arch{"arm", "v6"};
  if (arch == "arm") {
    if (variant.empty() || variant == "7") variant = "v7";
    if (variant == "5" || variant == "6" || variant == "8") {
      variant = "v" + variant;
    }
    return Arch{"arm", variant};
  }
  static const std::set<std::string> kKnown = {
      "386",    "ppc64",   "ppc64le", "mips",     "mipsle", "mips64",
      "mips64le", "s390x", "riscv64", "loong64",  "wasm"};
  if (kKnown.count(arch) != 0) return Arch{arch, variant};
  return std::nullopt;
}

bool KnownOs(const std::string& os) {
  static const std::set<std::string> kKnown = {
      "aix",   "android", "darwin",  "dragonfly", "freebsd", "illumos",
      "ios",   "js",      "linux",   "netbsd",    "openbsd", "plan9",
      "solaris", "wasip1", "windows", "macos"};
  return kKnown.count(os) != 0;
}

std::string Join(const std::string& os, const Arch& arch) {
  std::string out = absl::StrCat(os, "/", arch.arch);
  if (!arch.variant.empty()) absl::StrAppend(&out, "/", arch.variant);
  return out;
}

Arch HostArch() {
  struct utsname name {};
  if (uname(&name) != 0) return Arch{"amd64", ""};
  std::string machine = name.machine;
  if (machine == "armv7l" || machine == "armv7") return Arch{"arm", "v7"};
  if (machine == "armv6l") return Arch{"arm", "v6"};
  if (machine == "ppc64le") return Arch{"ppc64le", ""};
  std::optional<Arch> arch = NormalizeArch(machine, "");
  return arch.value_or(Arch{machine, ""});
}

}  // namespace

std::string HostPlatform() { return Join("linux", HostArch()); }

absl::StatusOr<std::string> NormalizePlatform(const std::string& specifier) {
  std::vector<std::string> parts = absl::StrSplit(specifier, '/');
  auto unknown = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(
        GoQuote(specifier), ": unknown ", what, ": invalid argument"));
  };
  for (const std::string& part : parts) {
    bool valid = !part.empty();
    for (char ch : part) {
      valid = valid && (absl::ascii_isalnum(ch) || ch == '_' || ch == '-');
    }
    if (!valid) {
      return absl::InvalidArgumentError(absl::StrCat(
          GoQuote(specifier), ": invalid platform specifier: invalid argument"));
    }
  }
  std::string os = absl::AsciiStrToLower(parts[0]);
  if (os == "macos") os = "darwin";
  switch (parts.size()) {
    case 1: {
      if (KnownOs(os)) return Join(os, os == "linux" ? HostArch() : Arch{});
      std::optional<Arch> arch = NormalizeArch(parts[0], "");
      if (!arch.has_value()) return unknown("operating system or architecture");
      return Join("linux", *arch);
    }
    case 2:
    case 3: {
      if (!KnownOs(os)) return unknown("operating system");
      std::optional<Arch> arch =
          NormalizeArch(parts[1], parts.size() == 3 ? parts[2] : "");
      if (!arch.has_value()) return unknown("architecture");
      return Join(os, *arch);
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          GoQuote(specifier),
          ": cannot parse platform specifier: invalid argument"));
  }
}

absl::StatusOr<std::string> ExpandFromName(const Instruction& from,
                                           const BuildArgs& args,
                                           char escape) {
  std::map<std::string, std::string> meta = args.AllMeta();
  ShellEnv env(meta.begin(), meta.end());
  if (const std::string* platform = from.Flag("platform");
      platform != nullptr && !platform->empty()) {
    absl::StatusOr<std::string> expanded = ProcessWord(*platform, env, escape);
    if (!expanded.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("failed to process arguments for platform ", *platform,
                       ": ", expanded.status().message()));
    }
    absl::StatusOr<std::string> normalized = NormalizePlatform(*expanded);
    if (!normalized.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("failed to parse platform ", *expanded, ": ",
                       normalized.status().message()));
    }
    if (*normalized != HostPlatform()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "FROM --platform=", *expanded, ": this builder builds for ",
          HostPlatform(), " only (", *normalized,
          " would need emulation)"));
    }
  }
  absl::StatusOr<std::string> name = ProcessWord(from.base_name, env, escape);
  if (!name.ok()) return name.status();
  if (name->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "base name (", from.base_name, ") should not be blank"));
  }
  return name;
}

}  // namespace berth::builder
