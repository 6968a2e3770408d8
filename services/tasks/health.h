#ifndef BERTH_SERVICES_TASKS_HEALTH_H_
#define BERTH_SERVICES_TASKS_HEALTH_H_

// docker's health check rules, apart from running the probes
// (health_monitor.h): the configuration (validation, the image's
// HEALTHCHECK under --health-*, defaults), how one probe's result moves
// the state (starting, healthy, unhealthy; failing streak; the last 5
// results) and when the next probe runs.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "nlohmann/json.hpp"

namespace berth::tasks {

// docker's daemon/health.go constants.
inline constexpr absl::Duration kDefaultProbeInterval = absl::Seconds(30);
inline constexpr absl::Duration kDefaultProbeTimeout = absl::Seconds(30);
inline constexpr absl::Duration kDefaultStartInterval = absl::Seconds(5);
inline constexpr int kDefaultProbeRetries = 3;
inline constexpr size_t kMaxHealthLogEntries = 5;
inline constexpr size_t kMaxProbeOutput = 4096;

// A check as it runs: docker's defaults in place of zeros.
struct HealthProbe {
  // What to exec: CMD's arguments, or /bin/sh -c with CMD-SHELL's.
  std::vector<std::string> args;
  absl::Duration interval;
  absl::Duration timeout;
  absl::Duration start_period;
  absl::Duration start_interval;
  int retries = kDefaultProbeRetries;
};

// The probe of a container; nullopt when it has none (no check, NONE, a
// test without a command or of an unknown type), as docker's getProbe.
std::optional<HealthProbe> ProbeOf(const v1::ContainerSpec& spec);

// The daemon's checks of a HealthConfig, with docker's messages
// ("Interval in Healthcheck cannot be less than 1ms").
absl::Status ValidateHealthConfig(const v1::HealthConfig& config);

// The image config's Healthcheck object (nanosecond durations) and back;
// ToJson leaves out zero fields as docker's omitempty does.
v1::HealthConfig HealthConfigFromJson(const nlohmann::json& json);
nlohmann::json HealthConfigToJson(const v1::HealthConfig& config);

// docker's merge of the image's check under the container's: with no
// check of its own the container takes the image's; otherwise each unset
// field (empty test, zero duration or retries) comes from the image.
void MergeHealthConfig(const nlohmann::json& image_config, v1::ContainerSpec* spec);

// At each start of a container with a probe: starting, no failures; the
// log of earlier runs is kept (docker's initHealthMonitor).
void ResetHealthForStart(v1::State* state);

// Adds a probe's result: the log keeps the last 5, a success makes it
// healthy, a failure counts (unless the container is starting and the
// probe began within the start period) and `retries` failures in a row
// make it unhealthy. Returns true when the status changed.
bool RecordProbeResult(const v1::HealthcheckResult& result, const HealthProbe& probe,
                       v1::State* state);

// The wait before the next probe: the start interval while the container
// is starting within its start period, the interval otherwise.
absl::Duration NextProbeDelay(const v1::State& state, const HealthProbe& probe, absl::Time now);

// A probe's stdout and stderr up to 4096 bytes; "..." marks a cut.
class ProbeOutput {
 public:
  void Append(const std::string& data);
  std::string Text() const { return truncated_ ? text_ + "..." : text_; }
  bool empty() const { return text_.empty(); }

 private:
  std::string text_;
  bool truncated_ = false;
};

// Go's time.Duration.String(): "30s", "200ms", "1m30s", "1h0m0s".
std::string GoDuration(absl::Duration duration);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_HEALTH_H_
