#include "services/common/metrics/exposition.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace berth::metrics {
namespace {

std::string EscapeHelp(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeLabelValue(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void AppendSeries(std::string* out, const std::string& name, const Labels& labels,
                  const std::pair<std::string, std::string>* extra, const std::string& value) {
  *out += name;
  if (!labels.empty() || extra != nullptr) {
    *out += '{';
    bool first = true;
    auto append = [&](const std::pair<std::string, std::string>& label) {
      if (!first) *out += ',';
      first = false;
      *out += label.first;
      *out += "=\"";
      *out += EscapeLabelValue(label.second);
      *out += '"';
    };
    for (const auto& label : labels) append(label);
    if (extra != nullptr) append(*extra);
    *out += '}';
  }
  *out += ' ';
  *out += value;
  *out += '\n';
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

}  // namespace

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string RenderText(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& family : families) {
    if (!family.help.empty()) {
      out += "# HELP " + family.name + " " + EscapeHelp(family.help) + "\n";
    }
    out += "# TYPE " + family.name + " " + TypeName(family.type) + "\n";
    for (const Sample& sample : family.samples) {
      if (family.type != MetricType::kHistogram) {
        AppendSeries(&out, family.name, sample.labels, nullptr, FormatValue(sample.value));
        continue;
      }
      for (const auto& [bound, count] : sample.buckets) {
        std::pair<std::string, std::string> le{"le", FormatValue(bound)};
        AppendSeries(&out, family.name + "_bucket", sample.labels, &le,
                     std::to_string(count));
      }
      AppendSeries(&out, family.name + "_sum", sample.labels, nullptr, FormatValue(sample.sum));
      AppendSeries(&out, family.name + "_count", sample.labels, nullptr,
                   std::to_string(sample.count));
    }
  }
  return out;
}

}  // namespace berth::metrics
