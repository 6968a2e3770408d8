#include "services/tasks/detach_keys.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace berth::tasks {

absl::StatusOr<std::string> ParseDetachKeys(const std::string& keys) {
  if (keys.empty()) return ParseDetachKeys(kDefaultDetachKeys);
  auto invalid = [&keys] {
    return absl::InvalidArgumentError(absl::StrCat("Invalid detach keys (", keys, ") provided"));
  };
  std::string sequence;
  for (absl::string_view part : absl::StrSplit(keys, ',')) {
    std::string key(absl::StripAsciiWhitespace(part));
    if (key.size() == 1) {
      sequence.push_back(key[0]);
      continue;
    }
    key = absl::AsciiStrToLower(key);
    if (key.size() != 6 || key.compare(0, 5, "ctrl-") != 0) return invalid();
    char c = key[5];
    if (c >= 'a' && c <= 'z') {
      sequence.push_back(static_cast<char>(c - 'a' + 1));
      continue;
    }
    switch (c) {
      case '@':
        sequence.push_back('\0');
        break;
      case '[':
        sequence.push_back(27);
        break;
      case '\\':
        sequence.push_back(28);
        break;
      case ']':
        sequence.push_back(29);
        break;
      case '^':
        sequence.push_back(30);
        break;
      case '_':
        sequence.push_back(31);
        break;
      default:
        return invalid();
    }
  }
  if (sequence.empty()) return invalid();
  return sequence;
}

std::string DetachKeyFilter::Feed(std::string_view data) {
  std::string out;
  for (char c : data) {
    if (detached_) break;
    if (c == sequence_[matched_]) {
      if (++matched_ == sequence_.size()) detached_ = true;
      continue;
    }
    // Not the sequence after all: what was held back goes through, and
    // this byte may start the sequence again.
    out.append(sequence_, 0, matched_);
    matched_ = 0;
    if (c == sequence_[0]) {
      if (++matched_ == sequence_.size()) detached_ = true;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace berth::tasks
