#include "services/network/isolation.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/base/run_process.h"
#include "services/network/cni.h"

namespace berth::network {
namespace {

constexpr char kIptables[] = "/usr/sbin/iptables";

absl::StatusOr<ProcessResult> Iptables(std::vector<std::string> args) {
  // -w: the CNI plugins change the same tables concurrently.
  args.insert(args.begin(), {kIptables, "-w", "5", "-t", "filter"});
  return RunProcess(args, {}, "");
}

std::vector<std::string> RuleArgs(const char* action, const IptablesRule& rule) {
  std::vector<std::string> args = {action, rule.chain};
  args.insert(args.end(), rule.spec.begin(), rule.spec.end());
  return args;
}

// Creates a chain if missing, and the jump to it from `from` (at the top).
absl::Status EnsureChain(const std::string& chain, const std::string& from) {
  auto listed = Iptables({"-S", chain});
  if (!listed.ok()) return listed.status();
  if (listed->exit_code != 0) {
    auto created = Iptables({"-N", chain});
    if (!created.ok()) return created.status();
    // Another process may have made it meanwhile; -S tells.
    auto again = Iptables({"-S", chain});
    if (!again.ok()) return again.status();
    if (again->exit_code != 0) {
      return absl::InternalError(absl::StrCat("iptables -N ", chain, ": ", created->err));
    }
  }
  if (from.empty()) return absl::OkStatus();
  auto jump = Iptables({"-C", from, "-j", chain});
  if (!jump.ok()) return jump.status();
  if (jump->exit_code == 0) return absl::OkStatus();
  auto inserted = Iptables({"-I", from, "1", "-j", chain});
  if (!inserted.ok()) return inserted.status();
  if (inserted->exit_code != 0) {
    return absl::InternalError(absl::StrCat("iptables -I ", from, " -j ", chain, ": ", inserted->err));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<IptablesRule> IsolationRules(const v1::Network& network) {
  const std::string& bridge = network.bridge();
  if (network.internal()) {
    // Nothing in or out of the bridge but between its own members; the
    // host only for the network's name server.
    return {
        {kAdminChain, {"-i", bridge, "!", "-o", bridge, "-j", "DROP"}},
        {kAdminChain, {"-o", bridge, "!", "-i", bridge, "-j", "DROP"}},
        {kInputChain, {"-i", bridge, "-p", "udp", "--dport", "53", "-j", "ACCEPT"}},
        {kInputChain, {"-i", bridge, "-j", "DROP"}},
    };
  }
  return {
      {kAdminChain, {"-i", bridge, "!", "-o", bridge, "-j", kIsolationChain}},
      {kIsolationChain, {"-o", bridge, "-j", "DROP"}},
  };
}

absl::Status EnsureIsolationChains(bool internal) {
  if (absl::Status status = EnsureChain(kIsolationChain, ""); !status.ok()) return status;
  // The firewall plugin jumps to the admin chain from CNI-FORWARD itself;
  // made here so that the rules are in place before its first ADD.
  if (absl::Status status = EnsureChain(kAdminChain, ""); !status.ok()) return status;
  if (internal) return EnsureChain(kInputChain, "INPUT");
  return absl::OkStatus();
}

namespace {

// One iptables-restore --noflush of the network's rules with `action`
// (-A or -D): one process instead of one per rule.
absl::Status RestoreRules(const v1::Network& network, const char* action) {
  std::string input = "*filter\n";
  for (const IptablesRule& rule : IsolationRules(network)) {
    absl::StrAppend(&input, action, " ", rule.chain, " ", absl::StrJoin(rule.spec, " "), "\n");
  }
  absl::StrAppend(&input, "COMMIT\n");
  auto restored = RunProcess({"/usr/sbin/iptables-restore", "--noflush", "-w", "5"}, {}, input);
  if (!restored.ok()) return restored.status();
  if (restored->exit_code != 0) {
    return absl::InternalError(absl::StrCat("isolate network ", network.name(), ": iptables-restore ",
                                            action, ": ", restored->err));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AddIsolationRules(const v1::Network& network) { return RestoreRules(network, "-A"); }

absl::Status DeleteIsolationRules(const v1::Network& network) {
  if (RestoreRules(network, "-D").ok()) return absl::OkStatus();
  return RemoveIsolation(network);
}

absl::Status RemoveIsolation(const v1::Network& network) {
  absl::Status first;
  for (const IptablesRule& rule : IsolationRules(network)) {
    // A rule added twice (two services racing once) goes entirely.
    for (int i = 0; i < 8; ++i) {
      auto check = Iptables(RuleArgs("-C", rule));
      if (!check.ok()) {
        if (first.ok()) first = check.status();
        break;
      }
      if (check->exit_code != 0) break;
      auto deleted = Iptables(RuleArgs("-D", rule));
      if (!deleted.ok() || deleted->exit_code != 0) {
        if (first.ok()) {
          first = absl::InternalError(absl::StrCat("iptables -D ", rule.chain, ": ",
                                                   deleted.ok() ? deleted->err : ""));
        }
        break;
      }
    }
  }
  return first;
}

}  // namespace berth::network
