#include "services/network/sandboxes.h"

#include "gtest/gtest.h"

namespace berth::network {
namespace {

constexpr const char* kHeader =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

TEST(ChooseSubnetTest, SkipsRoutesOfTheHost) {
  // default route, 10.0.2.0/24, 172.17.0.0/16 (docker0), 172.18.5.0/24.
  std::string routes = std::string(kHeader) +
                       "eth0\t00000000\t0202000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
                       "eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
                       "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
                       "x\t000512AC\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
  auto subnet = ChooseSubnet(routes);
  ASSERT_TRUE(subnet.ok()) << subnet.status();
  EXPECT_EQ(*subnet, "172.19.0.0/16");
}

TEST(ChooseSubnetTest, FallsBackTo192168) {
  std::string routes = kHeader;
  // A /12 over all of 172.16.0.0 - 172.31.255.255.
  routes += "big\t000010AC\t00000000\t0001\t0\t0\t0\t0000F0FF\t0\t0\t0\n";
  auto subnet = ChooseSubnet(routes);
  ASSERT_TRUE(subnet.ok());
  EXPECT_EQ(*subnet, "192.168.0.0/20");
}

TEST(RouteConflictsTest, NamesOtherDevicesOverlappingTheSubnet) {
  std::string routes = std::string(kHeader) +
                       "eth0\t00000000\t0202000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
                       "berth0\t000014AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
                       "br-stale\t000014AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
                       "tun0\t000A14AC\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
  // 172.20.0.0/16 on berth0 (its own), a stale bridge and a /24 inside it.
  EXPECT_EQ(RouteConflicts(routes, "172.20.0.0/16", "berth0"),
            (std::vector<std::string>{"br-stale", "tun0"}));
  EXPECT_TRUE(RouteConflicts(routes, "172.21.0.0/16", "berth0").empty());
}

}  // namespace
}  // namespace berth::network
