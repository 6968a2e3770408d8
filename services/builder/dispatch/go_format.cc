#include "services/builder/dispatch/go_format.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace berth::builder {
namespace {

constexpr int32_t kRuneError = 0xFFFD;

// Decodes one UTF-8 sequence at `pos`; kRuneError with size 1 when invalid,
// as Go's utf8.DecodeRuneInString.
int32_t DecodeRune(const std::string& text, size_t pos, size_t* size) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(pos);
  *size = 1;
  if (lead < 0x80) return lead;
  size_t length = 0;
  int32_t rune = 0;
  int32_t minimum = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, rune = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, rune = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, rune = lead & 0x07, minimum = 0x10000;
  } else {
    return kRuneError;
  }
  if (pos + length > text.size()) return kRuneError;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return kRuneError;
    rune = (rune << 6) | (byte(pos + i) & 0x3F);
  }
  if (rune < minimum || rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) {
    return kRuneError;
  }
  *size = length;
  return rune;
}

std::string EncodeRune(int32_t rune) {
  std::string out;
  if (rune < 0x80) {
    out += static_cast<char>(rune);
  } else if (rune < 0x800) {
    out += static_cast<char>(0xC0 | (rune >> 6));
    out += static_cast<char>(0x80 | (rune & 0x3F));
  } else if (rune < 0x10000) {
    out += static_cast<char>(0xE0 | (rune >> 12));
    out += static_cast<char>(0x80 | ((rune >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (rune & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (rune >> 18));
    out += static_cast<char>(0x80 | ((rune >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((rune >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (rune & 0x3F));
  }
  return out;
}

// Go's strconv.IsPrint, approximated outside ASCII: controls, spaces other
// than ' ', format characters and non-characters are not printable;
// unassigned code points are taken as printable (Go's tables would say
// otherwise, history strings are almost always ASCII).
bool IsPrint(int32_t rune) {
  if (rune < 0x80) return rune >= 0x20 && rune < 0x7F;
  if (rune <= 0xA0 || rune == 0xAD || rune == 0x1680 || rune == 0x3000 ||
      rune == 0xFEFF || rune == 0xFFFE || rune == 0xFFFF) {
    return false;
  }
  if ((rune >= 0x2000 && rune <= 0x200F) || (rune >= 0x2028 && rune <= 0x202F) ||
      (rune >= 0x205F && rune <= 0x206F) || (rune >= 0xFFF9 && rune <= 0xFFFB)) {
    return false;
  }
  return true;
}

std::string Hex(const char* format, int32_t value) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

// Go's appendEscapedRune for one decoded rune inside `quote`.
void AppendEscaped(std::string& out, int32_t rune, char quote) {
  if (rune == quote || rune == '\\') {
    out += '\\';
    out += static_cast<char>(rune);
    return;
  }
  if (IsPrint(rune)) {
    out += EncodeRune(rune);
    return;
  }
  switch (rune) {
    case '\a': out += "\\a"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    case '\v': out += "\\v"; return;
    default: break;
  }
  if (rune < ' ' || rune == 0x7F) {
    out += Hex("\\x%02x", rune);
  } else if (rune < 0x10000) {
    out += Hex("\\u%04x", rune);
  } else {
    out += Hex("\\U%08x", rune);
  }
}

std::string Fraction(uint64_t value, int precision) {
  uint64_t scale = 1;
  for (int i = 0; i < precision; ++i) scale *= 10;
  std::string digits;
  uint64_t fraction = value % scale;
  for (int i = 0; i < precision; ++i) {
    digits.insert(digits.begin(), static_cast<char>('0' + fraction % 10));
    fraction /= 10;
  }
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  std::string out = absl::StrCat(value / scale);
  if (!digits.empty()) absl::StrAppend(&out, ".", digits);
  return out;
}

}  // namespace

std::string GoQuote(const std::string& text) {
  std::string out = "\"";
  for (size_t pos = 0; pos < text.size();) {
    size_t size = 1;
    int32_t rune = DecodeRune(text, pos, &size);
    if (rune == kRuneError && size == 1 &&
        static_cast<unsigned char>(text[pos]) >= 0x80) {
      out += Hex("\\x%02x", static_cast<unsigned char>(text[pos]));
    } else {
      AppendEscaped(out, rune, '"');
    }
    pos += size;
  }
  return out + "\"";
}

std::string GoQuoteRune(int64_t rune) {
  int32_t value = kRuneError;
  if (rune >= 0 && rune <= 0x10FFFF && !(rune >= 0xD800 && rune <= 0xDFFF)) {
    value = static_cast<int32_t>(rune);
  }
  std::string out = "'";
  AppendEscaped(out, value, '\'');
  return out + "'";
}

std::string GoQuotedList(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  quoted.reserve(items.size());
  for (const std::string& item : items) quoted.push_back(GoQuote(item));
  return absl::StrCat("[", absl::StrJoin(quoted, " "), "]");
}

std::string GoPlainList(const std::vector<std::string>& items) {
  return absl::StrCat("[", absl::StrJoin(items, " "), "]");
}

std::string GoDuration(int64_t nanoseconds) {
  if (nanoseconds == 0) return "0s";
  const char* sign = nanoseconds < 0 ? "-" : "";
  uint64_t u = nanoseconds < 0 ? ~static_cast<uint64_t>(nanoseconds) + 1
                               : static_cast<uint64_t>(nanoseconds);
  if (u < 1000) return absl::StrCat(sign, u, "ns");
  if (u < 1000000) return absl::StrCat(sign, Fraction(u, 3), "µs");
  if (u < 1000000000) return absl::StrCat(sign, Fraction(u, 6), "ms");
  constexpr uint64_t kMinute = 60000000000ULL;
  std::string out = Fraction(u % kMinute, 9) + "s";
  uint64_t minutes = u / kMinute;
  if (minutes > 0) {
    out = absl::StrCat(minutes % 60, "m", out);
    if (minutes >= 60) out = absl::StrCat(minutes / 60, "h", out);
  }
  return sign + out;
}

std::string GoPathClean(const std::string& path) {
  if (path.empty()) return ".";
  bool rooted = path[0] == '/';
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.emplace_back("..");
      }
      continue;
    }
    parts.emplace_back(part);
  }
  std::string joined = absl::StrJoin(parts, "/");
  if (rooted) return "/" + joined;
  return joined.empty() ? "." : joined;
}

}  // namespace berth::builder
