#include "services/tasks/namespace_modes.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace berth::tasks {
namespace {

v1::Container Running(const std::string& id, int pid, const std::string& ipc_mode) {
  v1::Container c;
  c.set_id(id);
  c.set_namespace_("default");
  c.mutable_spec()->set_image("busybox");
  c.mutable_spec()->set_ipc_mode(ipc_mode);
  c.mutable_state()->set_status(v1::RUNNING);
  c.mutable_state()->set_pid(pid);
  return c;
}

ContainerLookup Only(const v1::Container& other) {
  return [other](const std::string& id) -> std::optional<v1::Container> {
    if (id == other.id()) return other;
    return std::nullopt;
  };
}

TEST(ValidateNamespaceModesTest, DockersModesPassOthersAreRefused) {
  v1::ContainerSpec spec;
  for (const char* mode : {"", "none", "private", "shareable", "host", "container:x"}) {
    spec.set_ipc_mode(mode);
    EXPECT_TRUE(ValidateNamespaceModes(spec).ok()) << mode;
  }
  spec.set_ipc_mode("container:");
  EXPECT_EQ(ValidateNamespaceModes(spec).message(), "invalid IPC mode: container:");
  spec.set_ipc_mode("");
  for (const char* mode : {"", "host", "container:x"}) {
    spec.set_pid_mode(mode);
    EXPECT_TRUE(ValidateNamespaceModes(spec).ok()) << mode;
  }
  spec.set_pid_mode("private");
  EXPECT_EQ(ValidateNamespaceModes(spec).message(), "invalid PID mode: private");
  spec.set_pid_mode("");
  spec.set_uts_mode("host");
  EXPECT_TRUE(ValidateNamespaceModes(spec).ok());
  spec.set_hostname("h");
  EXPECT_EQ(ValidateNamespaceModes(spec).message(), "conflicting options: hostname and the UTS mode");
  spec.set_uts_mode("container:x");
  EXPECT_TRUE(ValidateNamespaceModes(spec).ok()) << "a pod's containers join its holder's";
  spec.set_uts_mode("private");
  EXPECT_EQ(ValidateNamespaceModes(spec).message(), "invalid UTS mode: private");
}

TEST(JoinedNamespacesTest, NewOnesJoinNothing) {
  v1::Container c = Running("me", 10, "shareable");
  auto joined = JoinedNamespaces(c, Only(c));
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_TRUE(joined->empty());
}

TEST(JoinedNamespacesTest, HostIsThisProcesssOwn) {
  v1::Container c = Running("me", 10, "host");
  c.mutable_spec()->set_pid_mode("host");
  c.mutable_spec()->set_uts_mode("host");
  auto joined = JoinedNamespaces(c, Only(c));
  ASSERT_TRUE(joined.ok()) << joined.status();
  std::string self = absl::StrCat("/proc/", ::getpid(), "/ns/");
  EXPECT_EQ(*joined, (std::map<std::string, std::string>{
                         {"ipc", self + "ipc"}, {"pid", self + "pid"}, {"uts", self + "uts"}}));
}

TEST(JoinedNamespacesTest, ARunningDonorsFirstProcess) {
  v1::Container donor = Running("donor", 4242, "shareable");
  v1::Container c = Running("me", 10, "container:donor");
  c.mutable_spec()->set_pid_mode("container:donor");
  c.mutable_spec()->set_uts_mode("container:donor");
  auto joined = JoinedNamespaces(c, Only(donor));
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(*joined, (std::map<std::string, std::string>{{"ipc", "/proc/4242/ns/ipc"},
                                                         {"pid", "/proc/4242/ns/pid"},
                                                         {"uts", "/proc/4242/ns/uts"}}));
  // A donor that shares its own (host, another's) may be joined too.
  donor.mutable_spec()->set_ipc_mode("container:third");
  EXPECT_TRUE(JoinedNamespaces(c, Only(donor)).ok());
}

TEST(JoinedNamespacesTest, DockersRefusals) {
  v1::Container donor = Running("donor", 4242, "");
  v1::Container c = Running("me", 10, "container:donor");
  EXPECT_EQ(JoinedNamespaces(c, Only(donor)).status().message(),
            "container donor: non-shareable IPC (hint: use IpcMode:shareable for the donor container)");
  // A namespace holder (no image) is, whatever its record says.
  donor.mutable_spec()->clear_image();
  EXPECT_TRUE(JoinedNamespaces(c, Only(donor)).ok());
  donor.mutable_spec()->set_image("busybox");
  // PID needs no shareable donor, but a running one.
  c.mutable_spec()->set_ipc_mode("");
  c.mutable_spec()->set_pid_mode("container:donor");
  EXPECT_TRUE(JoinedNamespaces(c, Only(donor)).ok());
  donor.mutable_state()->set_status(v1::EXITED);
  EXPECT_EQ(JoinedNamespaces(c, Only(donor)).status().message(), "container donor is not running");
  donor.mutable_state()->set_status(v1::RUNNING);
  donor.set_namespace_("k8s.io");
  EXPECT_EQ(JoinedNamespaces(c, Only(donor)).status().message(), "No such container: donor");
  c.mutable_spec()->set_pid_mode("container:gone");
  EXPECT_EQ(JoinedNamespaces(c, Only(donor)).status().message(), "No such container: gone");
}

}  // namespace
}  // namespace berth::tasks
