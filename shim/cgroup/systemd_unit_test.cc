#include "shim/cgroup/systemd_unit.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::cgroup {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

TEST(SystemdUnitTest, SliceNames) {
  EXPECT_TRUE(IsSliceName("system.slice"));
  EXPECT_TRUE(IsSliceName("-.slice"));
  EXPECT_TRUE(IsSliceName("kubepods-besteffort-pod1a2b.slice"));
  EXPECT_FALSE(IsSliceName("berth"));
  EXPECT_FALSE(IsSliceName(".slice"));
  EXPECT_FALSE(IsSliceName("a--b.slice"));
  EXPECT_FALSE(IsSliceName("-a.slice"));
  EXPECT_FALSE(IsSliceName("a/b.slice"));
}

TEST(SystemdUnitTest, SlicePathOpensALevelAtEachDash) {
  EXPECT_EQ(*SlicePath("system.slice"), "system.slice");
  EXPECT_EQ(*SlicePath("-.slice"), "");
  EXPECT_EQ(*SlicePath("kubepods-burstable-pod12.slice"),
            "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12.slice");
  auto bad = SlicePath("/berth");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              ::testing::HasSubstr("should be a valid slice named as \"xxx.slice\""));
}

TEST(SystemdUnitTest, ScopeName) { EXPECT_EQ(ScopeUnitName("abc123"), "berth-abc123.scope"); }

TEST(SystemdUnitTest, V1PropertiesAreRuncs) {
  Resources r;
  r.memory_bytes = 64 << 20;
  r.memory_swap_bytes = 128 << 20;
  r.cpu_quota_us = 50000;
  r.cpu_period_us = 100000;
  r.cpu_shares = 512;
  r.cpuset_cpus = "0";
  r.pids_limit = 10;
  r.blkio_weight = 300;
  std::vector<std::string> props = ResourceProperties(r, Version::kV1);
  EXPECT_THAT(props, Contains("MemoryLimit=67108864"));
  EXPECT_THAT(props, Contains("CPUShares=512"));
  EXPECT_THAT(props, Contains("CPUQuotaPerSecUSec=500000"));
  EXPECT_THAT(props, Contains("CPUQuotaPeriodUSec=100000"));
  EXPECT_THAT(props, Contains("TasksMax=10"));
  EXPECT_THAT(props, Contains("BlockIOWeight=300"));
  EXPECT_THAT(props, Contains("MemoryAccounting=yes"));
  // No v1 property exists for swap or cpuset: the shim writes those.
  for (const std::string& p : props) {
    EXPECT_FALSE(p.rfind("MemorySwapMax", 0) == 0 || p.rfind("AllowedCPUs", 0) == 0) << p;
  }
}

TEST(SystemdUnitTest, V2PropertiesAreRuncs) {
  Resources r;
  r.memory_bytes = 64 << 20;
  r.memory_swap_bytes = -1;
  r.cpu_shares = 1024;
  r.cpuset_cpus = "0-1";
  r.blkio_weight = 500;
  std::vector<std::string> props = ResourceProperties(r, Version::kV2);
  EXPECT_THAT(props, Contains("MemoryMax=67108864"));
  EXPECT_THAT(props, Contains("MemorySwapMax=infinity"));
  EXPECT_THAT(props, Contains("CPUWeight=39"));
  EXPECT_THAT(props, Contains("AllowedCPUs=0-1"));
  EXPECT_THAT(props, Contains("IOWeight=" + std::to_string(BlkioToIoWeight(500))));
  EXPECT_THAT(props, Not(Contains("MemoryLimit=67108864")));
  r.memory_swap_bytes = 96 << 20;
  EXPECT_THAT(ResourceProperties(r, Version::kV2), Contains("MemorySwapMax=33554432"));
}

TEST(SystemdUnitTest, QuotaRoundsUpToWholePercent) {
  Resources r;
  r.cpu_quota_us = 33333;  // --cpus 0.33333
  EXPECT_THAT(ResourceProperties(r, Version::kV2), Contains("CPUQuotaPerSecUSec=340000"));
  EXPECT_THAT(ResourceProperties(r, Version::kV2), Contains("CPUQuotaPeriodUSec=100000"));
}

TEST(SystemdUnitTest, CpuListMask) {
  EXPECT_THAT(*CpuListMask("0"), ElementsAre(0x01));
  EXPECT_THAT(*CpuListMask("0-2,9"), ElementsAre(0x07, 0x02));
  EXPECT_FALSE(CpuListMask("").ok());
  EXPECT_FALSE(CpuListMask("3-1").ok());
  EXPECT_FALSE(CpuListMask("1-").ok());
  EXPECT_FALSE(CpuListMask("x").ok());
}

}  // namespace
}  // namespace berth::cgroup
