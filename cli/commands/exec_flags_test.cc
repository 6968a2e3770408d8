#include "cli/commands/exec_flags.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

TEST(ExecFlagsTest, FlagsStopAtTheContainer) {
  ExecFlags flags;
  ASSERT_EQ(ParseExecArgs({"-it", "-e", "A=1", "--env=B=2", "-eC=3", "-w", "/tmp", "--user=nobody",
                           "box", "sh", "-c", "echo -e hi"},
                          &flags),
            std::nullopt);
  EXPECT_TRUE(flags.interactive);
  EXPECT_TRUE(flags.tty);
  EXPECT_FALSE(flags.detach);
  EXPECT_EQ(flags.env, (std::vector<std::string>{"A=1", "B=2", "C=3"}));
  EXPECT_EQ(flags.workdir, "/tmp");
  EXPECT_EQ(flags.user, "nobody");
  EXPECT_EQ(flags.args, (std::vector<std::string>{"box", "sh", "-c", "echo -e hi"}));
}

TEST(ExecFlagsTest, BooleansAndLongValues) {
  ExecFlags flags;
  ASSERT_EQ(ParseExecArgs({"-d", "--privileged", "--detach-keys", "ctrl-a", "--env-file", "f.env",
                           "--tty=false", "box", "true"},
                          &flags),
            std::nullopt);
  EXPECT_TRUE(flags.detach);
  EXPECT_TRUE(flags.privileged);
  EXPECT_FALSE(flags.tty);
  EXPECT_EQ(flags.detach_keys, "ctrl-a");
  EXPECT_EQ(flags.env_files, (std::vector<std::string>{"f.env"}));
  EXPECT_EQ(flags.args, (std::vector<std::string>{"box", "true"}));
}

TEST(ExecFlagsTest, PflagErrors) {
  ExecFlags flags;
  EXPECT_EQ(ParseExecArgs({"--nope", "box", "true"}, &flags), "unknown flag: --nope");
  EXPECT_EQ(ParseExecArgs({"-ix", "box"}, &flags), "unknown shorthand flag: 'x' in -ix");
  EXPECT_EQ(ParseExecArgs({"-e"}, &flags), "flag needs an argument: 'e' in -e");
  EXPECT_EQ(ParseExecArgs({"--user"}, &flags), "flag needs an argument: --user");
}

TEST(ExecFlagsTest, DoubleDashEndsFlags) {
  ExecFlags flags;
  ASSERT_EQ(ParseExecArgs({"-i", "--", "-box", "ls"}, &flags), std::nullopt);
  EXPECT_EQ(flags.args, (std::vector<std::string>{"-box", "ls"}));
}

}  // namespace
}  // namespace berth::cli
