#include "cli/template_printf.h"

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/template_value.h"

namespace berth::cli::gotmpl {
namespace {

struct Spec {
  bool minus = false;
  bool plus = false;
  bool space = false;
  bool zero = false;
  bool sharp = false;
  int width = -1;
  int precision = -1;
  char verb = 'v';
};

size_t RuneCount(absl::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

std::string Pad(std::string text, const Spec& spec) {
  size_t runes = RuneCount(text);
  if (spec.width < 0 || runes >= static_cast<size_t>(spec.width)) return text;
  std::string fill(static_cast<size_t>(spec.width) - runes, spec.zero && !spec.minus ? '0' : ' ');
  return spec.minus ? text + fill : fill + text;
}

// A printf conversion spec for C's snprintf from Go's flags.
std::string CSpec(const Spec& spec, absl::string_view conversion) {
  std::string out = "%";
  if (spec.minus) out += '-';
  if (spec.plus) out += '+';
  if (spec.space) out += ' ';
  if (spec.zero) out += '0';
  if (spec.sharp) out += '#';
  if (spec.width >= 0) absl::StrAppend(&out, spec.width);
  if (spec.precision >= 0) absl::StrAppend(&out, ".", spec.precision);
  return absl::StrCat(out, conversion);
}

template <typename T>
std::string CFormat(const std::string& c_spec, T value) {
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer), c_spec.c_str(), value);
  return buffer;
}

std::string BadVerb(const Spec& spec, const nlohmann::json& arg) {
  if (arg.is_null()) return absl::StrCat("%!", std::string(1, spec.verb), "(<nil>)");
  return absl::StrCat("%!", std::string(1, spec.verb), "(", GoTypeName(arg), "=", FormatValue(arg), ")");
}

unsigned long long Magnitude(int64_t value) {
  return value < 0 ? 0ULL - static_cast<unsigned long long>(value) : static_cast<unsigned long long>(value);
}

std::string FormatInteger(int64_t value, const Spec& spec, const nlohmann::json& arg) {
  switch (spec.verb) {
    case 'v':
    case 'd':
      return CFormat(CSpec(spec, "lld"), static_cast<long long>(value));
    case 'x':
    case 'X':
    case 'o': {
      // C prints negative numbers in two's complement; Go prints a sign.
      std::string digits = CFormat(CSpec(Spec{}, std::string("ll") + spec.verb), Magnitude(value));
      if (spec.sharp) digits = (spec.verb == 'o' ? "0" : spec.verb == 'x' ? "0x" : "0X") + digits;
      return Pad(absl::StrCat(value < 0 ? "-" : spec.plus ? "+" : "", digits), spec);
    }
    case 'b': {
      unsigned long long magnitude = Magnitude(value);
      std::string digits;
      do {
        digits.insert(digits.begin(), static_cast<char>('0' + (magnitude & 1)));
        magnitude >>= 1;
      } while (magnitude != 0);
      return Pad(absl::StrCat(value < 0 ? "-" : "", digits), spec);
    }
    case 'c': {
      std::string text;
      AppendUtf8(static_cast<uint32_t>(value), &text);
      return Pad(text, spec);
    }
    case 'q': {
      std::string text;
      AppendUtf8(static_cast<uint32_t>(value), &text);
      return Pad(absl::StrCat("'", text, "'"), spec);
    }
    case 'U':
      return Pad(absl::StrFormat("U+%04X", value), spec);
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
      // Go would refuse an int here; JSON numbers do not say whether docker
      // held them as int or float, so take them as the verb asks.
      return CFormat(CSpec(spec, std::string(1, spec.verb)), static_cast<double>(value));
    default:
      return BadVerb(spec, arg);
  }
}

std::string FormatFloat(double value, const Spec& spec, const nlohmann::json& arg) {
  switch (spec.verb) {
    case 'v':
    case 'g':
    case 'G':
      if (spec.precision < 0) {
        std::string text = FormatGoFloat(value);
        if (spec.plus && value >= 0) text = "+" + text;
        if (spec.verb == 'G') text = absl::AsciiStrToUpper(text);
        return Pad(text, spec);
      }
      return CFormat(CSpec(spec, spec.verb == 'v' ? "g" : std::string(1, spec.verb)), value);
    case 'f':
    case 'F':
    case 'e':
    case 'E':
      return CFormat(CSpec(spec, std::string(1, spec.verb)), value);
    case 'd': {
      int64_t integer = 0;
      if (AsInteger(arg, &integer)) return FormatInteger(integer, spec, arg);
      return BadVerb(spec, arg);
    }
    default:
      return BadVerb(spec, arg);
  }
}

std::string FormatString(const std::string& value, const Spec& spec, const nlohmann::json& arg) {
  switch (spec.verb) {
    case 'v':
    case 's': {
      std::string text = value;
      if (spec.precision >= 0) {
        // Precision counts characters, not bytes.
        size_t runes = 0, end = 0;
        for (; end < text.size(); ++end) {
          if ((static_cast<unsigned char>(text[end]) & 0xC0) != 0x80 &&
              runes++ == static_cast<size_t>(spec.precision)) {
            break;
          }
        }
        text.resize(end);
      }
      return Pad(text, spec);
    }
    case 'q':
      return Pad(GoQuote(value), spec);
    case 'x':
    case 'X': {
      std::string hex;
      for (unsigned char c : value) hex += absl::StrFormat(spec.verb == 'x' ? "%02x" : "%02X", c);
      return Pad(hex, spec);
    }
    default:
      return BadVerb(spec, arg);
  }
}

std::string FormatOne(const nlohmann::json& arg, const Spec& spec) {
  if (arg.is_array() && spec.verb != 'v') {
    // Go applies the verb to each element.
    std::string out = "[";
    for (size_t i = 0; i < arg.size(); ++i) {
      if (i > 0) out += ' ';
      out += FormatOne(arg[i], spec);
    }
    return out + "]";
  }
  if (arg.is_object() && spec.verb != 'v') {
    std::string out = "map[";
    bool first = true;
    for (const auto& [key, item] : arg.items()) {
      if (!first) out += ' ';
      first = false;
      absl::StrAppend(&out, FormatString(key, spec, key), ":", FormatOne(item, spec));
    }
    return out + "]";
  }
  int64_t integer = 0;
  switch (arg.type()) {
    case nlohmann::json::value_t::string:
      return FormatString(arg.get_ref<const std::string&>(), spec, arg);
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      if (!AsInteger(arg, &integer)) return Pad(FormatValue(arg), spec);  // beyond int64
      return FormatInteger(integer, spec, arg);
    case nlohmann::json::value_t::number_float:
      return FormatFloat(arg.get<double>(), spec, arg);
    case nlohmann::json::value_t::boolean:
      if (spec.verb == 'v' || spec.verb == 't') return Pad(FormatValue(arg), spec);
      return BadVerb(spec, arg);
    default:
      if (spec.verb == 'v') return Pad(FormatValue(arg), spec);
      return BadVerb(spec, arg);
  }
}

}  // namespace

std::string GoSprint(const std::vector<nlohmann::json>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0 && !args[i].is_string() && !args[i - 1].is_string()) out += ' ';
    out += FormatValue(args[i]);
  }
  return out;
}

std::string GoSprintln(const std::vector<nlohmann::json>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ' ';
    out += FormatValue(args[i]);
  }
  return out + "\n";
}

std::string GoSprintf(absl::string_view format, const std::vector<nlohmann::json>& args) {
  std::string out;
  size_t next_arg = 0;
  size_t i = 0;
  while (i < format.size()) {
    if (format[i] != '%') {
      out += format[i++];
      continue;
    }
    ++i;
    Spec spec;
    for (; i < format.size(); ++i) {
      char flag = format[i];
      if (flag == '-') {
        spec.minus = true;
      } else if (flag == '+') {
        spec.plus = true;
      } else if (flag == ' ') {
        spec.space = true;
      } else if (flag == '0') {
        spec.zero = true;
      } else if (flag == '#') {
        spec.sharp = true;
      } else {
        break;
      }
    }
    auto read_number = [&]() {
      int number = -1;
      while (i < format.size() && absl::ascii_isdigit(static_cast<unsigned char>(format[i]))) {
        number = (number < 0 ? 0 : number * 10) + (format[i++] - '0');
        if (number > 1000) number = 1000;  // a typo must not ask for gigabytes
      }
      return number;
    };
    spec.width = read_number();
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = std::max(read_number(), 0);
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    spec.verb = format[i++];
    if (spec.verb == '%') {
      out += '%';
      continue;
    }
    if (next_arg >= args.size()) {
      absl::StrAppend(&out, "%!", std::string(1, spec.verb), "(MISSING)");
      continue;
    }
    out += FormatOne(args[next_arg++], spec);
  }
  if (next_arg < args.size()) {
    out += "%!(EXTRA ";
    for (size_t extra = next_arg; extra < args.size(); ++extra) {
      if (extra > next_arg) out += ", ";
      absl::StrAppend(&out, GoTypeName(args[extra]), "=", FormatValue(args[extra]));
    }
    out += ")";
  }
  return out;
}

}  // namespace berth::cli::gotmpl
