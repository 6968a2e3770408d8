#include "services/common/metrics/exposition.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace berth::metrics {
namespace {

// HELP text escapes only backslash and newline; label values also escape
// the double quote that would end them.
void AppendEscaped(std::string* out, const std::string& text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '\n') {
      *out += "\\n";
    } else if (quote && c == '"') {
      *out += "\\\"";
    } else {
      *out += c;
    }
  }
}


// name{labels...,le="bound"} value
void AppendSeries(std::string* out, const std::string& name, const char* suffix,
                  const Labels& labels, const std::string* le, const std::string& value) {
  *out += name;
  *out += suffix;
  if (!labels.empty() || le != nullptr) {
    char separator = '{';
    for (const auto& [label, label_value] : labels) {
      *out += separator;
      *out += label;
      *out += "=\"";
      AppendEscaped(out, label_value, /*quote=*/true);
      *out += '"';
      separator = ',';
    }
    if (le != nullptr) {
      *out += separator;
      *out += "le=\"";
      *out += *le;
      *out += '"';
    }
    *out += '}';
  }
  *out += ' ';
  *out += value;
  *out += '\n';
}

void AppendHistogram(std::string* out, const std::string& name, const Sample& sample) {
  bool has_inf = false;
  for (const auto& [bound, count] : sample.buckets) {
    std::string le = FormatValue(bound);
    AppendSeries(out, name, "_bucket", sample.labels, &le, std::to_string(count));
    has_inf = std::isinf(bound) && bound > 0;
  }
  // Prometheus requires the +Inf bucket; it always equals the count.
  if (!has_inf) {
    std::string le = "+Inf";
    AppendSeries(out, name, "_bucket", sample.labels, &le, std::to_string(sample.count));
  }
  AppendSeries(out, name, "_sum", sample.labels, nullptr, FormatValue(sample.sum));
  AppendSeries(out, name, "_count", sample.labels, nullptr, std::to_string(sample.count));
}

}  // namespace

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Below 2^53 every integer is exact: print it plainly ("1000000", not
  // "1e+06"). Larger ones would show digits the double does not hold.
  constexpr double kExactIntegers = 9007199254740992.0;
  if (value == std::trunc(value) && std::fabs(value) < kExactIntegers) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string RenderText(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& family : families) {
    if (!family.help.empty()) {
      out += "# HELP " + family.name + " ";
      AppendEscaped(&out, family.help, /*quote=*/false);
      out += '\n';
    }
    out += "# TYPE " + family.name + " " + TypeName(family.type) + "\n";
    for (const Sample& sample : family.samples) {
      if (family.type == MetricType::kHistogram) {
        AppendHistogram(&out, family.name, sample);
      } else {
        AppendSeries(&out, family.name, "", sample.labels, nullptr, FormatValue(sample.value));
      }
    }
  }
  return out;
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace berth::metrics
