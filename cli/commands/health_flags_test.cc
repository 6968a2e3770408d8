// The --health-* and --no-healthcheck flags of run/create, as docker's CLI.

#include "cli/commands/container_flags.h"
#include "cli/commands/container_parse.h"
#include "cli/commands/container_spec.h"
#include "gtest/gtest.h"

namespace berth::cli {
namespace {

using berth::tasks::v1::ContainerSpec;

std::optional<FlagError> Build(const std::vector<std::string>& words, ContainerSpec* spec) {
  ContainerFlags flags;
  spec->Clear();
  if (auto error = ParseContainerArgs(words, &flags)) return error;
  return BuildContainerSpec(flags, SystemSpecSources(), spec);
}

TEST(HealthFlagsTest, CommandAndDurations) {
  ContainerSpec spec;
  ASSERT_FALSE(Build({"--health-cmd", "test -f /ready", "--health-interval=200ms", "--health-timeout",
                      "1m30s", "--health-retries", "2", "--health-start-period", "1.5s",
                      "--health-start-interval", "100ms", "busybox"},
                     &spec));
  ASSERT_TRUE(spec.has_healthcheck());
  const auto& check = spec.healthcheck();
  EXPECT_EQ(std::vector<std::string>(check.test().begin(), check.test().end()),
            (std::vector<std::string>{"CMD-SHELL", "test -f /ready"}));
  EXPECT_EQ(check.interval_ns(), 200000000);
  EXPECT_EQ(check.timeout_ns(), 90000000000);
  EXPECT_EQ(check.retries(), 2);
  EXPECT_EQ(check.start_period_ns(), 1500000000);
  EXPECT_EQ(check.start_interval_ns(), 100000000);
}

TEST(HealthFlagsTest, NoneGivenNoCheckAndIntervalAloneKeepsTheImagesTest) {
  ContainerSpec spec;
  ASSERT_FALSE(Build({"busybox"}, &spec));
  EXPECT_FALSE(spec.has_healthcheck());
  ASSERT_FALSE(Build({"--health-interval", "5s", "busybox"}, &spec));
  ASSERT_TRUE(spec.has_healthcheck());
  EXPECT_EQ(spec.healthcheck().test_size(), 0);
  EXPECT_EQ(spec.healthcheck().interval_ns(), 5000000000);
}

TEST(HealthFlagsTest, NoHealthcheckIsNoneAndConflicts) {
  ContainerSpec spec;
  ASSERT_FALSE(Build({"--no-healthcheck", "busybox"}, &spec));
  ASSERT_EQ(spec.healthcheck().test_size(), 1);
  EXPECT_EQ(spec.healthcheck().test(0), "NONE");
  auto error = Build({"--no-healthcheck", "--health-cmd", "true", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "--no-healthcheck conflicts with --health-* options");
  EXPECT_FALSE(error->pflag);
  error = Build({"--no-healthcheck", "--health-retries", "1", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "--no-healthcheck conflicts with --health-* options");
}

TEST(HealthFlagsTest, NegativesAndBadValues) {
  ContainerSpec spec;
  for (const char* flag : {"--health-interval", "--health-timeout", "--health-start-period",
                           "--health-start-interval"}) {
    auto error = Build({flag, "-1s", "busybox"}, &spec);
    ASSERT_TRUE(error.has_value()) << flag;
    EXPECT_EQ(error->message, std::string(flag) + " cannot be negative");
  }
  auto error = Build({"--health-retries", "-1", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "--health-retries cannot be negative");
  error = Build({"--health-interval", "soon", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_TRUE(error->pflag);
  EXPECT_EQ(error->message,
            "invalid argument \"soon\" for \"--health-interval\" flag: time: invalid duration \"soon\"");
  error = Build({"--health-timeout", "10", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message,
            "invalid argument \"10\" for \"--health-timeout\" flag: time: missing unit in duration \"10\"");
  error = Build({"--health-retries", "x", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message,
            "invalid argument \"x\" for \"--health-retries\" flag: strconv.ParseInt: parsing \"x\": invalid syntax");
}

TEST(HealthFlagsTest, GoDurations) {
  EXPECT_EQ(*ParseGoDuration("0"), absl::ZeroDuration());
  EXPECT_EQ(*ParseGoDuration("1h2m3s"), absl::Seconds(3723));
  EXPECT_EQ(*ParseGoDuration("500us"), absl::Microseconds(500));
  EXPECT_EQ(ParseGoDuration("3x").status().message(), "time: unknown unit \"x\" in duration \"3x\"");
  EXPECT_EQ(ParseGoDuration("").status().message(), "time: invalid duration \"\"");
  EXPECT_FALSE(ParseGoDuration("inf").ok());
}

}  // namespace
}  // namespace berth::cli
