#include "services/network/isolation.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/base/run_process.h"
#include "services/network/cni.h"

namespace berth::network {
namespace {

constexpr char kIptables[] = "/usr/sbin/iptables";

absl::StatusOr<ProcessResult> Iptables(const std::string& table, std::vector<std::string> args) {
  // -w: the CNI plugins change the same tables concurrently.
  args.insert(args.begin(), {kIptables, "-w", "5", "-t", table});
  return RunProcess(args, {}, "");
}

std::vector<std::string> RuleArgs(const char* action, const IptablesRule& rule) {
  std::vector<std::string> args = {action, rule.chain};
  args.insert(args.end(), rule.spec.begin(), rule.spec.end());
  return args;
}

// Creates a chain if missing, and the jump to it from `from` (at the top).
absl::Status EnsureChain(const std::string& table, const std::string& chain,
                         const std::string& from) {
  auto listed = Iptables(table, {"-S", chain});
  if (!listed.ok()) return listed.status();
  if (listed->exit_code != 0) {
    auto created = Iptables(table, {"-N", chain});
    if (!created.ok()) return created.status();
    // Another process may have made it meanwhile; -S tells.
    auto again = Iptables(table, {"-S", chain});
    if (!again.ok()) return again.status();
    if (again->exit_code != 0) {
      return absl::InternalError(absl::StrCat("iptables -N ", chain, ": ", created->err));
    }
  }
  if (from.empty()) return absl::OkStatus();
  auto jump = Iptables(table, {"-C", from, "-j", chain});
  if (!jump.ok()) return jump.status();
  if (jump->exit_code == 0) return absl::OkStatus();
  auto inserted = Iptables(table, {"-I", from, "1", "-j", chain});
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

std::vector<IptablesRule> ForwardingRules(const v1::Network& network) {
  const std::string& bridge = network.bridge();
  // The firewall plugin's accepts, for the bridge instead of each address:
  // replies in, anything out (the admin chain has dropped what may not).
  std::vector<IptablesRule> rules = {
      {kForwardChain,
       {"-o", bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"}},
      {kForwardChain, {"-i", bridge, "-j", "ACCEPT"}},
  };
  // dockerd's masquerade: the subnet's traffic leaving by another device.
  if (!network.internal() && network.ipam_size() > 0) {
    rules.push_back({kPostroutingChain,
                     {"-s", network.ipam(0).subnet(), "!", "-o", bridge, "-j", "MASQUERADE"},
                     "nat"});
  }
  return rules;
}

std::vector<IptablesRule> NetworkRules(const v1::Network& network) {
  std::vector<IptablesRule> rules = IsolationRules(network);
  for (IptablesRule& rule : ForwardingRules(network)) rules.push_back(std::move(rule));
  return rules;
}

absl::Status EnsureIsolationChains(bool internal) {
  if (absl::Status status = EnsureChain("filter", kIsolationChain, ""); !status.ok()) return status;
  // The firewall plugin of endpoints made before jumps to the admin chain
  // from CNI-FORWARD itself; BERTH-FORWARD jumps to it before its accepts.
  if (absl::Status status = EnsureChain("filter", kAdminChain, ""); !status.ok()) return status;
  if (absl::Status status = EnsureChain("filter", kForwardChain, "FORWARD"); !status.ok()) {
    return status;
  }
  if (absl::Status status = EnsureChain("filter", kAdminChain, kForwardChain); !status.ok()) {
    return status;
  }
  if (absl::Status status = EnsureChain("nat", kPostroutingChain, "POSTROUTING"); !status.ok()) {
    return status;
  }
  if (internal) return EnsureChain("filter", kInputChain, "INPUT");
  return absl::OkStatus();
}

namespace {

// One iptables-restore --noflush of the network's rules with `action`
// (-A or -D), both tables: one process instead of one per rule.
absl::Status RestoreRules(const v1::Network& network, const char* action) {
  std::vector<IptablesRule> rules = NetworkRules(network);
  std::string input;
  for (const char* table : {"filter", "nat"}) {
    absl::StrAppend(&input, "*", table, "\n");
    for (const IptablesRule& rule : rules) {
      if (rule.table != table) continue;
      absl::StrAppend(&input, action, " ", rule.chain, " ", absl::StrJoin(rule.spec, " "), "\n");
    }
    absl::StrAppend(&input, "COMMIT\n");
  }
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
  for (const IptablesRule& rule : NetworkRules(network)) {
    // A rule added twice (two services racing once) goes entirely.
    for (int i = 0; i < 8; ++i) {
      auto check = Iptables(rule.table, RuleArgs("-C", rule));
      if (!check.ok()) {
        if (first.ok()) first = check.status();
        break;
      }
      if (check->exit_code != 0) break;
      auto deleted = Iptables(rule.table, RuleArgs("-D", rule));
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
