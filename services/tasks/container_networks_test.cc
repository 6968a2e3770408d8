#include "services/tasks/container_networks.h"

#include "gtest/gtest.h"

namespace berth::tasks {
namespace {

berth::network::v1::Sandbox SandboxOn(const std::string& mode, std::vector<std::string> gateways) {
  berth::network::v1::Sandbox sandbox;
  sandbox.set_mode(mode);
  for (const std::string& gateway : gateways) sandbox.add_endpoints()->set_gateway(gateway);
  return sandbox;
}

TEST(UserNetworkNameServerTest, FirstUserNetworkAnswers) {
  // The default bridge alone: the host's resolvers.
  EXPECT_FALSE(UserNetworkNameServer(SandboxOn("bridge", {"172.17.0.1"})).has_value());
  // Connected to a user network: its name server.
  EXPECT_EQ(UserNetworkNameServer(SandboxOn("bridge", {"172.17.0.1", "10.1.0.1", "10.2.0.1"})),
            "10.1.0.1");
  // Started on a user network: its own.
  EXPECT_EQ(UserNetworkNameServer(SandboxOn("backend", {"10.3.0.1", "10.1.0.1"})), "10.3.0.1");
}

TEST(NameServerResolvConfTest, KeepsSearchAndOptions) {
  EXPECT_EQ(NameServerResolvConf("nameserver 192.0.2.1\nsearch example.com\noptions ndots:2\n",
                                 "10.1.0.1"),
            "nameserver 10.1.0.1\nsearch example.com\noptions ndots:2\n");
}

}  // namespace
}  // namespace berth::tasks
