#include "services/network/isolation.h"

#include "gtest/gtest.h"

namespace berth::network {
namespace {

std::vector<std::string> Flatten(const std::vector<IptablesRule>& rules) {
  std::vector<std::string> lines;
  for (const auto& rule : rules) {
    std::string line = rule.table == "filter" ? rule.chain : rule.table + ":" + rule.chain;
    for (const auto& part : rule.spec) line += " " + part;
    lines.push_back(line);
  }
  return lines;
}

TEST(IsolationRulesTest, ANetworkDropsWhatLeavesItForAnotherBerthBridge) {
  v1::Network network;
  network.set_bridge("br-0123456789ab");
  EXPECT_EQ(Flatten(IsolationRules(network)),
            (std::vector<std::string>{
                "BERTH-ADMIN -i br-0123456789ab ! -o br-0123456789ab -j BERTH-ISOLATION",
                "BERTH-ISOLATION -o br-0123456789ab -j DROP",
            }));
}

TEST(IsolationRulesTest, AnInternalNetworkHasNoWayOutButItsNameServer) {
  v1::Network network;
  network.set_bridge("br-sealed");
  network.set_internal(true);
  EXPECT_EQ(Flatten(IsolationRules(network)),
            (std::vector<std::string>{
                "BERTH-ADMIN -i br-sealed ! -o br-sealed -j DROP",
                "BERTH-ADMIN -o br-sealed ! -i br-sealed -j DROP",
                "BERTH-INPUT -i br-sealed -p udp --dport 53 -j ACCEPT",
                "BERTH-INPUT -i br-sealed -j DROP",
            }));
}

TEST(ForwardingRulesTest, ANetworkAcceptsItsTrafficAndMasqueradesItsSubnetOnce) {
  v1::Network network;
  network.set_bridge("br-0123456789ab");
  network.add_ipam()->set_subnet("172.19.0.0/16");
  EXPECT_EQ(Flatten(ForwardingRules(network)),
            (std::vector<std::string>{
                "BERTH-FORWARD -o br-0123456789ab -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "BERTH-FORWARD -i br-0123456789ab -j ACCEPT",
                "nat:BERTH-POSTROUTING -s 172.19.0.0/16 ! -o br-0123456789ab -j MASQUERADE",
            }));
}

TEST(ForwardingRulesTest, AnInternalNetworkIsNotMasqueraded) {
  v1::Network network;
  network.set_bridge("br-sealed");
  network.set_internal(true);
  network.add_ipam()->set_subnet("10.235.0.0/24");
  EXPECT_EQ(Flatten(ForwardingRules(network)),
            (std::vector<std::string>{
                "BERTH-FORWARD -o br-sealed -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "BERTH-FORWARD -i br-sealed -j ACCEPT",
            }));
}

TEST(NetworkRulesTest, IsolationComesFirstThenForwarding) {
  v1::Network network;
  network.set_bridge("br-x");
  network.add_ipam()->set_subnet("172.20.0.0/16");
  std::vector<std::string> all = Flatten(NetworkRules(network));
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0], "BERTH-ADMIN -i br-x ! -o br-x -j BERTH-ISOLATION");
  EXPECT_EQ(all[4], "nat:BERTH-POSTROUTING -s 172.20.0.0/16 ! -o br-x -j MASQUERADE");
}

}  // namespace
}  // namespace berth::network
