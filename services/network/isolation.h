#ifndef BERTH_SERVICES_NETWORK_ISOLATION_H_
#define BERTH_SERVICES_NETWORK_ISOLATION_H_

// What keeps berth's networks apart, as docker's DOCKER-ISOLATION chains
// do: traffic that leaves one network's bridge for another network's
// bridge is dropped, and an --internal network has no way out at all
// (only its name server on the gateway answers). No CNI plugin does this,
// so the rules are ours; they hang off the firewall plugin's admin chain
// (iptablesAdminChainName, for endpoints made by berth before it dropped
// that plugin) and off BERTH-FORWARD, which jumps to it before its ACCEPTs.
//
// What the bridge plugin's ipMasq and the firewall plugin did per
// container (a NAT chain, accepts for its address: several iptables runs
// on each ADD and DEL) is per network here, as dockerd does it: a
// masquerade of the subnet and accepts in and out of the bridge.
//
// A network's rules exist while it has containers: installed before its
// first endpoint's CNI ADD, removed after its last endpoint's DEL, so that
// nothing of berth is left in iptables once every container is gone.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "berth/network/v1/network.pb.h"

namespace berth::network {

// The firewall plugin's admin chain for berth's networks.
inline constexpr char kAdminChain[] = "BERTH-ADMIN";
// Stage 2 of the isolation: a DROP per bridge, entered from stage 1
// (in the admin chain) for traffic leaving any berth bridge.
inline constexpr char kIsolationChain[] = "BERTH-ISOLATION";
// Traffic from an internal network to the host: only DNS.
inline constexpr char kInputChain[] = "BERTH-INPUT";
// Jumped to from FORWARD: the admin chain first, then each network's
// accepts (what the firewall plugin's CNI-FORWARD held per address).
inline constexpr char kForwardChain[] = "BERTH-FORWARD";
// nat, jumped to from POSTROUTING: each network's masquerade.
inline constexpr char kPostroutingChain[] = "BERTH-POSTROUTING";

// One iptables rule: chain, then the match and target; in `table`.
struct IptablesRule {
  std::string chain;
  std::vector<std::string> spec;
  std::string table = "filter";
};

// What keeps one network apart from the others (pure; tested).
std::vector<IptablesRule> IsolationRules(const v1::Network& network);
// What lets one network's traffic through and out (pure; tested).
std::vector<IptablesRule> ForwardingRules(const v1::Network& network);
// Both: every rule berth has for a network.
std::vector<IptablesRule> NetworkRules(const v1::Network& network);

// Makes the chains and their jumps (INPUT's only for internal networks)
// if missing: once per process is enough.
absl::Status EnsureIsolationChains(bool internal);
// Adds a network's rules in one iptables-restore (the caller knows they
// are not there: it keeps track, and Reconcile cleans up after a restart).
absl::Status AddIsolationRules(const v1::Network& network);
// Deletes a network's rules in one iptables-restore; if that fails (some
// were missing), one by one, as RemoveIsolation.
absl::Status DeleteIsolationRules(const v1::Network& network);
// Deletes whichever of the rules are there, each as often as it is there
// (after a restart, which may have left them twice).
absl::Status RemoveIsolation(const v1::Network& network);

}  // namespace berth::network

#endif  // BERTH_SERVICES_NETWORK_ISOLATION_H_
