#include "shim/cgroup/devices.h"

#include "gtest/gtest.h"

namespace berth::cgroup {
namespace {

TEST(DeviceRuleTest, ParsesDockerSyntax) {
  auto rule = ParseDeviceRule("c 1:3 mr");
  ASSERT_TRUE(rule.ok()) << rule.status();
  EXPECT_EQ(rule->type, 'c');
  EXPECT_EQ(rule->major, 1);
  EXPECT_EQ(rule->minor, 3);
  EXPECT_EQ(rule->access, "mr");
  rule = ParseDeviceRule("b *:* m");
  ASSERT_TRUE(rule.ok());
  EXPECT_EQ(rule->major, kAnyDevice);
  EXPECT_EQ(rule->minor, kAnyDevice);
  EXPECT_EQ(FormatDeviceRule(*rule), "b *:* m");
  for (const char* bad : {"x", "a", "c 1:3", "d 1:3 rwm", "c 1 rwm", "c -1:3 rwm", "c 1:3 rwmx",
                          "c 1:3 q", "c  1:3 rwm", "c 1:3 ", "c a:3 r"}) {
    auto parsed = ParseDeviceRule(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().message(), std::string("invalid device cgroup format '") + bad + "'");
  }
}

TEST(DeviceRuleTest, V1LinesNeverWidenAnAllRule) {
  EXPECT_EQ(V1AllowLines({'a', kAnyDevice, kAnyDevice, "rwm"}), std::vector<std::string>{"a"});
  // "a" in devices.allow would allow every access: a narrower one is split.
  EXPECT_EQ(V1AllowLines({'a', kAnyDevice, kAnyDevice, "r"}),
            (std::vector<std::string>{"c *:* r", "b *:* r"}));
  EXPECT_EQ(V1AllowLines({'c', 136, kAnyDevice, "rwm"}), std::vector<std::string>{"c 136:* rwm"});
}

TEST(DeviceRuleTest, DefaultsAreDockers) {
  const auto& rules = DefaultDeviceRules();
  EXPECT_FALSE(AllowsEverything(rules));
  auto has = [&](const std::string& text) {
    for (const DeviceRule& rule : rules) {
      if (FormatDeviceRule(rule) == text) return true;
    }
    return false;
  };
  for (const char* rule : {"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm",
                           "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm"}) {
    EXPECT_TRUE(has(rule)) << rule;
  }
  // Block devices: mknod only.
  for (const DeviceRule& rule : rules) {
    if (rule.type == 'b') {
      EXPECT_EQ(rule.access, "m");
    }
  }
  EXPECT_TRUE(AllowsEverything({{'a', kAnyDevice, kAnyDevice, "rwm"}}));
  EXPECT_FALSE(AllowsEverything({{'a', kAnyDevice, kAnyDevice, "rw"}}));
}

TEST(DeviceRuleTest, SystemdProperties) {
  const char* proc_devices =
      "Character devices:\n  1 mem\n136 pts\n\nBlock devices:\n  7 loop\n259 blkext\n";
  std::vector<DeviceRule> rules = {{'c', kAnyDevice, kAnyDevice, "m"},
                                   {'c', 1, 3, "rwm"},
                                   {'c', 136, kAnyDevice, "rwm"},
                                   {'b', 7, kAnyDevice, "r"},
                                   {'c', 99, kAnyDevice, "r"}};
  EXPECT_EQ(DeviceProperties(rules, proc_devices),
            (std::vector<std::string>{"DevicePolicy=strict", "DeviceAllow=char-* m",
                                      "DeviceAllow=/dev/char/1:3 rwm", "DeviceAllow=char-pts rwm",
                                      "DeviceAllow=block-loop r"}));
  EXPECT_TRUE(DeviceProperties({{'a', kAnyDevice, kAnyDevice, "rwm"}}, proc_devices).empty());
}

}  // namespace
}  // namespace berth::cgroup
