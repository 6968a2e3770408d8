#include "services/tasks/container_devices.h"

#include <fstream>

#include "gtest/gtest.h"

namespace berth::tasks {
namespace {

TEST(ContainerDevicesTest, DeviceNodeAndItsRule) {
  v1::ContainerSpec spec;
  auto* device = spec.add_devices();
  device->set_path_on_host("/dev/null");
  device->set_path_in_container("/dev/mynull");
  device->set_cgroup_permissions("r");
  spec.add_device_cgroup_rules("c 1:5 mr");
  berth::shim::v1::CreateRequest create;
  ASSERT_TRUE(AddDevices(spec, &create).ok());
  ASSERT_EQ(create.devices_size(), 1);
  EXPECT_EQ(create.devices(0).path(), "/dev/mynull");
  EXPECT_EQ(create.devices(0).host_path(), "/dev/null");
  EXPECT_EQ(create.devices(0).type(), "c");
  EXPECT_EQ(create.devices(0).major(), 1);
  EXPECT_EQ(create.devices(0).minor(), 3);
  EXPECT_EQ(create.devices(0).file_mode(), 0666u);
  ASSERT_EQ(create.device_rules_size(), 2);
  EXPECT_EQ(create.device_rules(0).access(), "r");
  EXPECT_EQ(create.device_rules(1).minor(), 5);
  EXPECT_EQ(create.device_rules(1).access(), "mr");
}

TEST(ContainerDevicesTest, DockersErrors) {
  v1::ContainerSpec spec;
  spec.add_devices()->set_path_on_host("/dev/nope");
  berth::shim::v1::CreateRequest create;
  EXPECT_EQ(AddDevices(spec, &create).message(),
            "error gathering device information while adding custom device \"/dev/nope\": no such "
            "file or directory");
  std::string file = ::testing::TempDir() + "/plain";
  std::ofstream(file) << "x";
  spec.mutable_devices(0)->set_path_on_host(file);
  EXPECT_EQ(AddDevices(spec, &create).message(),
            "error gathering device information while adding custom device \"" + file +
                "\": not a device node");

  v1::ContainerSpec gpus;
  gpus.add_device_requests()->add_capabilities("gpu");
  EXPECT_EQ(AddDevices(gpus, &create).message(),
            "could not select device driver \"\" with capabilities: [[gpu]]");

  v1::ContainerSpec rules;
  rules.add_device_cgroup_rules("c 1:3 rwq");
  EXPECT_EQ(ValidateDevices(rules).message(), "invalid device cgroup format 'c 1:3 rwq'");
}

TEST(ContainerDevicesTest, PrivilegedGetsTheHostsNodesButItsOwnPtys) {
  v1::ContainerSpec spec;
  spec.set_privileged(true);
  berth::shim::v1::CreateRequest create;
  ASSERT_TRUE(AddDevices(spec, &create).ok());
  bool null = false;
  for (const auto& device : create.devices()) {
    null |= device.path() == "/dev/null";
    EXPECT_NE(device.path(), "/dev/ptmx");
    EXPECT_NE(device.path().rfind("/dev/pts/", 0), 0u) << device.path();
  }
  EXPECT_TRUE(null);
  // Every device is allowed by the shim for privileged: no rules needed.
  EXPECT_EQ(create.device_rules_size(), 0);
}

}  // namespace
}  // namespace berth::tasks
