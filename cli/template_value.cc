#include "cli/template_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace berth::cli::gotmpl {

Value Value::Of(const nlohmann::json& json) {
  Value value;
  value.json_ = &json;
  return value;
}

Value Value::Own(nlohmann::json json) {
  Value value;
  value.owned_ = std::make_shared<const nlohmann::json>(std::move(json));
  value.json_ = value.owned_.get();
  return value;
}

Value Value::Part(const nlohmann::json& part) const {
  Value value;
  value.owned_ = owned_;
  value.json_ = &part;
  return value;
}

Value Value::As(GoKind kind) const {
  Value value = *this;
  value.kind_ = kind;
  return value;
}

const nlohmann::json& Value::json() const {
  static const nlohmann::json kNull;
  return json_ == nullptr ? kNull : *json_;
}

bool IsTrue(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::boolean:
      return json.get<bool>();
    case nlohmann::json::value_t::number_integer:
      return json.get<int64_t>() != 0;
    case nlohmann::json::value_t::number_unsigned:
      return json.get<uint64_t>() != 0;
    case nlohmann::json::value_t::number_float:
      return json.get<double>() != 0;
    case nlohmann::json::value_t::string:
      return !json.get_ref<const std::string&>().empty();
    case nlohmann::json::value_t::array:
    case nlohmann::json::value_t::object:
      return !json.empty();
    default:
      return false;
  }
}

std::string GoTypeName(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::boolean:
      return "bool";
    case nlohmann::json::value_t::number_integer:
      return "int";
    case nlohmann::json::value_t::number_unsigned:
      // nlohmann reads every non-negative integer as unsigned.
      return json.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? "uint64" : "int";
    case nlohmann::json::value_t::number_float:
      return "float64";
    case nlohmann::json::value_t::string:
      return "string";
    case nlohmann::json::value_t::array:
      return "[]interface {}";
    case nlohmann::json::value_t::object:
      return "map[string]interface {}";
    default:
      return "<nil>";
  }
}

std::string FormatGoFloat(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // The shortest digits that read back exactly, as d.ddde±XX.
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string scientific(buffer, result.ptr);
  bool negative = scientific[0] == '-';
  if (negative) scientific.erase(0, 1);
  size_t e = scientific.find('e');
  std::string digits = scientific.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  int exponent = std::atoi(scientific.c_str() + e + 1);
  std::string out = negative ? "-" : "";
  // strconv's %g with shortest precision switches to an exponent below 1e-4
  // and from 1e+06 (precision 6 decides when the digits are shortest).
  if (exponent < -4 || exponent >= 6) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) absl::StrAppend(&out, ".", digits.substr(1));
    absl::StrAppend(&out, exponent < 0 ? "e-" : "e+", absl::StrFormat("%02d", std::abs(exponent)));
    return out;
  }
  if (exponent < 0) return absl::StrCat(out, "0.", std::string(-exponent - 1, '0'), digits);
  size_t integer_digits = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= integer_digits) return absl::StrCat(out, digits, std::string(integer_digits - digits.size(), '0'));
  return absl::StrCat(out, digits.substr(0, integer_digits), ".", digits.substr(integer_digits));
}

std::string FormatValue(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::null:
      return "<nil>";
    case nlohmann::json::value_t::boolean:
      return json.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::number_integer:
      return absl::StrCat(json.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return absl::StrCat(json.get<uint64_t>());
    case nlohmann::json::value_t::number_float:
      return FormatGoFloat(json.get<double>());
    case nlohmann::json::value_t::string:
      return json.get<std::string>();
    case nlohmann::json::value_t::array:
      return absl::StrCat(
          "[", absl::StrJoin(json, " ", [](std::string* out, const nlohmann::json& item) {
            out->append(FormatValue(item));
          }),
          "]");
    case nlohmann::json::value_t::object: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [key, item] : json.items()) {
        if (!first) out += ' ';
        first = false;
        absl::StrAppend(&out, key, ":", FormatValue(item));
      }
      return out + "]";
    }
    default:
      return json.dump();
  }
}

std::string GoQuote(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += absl::StrFormat("\\x%02x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

void AppendUtf8(uint32_t code, std::string* out) {
  if (code < 0x80) {
    *out += static_cast<char>(code);
  } else if (code < 0x800) {
    *out += static_cast<char>(0xC0 | (code >> 6));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    *out += static_cast<char>(0xE0 | (code >> 12));
    *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | ((code >> 18) & 0x07));
    *out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

bool AsInteger(const nlohmann::json& json, int64_t* out) {
  if (json.is_number_integer()) {
    if (json.is_number_unsigned() &&
        json.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return false;
    }
    *out = json.get<int64_t>();
    return true;
  }
  if (json.is_number_float()) {
    double value = json.get<double>();
    if (value != std::trunc(value) || std::fabs(value) > 9.2e18) return false;
    *out = static_cast<int64_t>(value);
    return true;
  }
  return false;
}

}  // namespace berth::cli::gotmpl
