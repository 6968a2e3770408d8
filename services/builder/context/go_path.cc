#include "services/builder/context/go_path.h"

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace berth::buildcontext {
namespace {

absl::Status BadPattern(absl::string_view pattern) {
  return absl::InvalidArgumentError(absl::StrCat("syntax error in pattern \"", pattern, "\""));
}

// One UTF-8 sequence of s as a code point and its length; an invalid byte is
// U+FFFD of length 1, as Go's utf8.DecodeRuneInString has it.
std::pair<uint32_t, size_t> DecodeRune(absl::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(0);
  if (b0 < 0x80) return {b0, 1};
  size_t length = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
  if (length == 0 || s.size() < length) return {0xFFFD, 1};
  uint32_t rune = b0 & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return {0xFFFD, 1};
    rune = (rune << 6) | (byte(i) & 0x3F);
  }
  return {rune, length};
}

struct Chunk {
  bool star = false;
  absl::string_view chunk;
  absl::string_view rest;
};

Chunk ScanChunk(absl::string_view pattern) {
  Chunk out;
  while (!pattern.empty() && pattern[0] == '*') {
    pattern.remove_prefix(1);
    out.star = true;
  }
  bool in_range = false;
  size_t i = 0;
  for (; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      if (i + 1 < pattern.size()) ++i;
    } else if (c == '[') {
      in_range = true;
    } else if (c == ']') {
      in_range = false;
    } else if (c == '*' && !in_range) {
      break;
    }
  }
  out.chunk = pattern.substr(0, i);
  out.rest = pattern.substr(i);
  return out;
}

// Go's getEsc: one possibly escaped character of a class.
bool GetEscaped(absl::string_view* chunk, uint32_t* rune) {
  if (chunk->empty() || (*chunk)[0] == '-' || (*chunk)[0] == ']') return false;
  if ((*chunk)[0] == '\\') {
    chunk->remove_prefix(1);
    if (chunk->empty()) return false;
  }
  auto [r, n] = DecodeRune(*chunk);
  if (r == 0xFFFD && n == 1 && static_cast<unsigned char>((*chunk)[0]) >= 0x80) return false;
  *rune = r;
  chunk->remove_prefix(n);
  return !chunk->empty();
}

// Go's matchChunk: matches chunk at the start of s; on success *rest is what
// is left of s. Returns false with *bad set for a malformed chunk.
bool MatchChunk(absl::string_view chunk, absl::string_view s, absl::string_view* rest, bool* bad) {
  bool failed = false;
  while (!chunk.empty()) {
    if (!failed && s.empty()) failed = true;
    char c = chunk[0];
    if (c == '[') {
      uint32_t r = 0;
      if (!failed) {
        auto [decoded, n] = DecodeRune(s);
        r = decoded;
        s.remove_prefix(n);
      }
      chunk.remove_prefix(1);
      bool negated = false;
      if (!chunk.empty() && chunk[0] == '^') {
        negated = true;
        chunk.remove_prefix(1);
      }
      bool match = false;
      int ranges = 0;
      for (;;) {
        if (!chunk.empty() && chunk[0] == ']' && ranges > 0) {
          chunk.remove_prefix(1);
          break;
        }
        uint32_t lo = 0;
        if (!GetEscaped(&chunk, &lo)) {
          *bad = true;
          return false;
        }
        uint32_t hi = lo;
        if (chunk[0] == '-') {
          chunk.remove_prefix(1);
          if (!GetEscaped(&chunk, &hi)) {
            *bad = true;
            return false;
          }
        }
        if (lo <= r && r <= hi) match = true;
        ++ranges;
      }
      if (match == negated) failed = true;
    } else if (c == '?') {
      if (!failed) {
        if (s[0] == '/') failed = true;
        s.remove_prefix(DecodeRune(s).second);
      }
      chunk.remove_prefix(1);
    } else {
      if (c == '\\') {
        chunk.remove_prefix(1);
        if (chunk.empty()) {
          *bad = true;
          return false;
        }
      }
      if (!failed) {
        if (chunk[0] != s[0]) failed = true;
        s.remove_prefix(1);
      }
      chunk.remove_prefix(1);
    }
  }
  if (failed) return false;
  *rest = s;
  return true;
}

}  // namespace

std::string GoClean(absl::string_view path) {
  if (path.empty()) return ".";
  bool rooted = path[0] == '/';
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string joined = absl::StrJoin(parts, "/");
  if (rooted) return "/" + joined;
  return joined.empty() ? "." : joined;
}

bool LeavesItsRoot(absl::string_view cleaned) {
  return cleaned == ".." || cleaned.substr(0, 3) == "../";
}

absl::StatusOr<bool> GoMatch(absl::string_view pattern, absl::string_view name) {
  const absl::string_view whole = pattern;
  while (!pattern.empty()) {
    Chunk scanned = ScanChunk(pattern);
    pattern = scanned.rest;
    if (scanned.star && scanned.chunk.empty()) {
      return name.find('/') == absl::string_view::npos;
    }
    absl::string_view rest;
    bool bad = false;
    if (MatchChunk(scanned.chunk, name, &rest, &bad) && (rest.empty() || !pattern.empty())) {
      name = rest;
      continue;
    }
    if (bad) return BadPattern(whole);
    bool matched_later = false;
    if (scanned.star) {
      for (size_t i = 0; i < name.size() && name[i] != '/'; ++i) {
        if (MatchChunk(scanned.chunk, name.substr(i + 1), &rest, &bad)) {
          if (pattern.empty() && !rest.empty()) continue;
          name = rest;
          matched_later = true;
          break;
        }
        if (bad) return BadPattern(whole);
      }
    }
    if (matched_later) continue;
    // Go checks the rest of the pattern before answering "no match".
    while (!pattern.empty()) {
      Chunk next = ScanChunk(pattern);
      pattern = next.rest;
      MatchChunk(next.chunk, "", &rest, &bad);
      if (bad) return BadPattern(whole);
    }
    return false;
  }
  return name.empty();
}

}  // namespace berth::buildcontext
