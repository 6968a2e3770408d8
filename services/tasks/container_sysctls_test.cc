#include "services/tasks/container_sysctls.h"

#include "gtest/gtest.h"

namespace berth::tasks {
namespace {

v1::ContainerSpec WithSysctl(const std::string& key) {
  v1::ContainerSpec spec;
  (*spec.mutable_sysctls())[key] = "1";
  return spec;
}

TEST(ContainerSysctlsTest, NamespacedOnesPass) {
  for (const char* key : {"net.ipv4.ip_forward", "kernel.msgmax", "kernel.sem", "kernel.shmmax",
                          "fs.mqueue.msg_max", "kernel.domainname"}) {
    EXPECT_TRUE(ValidateSysctls(WithSysctl(key)).ok()) << key;
  }
}

TEST(ContainerSysctlsTest, HostWideOnesAreRefused) {
  EXPECT_EQ(ValidateSysctls(WithSysctl("vm.swappiness")).message(),
            "sysctl \"vm.swappiness\" is not in a separate kernel namespace");
  EXPECT_FALSE(ValidateSysctls(WithSysctl("kernel.hostname")).ok());
  EXPECT_FALSE(ValidateSysctls(WithSysctl("net/../../vm/x")).ok());
}

TEST(ContainerSysctlsTest, SharedWithTheHostIsRefused) {
  v1::ContainerSpec spec = WithSysctl("net.ipv4.ip_forward");
  spec.set_network_mode("host");
  EXPECT_EQ(ValidateSysctls(spec).message(),
            "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace");
  spec = WithSysctl("kernel.msgmax");
  spec.set_ipc_mode("host");
  EXPECT_FALSE(ValidateSysctls(spec).ok());
  spec.set_ipc_mode("");
  EXPECT_TRUE(ValidateSysctls(spec).ok());  // the control: its own IPC namespace
}

}  // namespace
}  // namespace berth::tasks
