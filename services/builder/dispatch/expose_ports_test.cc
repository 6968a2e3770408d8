#include "services/builder/dispatch/expose_ports.h"

#include "gtest/gtest.h"

namespace berth::builder {
namespace {

using Keys = std::vector<std::string>;

TEST(ExposePortsTest, PortsProtocolsAndRanges) {
  EXPECT_EQ(*ExposedPortKeys("80"), Keys{"80/tcp"});
  EXPECT_EQ(*ExposedPortKeys("80/udp"), Keys{"80/udp"});
  EXPECT_EQ(*ExposedPortKeys("80/UDP"), Keys{"80/udp"});
  EXPECT_EQ(*ExposedPortKeys("80/"), Keys{"80/tcp"});
  EXPECT_EQ(*ExposedPortKeys("132/sctp"), Keys{"132/sctp"});
  EXPECT_EQ(*ExposedPortKeys("8000-8002"),
            (Keys{"8000/tcp", "8001/tcp", "8002/tcp"}));
  EXPECT_EQ(*ExposedPortKeys("7000-7001/udp"), (Keys{"7000/udp", "7001/udp"}));
}

TEST(ExposePortsTest, HostPartsAreToleratedButNotExposed) {
  EXPECT_EQ(*ExposedPortKeys("8080:80"), Keys{"80/tcp"});
  EXPECT_EQ(*ExposedPortKeys("127.0.0.1:8080:80/udp"), Keys{"80/udp"});
  EXPECT_EQ(*ExposedPortKeys("[::1]:8080:80"), Keys{"80/tcp"});
}

TEST(ExposePortsTest, RefusesWhatDockerRefuses) {
  EXPECT_EQ(ExposedPortKeys("http").status().message(),
            "Invalid containerPort: http");
  EXPECT_EQ(ExposedPortKeys("70000").status().message(),
            "Invalid containerPort: 70000");
  EXPECT_EQ(ExposedPortKeys("90-80").status().message(),
            "Invalid containerPort: 90-80");
  EXPECT_EQ(ExposedPortKeys("80/icmp").status().message(),
            "Invalid proto: icmp");
  EXPECT_EQ(ExposedPortKeys("/tcp").status().message(),
            "No port specified: /tcp<empty>");
  EXPECT_EQ(ExposedPortKeys("x:80").status().message(), "Invalid hostPort: x");
  EXPECT_EQ(ExposedPortKeys("1.2.3:80:80").status().message(),
            "Invalid ip address: 1.2.3");
  EXPECT_EQ(ExposedPortKeys("8000-8001:80-82").status().message(),
            "Invalid ranges specified for container and host Ports: 80-82 "
            "and 8000-8001");
}

}  // namespace
}  // namespace berth::builder
