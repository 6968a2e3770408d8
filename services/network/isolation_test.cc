#include "services/network/isolation.h"

#include "gtest/gtest.h"

namespace berth::network {
namespace {

std::vector<std::string> Flatten(const std::vector<IptablesRule>& rules) {
  std::vector<std::string> lines;
  for (const auto& rule : rules) {
    std::string line = rule.chain;
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

}  // namespace
}  // namespace berth::network
