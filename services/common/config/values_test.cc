#include "services/common/config/values.h"

#include <string>

#include "gtest/gtest.h"

namespace berth::config {
namespace {

TEST(ByteSizeTest, ParsesDockerUnits) {
  EXPECT_EQ(*ParseByteSize("100"), 100);
  EXPECT_EQ(*ParseByteSize("512k"), 512 << 10);
  EXPECT_EQ(*ParseByteSize("10m"), 10 << 20);
  EXPECT_EQ(*ParseByteSize("1g"), int64_t{1} << 30);
  EXPECT_EQ(*ParseByteSize("1.5g"), int64_t{3} << 29);
  EXPECT_EQ(*ParseByteSize("32MB"), 32 << 20);
  EXPECT_EQ(*ParseByteSize("32MiB"), 32 << 20);
  EXPECT_EQ(*ParseByteSize("10 m"), 10 << 20);
  EXPECT_EQ(*ParseByteSize("2t"), int64_t{2} << 40);
  EXPECT_EQ(*ParseByteSize("7b"), 7);
}

TEST(ByteSizeTest, RejectsWhatDockerRejects) {
  for (const char* bad : {"", "ten", "-1m", "+1m", "1.m", ".5m", "1x", "10mm", " 10m", "10m ",
                          "nan", "inf", "1e3", "99999999999p"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
}

TEST(AddressTest, IpAndCidr) {
  EXPECT_TRUE(IsIpAddress("10.1.2.3"));
  EXPECT_TRUE(IsIpAddress("2001:db8::1"));
  EXPECT_FALSE(IsIpAddress("10.1.2"));
  EXPECT_FALSE(IsIpAddress("10.1.2.3/8"));
  EXPECT_FALSE(IsIpAddress(""));

  auto v4 = ParseCidr("172.30.0.1/16");
  ASSERT_TRUE(v4);
  EXPECT_FALSE(v4->ipv6);
  EXPECT_EQ(v4->prefix, 16);
  auto v6 = ParseCidr("fd00::/64");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->ipv6);
  EXPECT_EQ(v6->prefix, 64);
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/ 8",
                          "fd00::/129", "host/8", "/8"}) {
    EXPECT_FALSE(ParseCidr(bad)) << bad;
  }
}

TEST(AddressTest, HostPort) {
  for (const char* good : {"myregistry", "registry.example.com:5000", "127.0.0.1:5000", "::1",
                           "[::1]:5000", "[fd00::1]", "my_registry.local"}) {
    EXPECT_TRUE(IsHostPort(good)) << good;
  }
  for (const char* bad : {"", "host:", "host:0", "host:65536", "host:http", "bad host", "host/path",
                          "http://host", "[::1", "[10.0.0.1]:80", "-host"}) {
    EXPECT_FALSE(IsHostPort(bad)) << bad;
  }
}

TEST(AddressTest, HttpUrl) {
  for (const char* good : {"https://mirror.example", "http://10.0.0.5:5000/",
                           "https://m.example/v2/", "http://[::1]:5000"}) {
    EXPECT_TRUE(IsHttpUrl(good)) << good;
  }
  for (const char* bad :
       {"mirror.example", "ftp://mirror.example", "https://", "http://a b",
        "https://u:p@mirror.example", "https://m.example/?q=1", "https://m.example/#top"}) {
    EXPECT_FALSE(IsHttpUrl(bad)) << bad;
  }
}

TEST(AddressTest, DomainName) {
  EXPECT_TRUE(IsDomainName("example.com"));
  EXPECT_TRUE(IsDomainName("corp.example."));
  EXPECT_TRUE(IsDomainName("localdomain"));
  const std::string long_label(64, 'a');
  for (const std::string& bad :
       {std::string(), std::string("."), std::string("a..b"), std::string("-a.com"),
        std::string("a-.com"), std::string("bad domain"), long_label}) {
    EXPECT_FALSE(IsDomainName(bad)) << bad;
  }
}

TEST(RlimitTest, KnownNames) {
  for (const char* name : {"core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice",
                           "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"}) {
    EXPECT_TRUE(IsRlimitName(name)) << name;
  }
  EXPECT_FALSE(IsRlimitName("nofiles"));
  EXPECT_FALSE(IsRlimitName("NOFILE"));
  EXPECT_FALSE(IsRlimitName("as"));
}

}  // namespace
}  // namespace berth::config
