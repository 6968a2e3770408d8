#include "cli/completion.h"

#include <algorithm>

#include "cli/command_tree.h"
#include "cli/commands/commands.h"
#include "gtest/gtest.h"

namespace berth::cli {
namespace {

// The CLI's real command tree, as main() builds it.
class CompletionTest : public ::testing::Test {
 protected:
  CompletionTest() {
    app_.require_subcommand(0, 1);
    app_.fallthrough();
    app_.add_option("-H,--host", cli_.connection.host, "Daemon socket to connect to");
    AddSystemCommands(app_, cli_);
    AddImageCommands(app_, cli_);
    AddLoginCommands(app_, cli_);
    AddVolumeCommands(app_, cli_);
    AddNetworkCommands(app_, cli_);
    AddContainerCommands(app_, cli_);
    AddCompletionCommands(app_, cli_);
  }

  bool Offers(const std::vector<std::string>& words, const std::string& word) {
    Completion completion = Complete(app_, words);
    return std::any_of(completion.words.begin(), completion.words.end(),
                       [&](const auto& candidate) { return candidate.first == word; });
  }

  NameKind Names(const std::vector<std::string>& words) { return Complete(app_, words).names; }

  Cli cli_;
  CLI::App app_{"berth"};
};

TEST_F(CompletionTest, CommandsAndSubcommandsFromTheTree) {
  EXPECT_TRUE(Offers({"ru"}, "run"));
  EXPECT_TRUE(Offers({""}, "completion"));
  EXPECT_TRUE(Offers({"network", ""}, "prune"));
  EXPECT_TRUE(Offers({"system", ""}, "df"));
  EXPECT_TRUE(Offers({"system", ""}, "events"));
  EXPECT_FALSE(Offers({"network", ""}, "run"));
}

TEST_F(CompletionTest, FlagsOfTheCommandOnly) {
  EXPECT_TRUE(Offers({"run", "--det"}, "--detach"));
  EXPECT_TRUE(Offers({"exec", "-"}, "--interactive"));
  EXPECT_TRUE(Offers({"ps", "-"}, "--all"));
  EXPECT_TRUE(Offers({"system", "df", "-"}, "--verbose"));
  EXPECT_FALSE(Offers({"ps", "-"}, "--detach"));
}

TEST_F(CompletionTest, NamesByArgument) {
  EXPECT_EQ(Names({"stop", ""}), NameKind::kContainers);
  EXPECT_EQ(Names({"-H", "unix:///x.sock", "stop", "a", ""}), NameKind::kContainers);
  EXPECT_EQ(Names({"rmi", ""}), NameKind::kImages);
  EXPECT_EQ(Names({"run", "-d", "--name", "x", ""}), NameKind::kImages);
  EXPECT_EQ(Names({"run", "-d", "busybox", ""}), NameKind::kNone);  // The command: files.
  EXPECT_EQ(Names({"run", "--network", ""}), NameKind::kNetworks);
  EXPECT_EQ(Names({"exec", "-it", ""}), NameKind::kContainers);
  EXPECT_EQ(Names({"volume", "rm", ""}), NameKind::kVolumes);
  EXPECT_EQ(Names({"network", "rm", ""}), NameKind::kNetworks);
  EXPECT_EQ(Names({"network", "connect", "net", ""}), NameKind::kContainers);
  EXPECT_EQ(Names({"network", "connect", ""}), NameKind::kNetworks);
}

TEST(CommandTreeTest, UnknownWordsAreNamed) {
  CLI::App app{"berth"};
  app.require_subcommand(0, 1);
  CLI::App* network = app.add_subcommand("network", "Manage networks");
  network->require_subcommand(1);
  network->add_subcommand("ls", "List networks");
  app.add_option("-H,--host", "Daemon socket");
  CommandWalk walk = WalkCommand(app, {"compose"});
  EXPECT_EQ(walk.command, &app);
  EXPECT_EQ(walk.unknown, "compose");
  walk = WalkCommand(app, {"-H", "unix:///x", "network", "bogus", "x"});
  EXPECT_EQ(walk.unknown, "bogus");
  EXPECT_EQ(CommandName(walk), "berth network");
  walk = WalkCommand(app, {"network", "ls", "extra"});
  EXPECT_EQ(walk.unknown, "");
  EXPECT_EQ(CommandName(walk), "berth network ls");
  EXPECT_EQ(walk.positionals, std::vector<std::string>{"extra"});
  // A flag takes no value: "--filter" after "-f" is an option, not -f's value.
  bool force = false;
  std::vector<std::string> filters;
  CLI::App* prune = network->add_subcommand("prune", "Remove all unused networks");
  prune->add_flag("-f,--force", force, "Do not prompt for confirmation");
  prune->add_option("--filter", filters, "Provide filter values");
  walk = WalkCommand(app, {"network", "prune", "-f", "--filter", "label=a"});
  EXPECT_TRUE(walk.positionals.empty());
}

}  // namespace
}  // namespace berth::cli
