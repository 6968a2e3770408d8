#include "services/tasks/health.h"

#include "gtest/gtest.h"
#include "services/tasks/time_util.h"

namespace berth::tasks {
namespace {

const absl::Time kStarted = absl::FromUnixSeconds(1700000000);

v1::ContainerSpec ShellCheck(const std::string& command) {
  v1::ContainerSpec spec;
  spec.mutable_healthcheck()->add_test("CMD-SHELL");
  spec.mutable_healthcheck()->add_test(command);
  return spec;
}

v1::HealthcheckResult Result(int exit_code, absl::Duration after_start) {
  v1::HealthcheckResult result;
  result.set_exit_code(exit_code);
  SetTime(result.mutable_start(), kStarted + after_start);
  return result;
}

v1::State Started() {
  v1::State state;
  SetTime(state.mutable_started_at(), kStarted);
  ResetHealthForStart(&state);
  return state;
}

TEST(HealthTest, ProbeOfTakesDockersDefaultsAndShell) {
  auto probe = ProbeOf(ShellCheck("curl -f localhost"));
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->args, (std::vector<std::string>{"/bin/sh", "-c", "curl -f localhost"}));
  EXPECT_EQ(probe->interval, absl::Seconds(30));
  EXPECT_EQ(probe->timeout, absl::Seconds(30));
  EXPECT_EQ(probe->start_period, absl::ZeroDuration());
  EXPECT_EQ(probe->start_interval, absl::Seconds(5));
  EXPECT_EQ(probe->retries, 3);

  v1::ContainerSpec exec_form;
  for (const char* arg : {"CMD", "test", "-f", "/ready"}) exec_form.mutable_healthcheck()->add_test(arg);
  exec_form.mutable_healthcheck()->set_interval_ns(200000000);
  probe = ProbeOf(exec_form);
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->args, (std::vector<std::string>{"test", "-f", "/ready"}));
  EXPECT_EQ(probe->interval, absl::Milliseconds(200));
}

TEST(HealthTest, NoProbeForNoneMissingOrUnknownTests) {
  EXPECT_FALSE(ProbeOf(v1::ContainerSpec()).has_value());
  v1::ContainerSpec none;
  none.mutable_healthcheck()->add_test("NONE");
  EXPECT_FALSE(ProbeOf(none).has_value());
  v1::ContainerSpec only_interval;
  only_interval.mutable_healthcheck()->set_interval_ns(1000000000);
  EXPECT_FALSE(ProbeOf(only_interval).has_value());
  v1::ContainerSpec unknown;
  unknown.mutable_healthcheck()->add_test("HTTP");
  unknown.mutable_healthcheck()->add_test("/");
  EXPECT_FALSE(ProbeOf(unknown).has_value());
}

TEST(HealthTest, ValidatesAsDockersDaemon) {
  v1::HealthConfig config;
  config.set_interval_ns(999999);
  EXPECT_EQ(ValidateHealthConfig(config).message(), "Interval in Healthcheck cannot be less than 1ms");
  config.set_interval_ns(1000000);
  EXPECT_TRUE(ValidateHealthConfig(config).ok());
  config.set_timeout_ns(5);
  EXPECT_EQ(ValidateHealthConfig(config).message(), "Timeout in Healthcheck cannot be less than 1ms");
  config.set_timeout_ns(0);
  config.set_start_period_ns(10);
  EXPECT_EQ(ValidateHealthConfig(config).message(), "StartPeriod in Healthcheck cannot be less than 1ms");
  config.set_start_period_ns(0);
  config.set_start_interval_ns(10);
  EXPECT_EQ(ValidateHealthConfig(config).message(),
            "StartInterval in Healthcheck cannot be less than 1ms");
  config.set_start_interval_ns(0);
  config.set_retries(-1);
  EXPECT_EQ(ValidateHealthConfig(config).message(), "Retries in Healthcheck cannot be negative");
}

TEST(HealthTest, FlagsOverTheImagesCheckFieldByField) {
  nlohmann::json image = nlohmann::json::parse(
      R"({"Healthcheck":{"Test":["CMD-SHELL","check"],"Interval":5000000000,"Retries":7}})");
  v1::ContainerSpec plain;
  MergeHealthConfig(image, &plain);
  EXPECT_EQ(HealthConfigToJson(plain.healthcheck()), image["Healthcheck"]);

  v1::ContainerSpec flags;
  flags.mutable_healthcheck()->set_interval_ns(200000000);
  MergeHealthConfig(image, &flags);
  EXPECT_EQ(HealthConfigToJson(flags.healthcheck()),
            nlohmann::json::parse(R"({"Test":["CMD-SHELL","check"],"Interval":200000000,"Retries":7})"));

  v1::ContainerSpec disabled;
  disabled.mutable_healthcheck()->add_test("NONE");
  MergeHealthConfig(image, &disabled);
  EXPECT_FALSE(ProbeOf(disabled).has_value());

  v1::ContainerSpec without_image_check = ShellCheck("true");
  MergeHealthConfig(nlohmann::json::object(), &without_image_check);
  EXPECT_EQ(without_image_check.healthcheck().test_size(), 2);
}

TEST(HealthTest, HealthyOnSuccessUnhealthyAfterRetries) {
  HealthProbe probe = *ProbeOf(ShellCheck("x"));
  v1::State state = Started();
  EXPECT_FALSE(RecordProbeResult(Result(1, absl::Seconds(30)), probe, &state));
  EXPECT_EQ(state.health_failing_streak(), 1);
  EXPECT_TRUE(RecordProbeResult(Result(0, absl::Seconds(60)), probe, &state));
  EXPECT_EQ(state.health(), "healthy");
  EXPECT_EQ(state.health_failing_streak(), 0);
  EXPECT_FALSE(RecordProbeResult(Result(1, absl::Seconds(90)), probe, &state));
  EXPECT_FALSE(RecordProbeResult(Result(2, absl::Seconds(120)), probe, &state));
  EXPECT_EQ(state.health(), "healthy");
  EXPECT_TRUE(RecordProbeResult(Result(-1, absl::Seconds(150)), probe, &state));
  EXPECT_EQ(state.health(), "unhealthy");
  EXPECT_EQ(state.health_failing_streak(), 3);
  EXPECT_FALSE(RecordProbeResult(Result(1, absl::Seconds(180)), probe, &state));
  EXPECT_EQ(state.health_failing_streak(), 4);
  // The log keeps the last five of the six, oldest first.
  EXPECT_EQ(state.health_log_size(), 5);
  EXPECT_EQ(state.health_log(0).exit_code(), 0);
  EXPECT_EQ(state.health_log(3).exit_code(), -1);
  EXPECT_EQ(state.health_log(4).exit_code(), 1);
}

TEST(HealthTest, StartPeriodFailuresDoNotCountUntilASuccess) {
  v1::ContainerSpec spec = ShellCheck("x");
  spec.mutable_healthcheck()->set_start_period_ns(absl::ToInt64Nanoseconds(absl::Seconds(10)));
  spec.mutable_healthcheck()->set_retries(1);
  HealthProbe probe = *ProbeOf(spec);
  v1::State state = Started();
  EXPECT_FALSE(RecordProbeResult(Result(1, absl::Seconds(5)), probe, &state));
  EXPECT_EQ(state.health(), "starting");
  EXPECT_EQ(state.health_failing_streak(), 0);
  // Past the start period a failure counts.
  EXPECT_TRUE(RecordProbeResult(Result(1, absl::Seconds(10)), probe, &state));
  EXPECT_EQ(state.health(), "unhealthy");

  // Once healthy, failures count even within the start period.
  v1::State healthy = Started();
  RecordProbeResult(Result(0, absl::Seconds(1)), probe, &healthy);
  EXPECT_TRUE(RecordProbeResult(Result(1, absl::Seconds(2)), probe, &healthy));
  EXPECT_EQ(healthy.health(), "unhealthy");
}

TEST(HealthTest, StartIntervalWhileStartingInTheStartPeriod) {
  v1::ContainerSpec spec = ShellCheck("x");
  spec.mutable_healthcheck()->set_start_period_ns(absl::ToInt64Nanoseconds(absl::Seconds(10)));
  spec.mutable_healthcheck()->set_start_interval_ns(absl::ToInt64Nanoseconds(absl::Seconds(1)));
  HealthProbe probe = *ProbeOf(spec);
  v1::State state = Started();
  EXPECT_EQ(NextProbeDelay(state, probe, kStarted), absl::Seconds(1));
  EXPECT_EQ(NextProbeDelay(state, probe, kStarted + absl::Seconds(10)), absl::Seconds(30));
  state.set_health("healthy");
  EXPECT_EQ(NextProbeDelay(state, probe, kStarted), absl::Seconds(30));
  // No start period: the interval from the first probe on.
  EXPECT_EQ(NextProbeDelay(Started(), *ProbeOf(ShellCheck("x")), kStarted), absl::Seconds(30));
}

TEST(HealthTest, OutputKeepsFirst4096Bytes) {
  ProbeOutput output;
  output.Append(std::string(4000, 'a'));
  EXPECT_EQ(output.Text().size(), 4000u);
  output.Append(std::string(200, 'b'));
  EXPECT_EQ(output.Text().size(), 4096u + 3);
  EXPECT_EQ(output.Text().substr(4096), "...");
  EXPECT_EQ(output.Text()[4095], 'b');
}

TEST(HealthTest, GoDurations) {
  EXPECT_EQ(GoDuration(absl::Seconds(30)), "30s");
  EXPECT_EQ(GoDuration(absl::Milliseconds(200)), "200ms");
  EXPECT_EQ(GoDuration(absl::Milliseconds(1500)), "1.5s");
  EXPECT_EQ(GoDuration(absl::Seconds(90)), "1m30s");
  EXPECT_EQ(GoDuration(absl::Hours(1)), "1h0m0s");
  EXPECT_EQ(GoDuration(absl::Microseconds(1500)), "1.5ms");
  EXPECT_EQ(GoDuration(absl::ZeroDuration()), "0s");
}

}  // namespace
}  // namespace berth::tasks
