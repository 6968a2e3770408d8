#include "services/tasks/execs.h"

#include <gtest/gtest.h>

namespace berth::tasks {
namespace {

std::vector<std::string> Env(const berth::shim::v1::Process& process) {
  return {process.env().begin(), process.env().end()};
}

TEST(BuildExecProcessTest, ContainerConfigWithTheExecsOnTop) {
  v1::ContainerSpec container;
  container.add_env("PATH=/bin");
  container.add_env("A=container");
  container.add_env("B=container");
  container.set_working_dir("/srv");
  container.set_user("app");
  container.add_cap_drop("NET_RAW");
  container.add_security_opt("no-new-privileges");
  v1::ProcessSpec exec;
  exec.add_args("sh");
  exec.add_env("B=exec");
  exec.add_env("C=exec");
  exec.add_env("UNSET");  // no value: not the environment's
  exec.set_tty(true);
  exec.set_attach_stdin(true);
  auto process = BuildExecProcess(container, exec);
  EXPECT_EQ(Env(process), (std::vector<std::string>{"PATH=/bin", "A=container", "B=exec",
                                                     "TERM=xterm", "C=exec"}));
  EXPECT_EQ(process.cwd(), "/srv");
  EXPECT_EQ(process.user(), "app");
  EXPECT_TRUE(process.terminal());
  EXPECT_TRUE(process.stdin());
  EXPECT_FALSE(process.privileged());
  EXPECT_EQ(process.cap_drop_size(), 1);
  EXPECT_TRUE(process.no_new_privileges());
}

TEST(BuildExecProcessTest, ExecsOwnWorkdirUserAndTerm) {
  v1::ContainerSpec container;
  container.add_env("TERM=vt100");
  v1::ProcessSpec exec;
  exec.add_args("id");
  exec.set_working_dir("/tmp");
  exec.set_user("1000:1000");
  exec.set_privileged(true);
  auto process = BuildExecProcess(container, exec);
  EXPECT_EQ(process.cwd(), "/tmp");
  EXPECT_EQ(process.user(), "1000:1000");
  EXPECT_TRUE(process.privileged());
  EXPECT_FALSE(process.terminal());
  // Without -t the container's TERM stays; the default working directory is /.
  EXPECT_EQ(Env(process), (std::vector<std::string>{"TERM=vt100"}));
  // With -t too: the container's TERM is docker's choice over xterm.
  exec.set_tty(true);
  EXPECT_EQ(Env(BuildExecProcess(container, exec)), (std::vector<std::string>{"TERM=vt100"}));
  v1::ProcessSpec plain;
  plain.add_args("true");
  EXPECT_EQ(BuildExecProcess(v1::ContainerSpec(), plain).cwd(), "/");
}

}  // namespace
}  // namespace berth::tasks
