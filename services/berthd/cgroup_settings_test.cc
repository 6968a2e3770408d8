#include "services/berthd/cgroup_settings.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace berth::berthd {
namespace {

class CgroupSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") +
                       "/cgroup-settings-XXXXXX";
    run_ = ::mkdtemp(tmpl.data());
    helper_ = run_ + "/berth-systemd-scope";
    std::ofstream(helper_) << "#!/bin/sh\n";
    ::chmod(helper_.c_str(), 0755);
  }
  void BootSystemd() {
    ::mkdir((run_ + "/systemd").c_str(), 0755);
    ::mkdir((run_ + "/systemd/system").c_str(), 0755);
  }
  std::string run_, helper_;
};

TEST_F(CgroupSettingsTest, WithoutSystemdTheDefaultIsCgroupfsUnderBerth) {
  config::DaemonConfig config;
  ASSERT_TRUE(ResolveCgroupDriver(&config, helper_, run_).ok());
  EXPECT_EQ(config.cgroup_driver, "cgroupfs");
  EXPECT_EQ(config.cgroup_parent, "berth");
}

TEST_F(CgroupSettingsTest, SystemdAsInitMakesItTheDefaultInSystemSlice) {
  BootSystemd();
  config::DaemonConfig config;
  ASSERT_TRUE(ResolveCgroupDriver(&config, helper_, run_).ok());
  EXPECT_EQ(config.cgroup_driver, "systemd");
  EXPECT_EQ(config.cgroup_parent, "system.slice");
  // cgroupfs when asked for, also there.
  config::DaemonConfig asked;
  asked.cgroup_driver = "cgroupfs";
  ASSERT_TRUE(ResolveCgroupDriver(&asked, helper_, run_).ok());
  EXPECT_EQ(asked.cgroup_parent, "berth");
}

TEST_F(CgroupSettingsTest, SystemdDriverRefusedWithoutSystemdOrHelperOrSlice) {
  config::DaemonConfig config;
  config.cgroup_driver = "systemd";
  absl::Status status = ResolveCgroupDriver(&config, helper_, run_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("systemd is not the init system here"), std::string::npos);

  BootSystemd();
  status = ResolveCgroupDriver(&config, run_ + "/missing-helper", run_);
  EXPECT_NE(status.message().find("missing-helper is missing"), std::string::npos) << status;

  config.cgroup_parent = "berth";
  status = ResolveCgroupDriver(&config, helper_, run_);
  EXPECT_NE(status.message().find("should be a valid slice named as \"xxx.slice\""), std::string::npos)
      << status;
  config.cgroup_parent = "berth.slice";
  EXPECT_TRUE(ResolveCgroupDriver(&config, helper_, run_).ok());
}

TEST_F(CgroupSettingsTest, CgroupfsParentMayNotClimb) {
  config::DaemonConfig config;
  config.cgroup_parent = "../escape";
  EXPECT_FALSE(ResolveCgroupDriver(&config, helper_, run_).ok());
}

}  // namespace
}  // namespace berth::berthd
