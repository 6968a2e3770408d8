#include "services/cri/runtime_info.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>

#include <grpcpp/create_channel.h>

#include "services/cri/schema.h"

namespace berth::cri {
namespace {

TEST(PodCidrTest, AcceptsIpv4Ipv6AndDualStack) {
  for (const char* cidr : {"10.88.0.0/16", "fd00::/64", "10.244.1.0/24,fd00:1::/64",
                           "10.0.0.0/8, fd00::/48", "0.0.0.0/0"}) {
    EXPECT_TRUE(ValidatePodCidr(cidr).ok()) << cidr;
  }
}

TEST(PodCidrTest, RejectsMalformed) {
  for (const char* cidr : {"10.88.0.0", "10.88.0.0/33", "fd00::/129", "banana/8", "10.0.0.0/x",
                           "10.0.0.0/8,", "/16"}) {
    EXPECT_EQ(ValidatePodCidr(cidr).code(), absl::StatusCode::kInvalidArgument) << cidr;
  }
}

class RuntimeInfoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Bazel's per-test temporary directory, removed by Bazel.
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
    auto db = store::Database::Open(dir_ + "/meta.db", Migrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    settings_ = std::make_unique<SettingsStore>(db_.get());
    // Nothing listens here: both services read as down.
    backends_ = Backends::Connect(dir_);
  }

  std::string dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<SettingsStore> settings_;
  Backends backends_;
  config::DaemonConfig config_;
};

TEST_F(RuntimeInfoTest, VersionNamesBerthAndV1) {
  RuntimeInfo info(&config_, &backends_, settings_.get(), "/run/berth/cri.sock");
  runtime::v1::VersionResponse version = info.Version();
  EXPECT_EQ(version.runtime_name(), "berth");
  EXPECT_EQ(version.runtime_api_version(), "v1");
  EXPECT_FALSE(version.runtime_version().empty());
}

TEST_F(RuntimeInfoTest, CgroupDriverFollowsTheDaemon) {
  RuntimeInfo info(&config_, &backends_, settings_.get(), "");
  config_.cgroup_driver = "systemd";
  EXPECT_EQ(info.Config().linux().cgroup_driver(), runtime::v1::SYSTEMD);
  config_.cgroup_driver = "cgroupfs";
  EXPECT_EQ(info.Config().linux().cgroup_driver(), runtime::v1::CGROUPFS);
}

TEST_F(RuntimeInfoTest, ServicesDownMeansNotReadyWithReasons) {
  RuntimeInfo info(&config_, &backends_, settings_.get(), "");
  auto status = info.Status(false);
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_EQ(status->status().conditions_size(), 2);
  const auto& runtime = status->status().conditions(0);
  const auto& network = status->status().conditions(1);
  EXPECT_EQ(runtime.type(), "RuntimeReady");
  EXPECT_FALSE(runtime.status());
  EXPECT_EQ(runtime.reason(), "BerthNotReady");
  EXPECT_EQ(network.type(), "NetworkReady");
  EXPECT_FALSE(network.status());
  EXPECT_EQ(network.reason(), "NetworkPluginNotReady");
  EXPECT_NE(network.message().find("network service"), std::string::npos) << network.message();
  EXPECT_TRUE(status->info().empty());
}

TEST_F(RuntimeInfoTest, PodCidrIsKeptAndShownVerbose) {
  RuntimeInfo info(&config_, &backends_, settings_.get(), "");
  runtime::v1::RuntimeConfig update;
  update.mutable_network_config()->set_pod_cidr("10.244.0.0/24");
  ASSERT_TRUE(info.Update(update).ok());
  // An empty CIDR changes nothing; a bad one is refused and changes nothing.
  ASSERT_TRUE(info.Update(runtime::v1::RuntimeConfig()).ok());
  update.mutable_network_config()->set_pod_cidr("10.244.0.0/99");
  EXPECT_EQ(info.Update(update).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*settings_->PodCidr(), "10.244.0.0/24");
  auto status = info.Status(true);
  ASSERT_TRUE(status.ok());
  EXPECT_NE(status->info().at("config").find("\"podCIDR\":\"10.244.0.0/24\""), std::string::npos)
      << status->info().at("config");
}

}  // namespace
}  // namespace berth::cri
