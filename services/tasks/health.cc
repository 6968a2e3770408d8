#include "services/tasks/health.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "services/tasks/time_util.h"

namespace berth::tasks {
namespace {

absl::Duration OrDefault(int64_t nanos, absl::Duration fallback) {
  return nanos == 0 ? fallback : absl::Nanoseconds(nanos);
}

int64_t JsonNanos(const nlohmann::json& json, const char* key) {
  auto it = json.find(key);
  return it != json.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// Go's fmtFrac + fmtInt: v as an integer part and up to `precision`
// fraction digits without trailing zeros.
std::string Fraction(uint64_t v, int precision) {
  uint64_t scale = 1;
  for (int i = 0; i < precision; ++i) scale *= 10;
  std::string out = std::to_string(v / scale);
  std::string digits = std::to_string(v % scale);
  digits.insert(0, static_cast<size_t>(precision) - digits.size(), '0');
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  if (!digits.empty()) absl::StrAppend(&out, ".", digits);
  return out;
}

}  // namespace

std::optional<HealthProbe> ProbeOf(const v1::ContainerSpec& spec) {
  if (!spec.has_healthcheck()) return std::nullopt;
  const v1::HealthConfig& config = spec.healthcheck();
  if (config.test_size() < 2) return std::nullopt;
  HealthProbe probe;
  if (config.test(0) == "CMD-SHELL") {
    probe.args = {"/bin/sh", "-c"};
  } else if (config.test(0) != "CMD") {
    return std::nullopt;
  }
  probe.args.insert(probe.args.end(), config.test().begin() + 1, config.test().end());
  probe.interval = OrDefault(config.interval_ns(), kDefaultProbeInterval);
  probe.timeout = OrDefault(config.timeout_ns(), kDefaultProbeTimeout);
  probe.start_period = OrDefault(config.start_period_ns(), absl::ZeroDuration());
  probe.start_interval = OrDefault(config.start_interval_ns(), kDefaultStartInterval);
  probe.retries = config.retries() > 0 ? config.retries() : kDefaultProbeRetries;
  return probe;
}

absl::Status ValidateHealthConfig(const v1::HealthConfig& config) {
  constexpr int64_t kMinimum = 1000000;  // docker's MinimumDuration, 1ms
  for (const auto& [name, nanos] : {std::pair<const char*, int64_t>{"Interval", config.interval_ns()},
                                    {"Timeout", config.timeout_ns()}}) {
    if (nanos != 0 && nanos < kMinimum) {
      return absl::InvalidArgumentError(absl::StrCat(name, " in Healthcheck cannot be less than 1ms"));
    }
  }
  if (config.retries() < 0) {
    return absl::InvalidArgumentError("Retries in Healthcheck cannot be negative");
  }
  for (const auto& [name, nanos] :
       {std::pair<const char*, int64_t>{"StartPeriod", config.start_period_ns()},
        {"StartInterval", config.start_interval_ns()}}) {
    if (nanos != 0 && nanos < kMinimum) {
      return absl::InvalidArgumentError(absl::StrCat(name, " in Healthcheck cannot be less than 1ms"));
    }
  }
  return absl::OkStatus();
}

v1::HealthConfig HealthConfigFromJson(const nlohmann::json& json) {
  v1::HealthConfig config;
  if (!json.is_object()) return config;
  if (auto test = json.find("Test"); test != json.end() && test->is_array()) {
    for (const auto& item : *test) {
      if (item.is_string()) config.add_test(item.get<std::string>());
    }
  }
  config.set_interval_ns(JsonNanos(json, "Interval"));
  config.set_timeout_ns(JsonNanos(json, "Timeout"));
  config.set_start_period_ns(JsonNanos(json, "StartPeriod"));
  config.set_start_interval_ns(JsonNanos(json, "StartInterval"));
  config.set_retries(static_cast<int32_t>(JsonNanos(json, "Retries")));
  return config;
}

nlohmann::json HealthConfigToJson(const v1::HealthConfig& config) {
  nlohmann::json json = nlohmann::json::object();
  if (config.test_size() > 0) {
    json["Test"] = std::vector<std::string>(config.test().begin(), config.test().end());
  }
  if (config.interval_ns() != 0) json["Interval"] = config.interval_ns();
  if (config.timeout_ns() != 0) json["Timeout"] = config.timeout_ns();
  if (config.start_period_ns() != 0) json["StartPeriod"] = config.start_period_ns();
  if (config.start_interval_ns() != 0) json["StartInterval"] = config.start_interval_ns();
  if (config.retries() != 0) json["Retries"] = config.retries();
  return json;
}

void MergeHealthConfig(const nlohmann::json& image_config, v1::ContainerSpec* spec) {
  auto it = image_config.find("Healthcheck");
  if (it == image_config.end() || !it->is_object()) return;
  v1::HealthConfig image = HealthConfigFromJson(*it);
  if (!spec->has_healthcheck()) {
    *spec->mutable_healthcheck() = image;
    return;
  }
  v1::HealthConfig* own = spec->mutable_healthcheck();
  if (own->test_size() == 0) *own->mutable_test() = image.test();
  if (own->interval_ns() == 0) own->set_interval_ns(image.interval_ns());
  if (own->timeout_ns() == 0) own->set_timeout_ns(image.timeout_ns());
  if (own->start_period_ns() == 0) own->set_start_period_ns(image.start_period_ns());
  if (own->start_interval_ns() == 0) own->set_start_interval_ns(image.start_interval_ns());
  if (own->retries() == 0) own->set_retries(image.retries());
}

void ResetHealthForStart(v1::State* state) {
  state->set_health("starting");
  state->set_health_failing_streak(0);
}

bool RecordProbeResult(const v1::HealthcheckResult& result, const HealthProbe& probe,
                       v1::State* state) {
  const std::string before = state->health();
  auto* log = state->mutable_health_log();
  *log->Add() = result;
  while (static_cast<size_t>(log->size()) > kMaxHealthLogEntries) log->erase(log->begin());
  if (result.exit_code() == 0) {
    state->set_health_failing_streak(0);
    state->set_health("healthy");
  } else {
    // Until a probe succeeds, failures of probes begun in the start period
    // do not count.
    bool counts = true;
    if (state->health() == "starting") {
      counts = FromProto(result.start()) - FromProto(state->started_at()) >= probe.start_period;
    }
    if (counts) {
      state->set_health_failing_streak(state->health_failing_streak() + 1);
      if (state->health_failing_streak() >= probe.retries) state->set_health("unhealthy");
    }
  }
  return state->health() != before;
}

absl::Duration NextProbeDelay(const v1::State& state, const HealthProbe& probe, absl::Time now) {
  if (now - FromProto(state.started_at()) >= probe.start_period) return probe.interval;
  return state.health() == "starting" ? probe.start_interval : probe.interval;
}

void ProbeOutput::Append(const std::string& data) {
  size_t room = kMaxProbeOutput - text_.size();
  text_.append(data, 0, std::min(room, data.size()));
  if (data.size() > room) truncated_ = true;
}

std::string GoDuration(absl::Duration duration) {
  int64_t nanos = absl::ToInt64Nanoseconds(duration);
  if (nanos == 0) return "0s";
  std::string sign = nanos < 0 ? "-" : "";
  uint64_t u = nanos < 0 ? static_cast<uint64_t>(-(nanos + 1)) + 1 : static_cast<uint64_t>(nanos);
  if (u < 1000) return absl::StrCat(sign, u, "ns");
  if (u < 1000000) return absl::StrCat(sign, Fraction(u, 3), "µs");
  if (u < 1000000000) return absl::StrCat(sign, Fraction(u, 6), "ms");
  std::string out = Fraction(u % 60000000000ULL, 9) + "s";
  uint64_t minutes = u / 60000000000ULL;
  if (minutes > 0) {
    out = absl::StrCat(minutes % 60, "m", out);
    if (minutes >= 60) out = absl::StrCat(minutes / 60, "h", out);
  }
  return sign + out;
}

}  // namespace berth::tasks
