#include "services/snapshots/snapshot_filters.h"

#include <re2/re2.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace berth::snapshots {
namespace {

using berth::snapshots::v1::Info;

// A cursor over one filter string.
class Scanner {
 public:
  explicit Scanner(const std::string& text) : text_(text) {}
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  bool Consume(const std::string& token) {
    if (text_.compare(pos_, token.size(), token) != 0) return false;
    pos_ += token.size();
    return true;
  }
  // A quoted string ("..." with \" and \\) or a bare word up to one of stops.
  absl::StatusOr<std::string> Word(const std::string& stops) {
    std::string out;
    if (peek() == '"') {
      ++pos_;
      while (!done() && peek() != '"') {
        if (peek() == '\\' && pos_ + 1 < text_.size()) ++pos_;
        out += text_[pos_++];
      }
      if (!Consume("\"")) return Error("unterminated quoted string");
      return out;
    }
    while (!done() && stops.find(peek()) == std::string::npos) out += text_[pos_++];
    if (out.empty()) return Error("expected a field or value");
    return out;
  }
  absl::Status Error(const std::string& what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid filter '", text_, "': ", what, " at offset ", pos_));
  }

 private:
  const std::string& text_;
  size_t pos_ = 0;
};

std::string KindName(berth::snapshots::v1::Kind kind) {
  switch (kind) {
    case berth::snapshots::v1::VIEW:
      return "view";
    case berth::snapshots::v1::ACTIVE:
      return "active";
    case berth::snapshots::v1::COMMITTED:
      return "committed";
    default:
      return "unknown";
  }
}

}  // namespace

absl::StatusOr<SnapshotFilter> SnapshotFilter::Parse(const std::vector<std::string>& filters) {
  SnapshotFilter parsed;
  for (const std::string& text : filters) {
    Scanner scan(text);
    std::vector<Selector> selectors;
    while (true) {
      Selector selector;
      auto field = scan.Word(".=!~,");
      if (!field.ok()) return field.status();
      selector.field = *field;
      if (selector.field == "labels") {
        if (!scan.Consume(".")) return scan.Error("labels needs a key (labels.\"KEY\")");
        auto key = scan.Word("=!~,");
        if (!key.ok()) return key.status();
        selector.label = *key;
      } else if (selector.field != "name" && selector.field != "parent" &&
                 selector.field != "kind") {
        return absl::InvalidArgumentError(absl::StrCat("invalid filter '", selector.field, "'"));
      }
      for (const char* op : {"==", "!=", "~="}) {
        if (scan.Consume(op)) {
          selector.op = op;
          break;
        }
      }
      if (!selector.op.empty()) {
        auto value = scan.Word(",");
        if (!value.ok()) return value.status();
        selector.value = *value;
        if (selector.op == "~=" && !RE2(selector.value, RE2::Quiet).ok()) {
          return scan.Error(absl::StrCat("bad regular expression \"", selector.value, "\""));
        }
      }
      selectors.push_back(std::move(selector));
      if (scan.done()) break;
      if (!scan.Consume(",")) return scan.Error("expected ',' or an operator (==, !=, ~=)");
    }
    parsed.alternatives_.push_back(std::move(selectors));
  }
  return parsed;
}

bool SnapshotFilter::Holds(const Selector& selector, const Info& info) {
  std::string actual;
  bool present = true;
  if (selector.field == "name") {
    actual = info.name();
  } else if (selector.field == "parent") {
    actual = info.parent();
    present = !actual.empty();
  } else if (selector.field == "kind") {
    actual = KindName(info.kind());
  } else {
    auto it = info.labels().find(selector.label);
    present = it != info.labels().end();
    if (present) actual = it->second;
  }
  if (selector.op.empty()) return present;
  if (selector.op == "==") {
    std::string value = selector.value;
    // containerd spells kinds Active, View, Committed; either spelling.
    if (selector.field == "kind") value = absl::AsciiStrToLower(value);
    return present && actual == value;
  }
  if (selector.op == "!=") {
    std::string value = selector.value;
    if (selector.field == "kind") value = absl::AsciiStrToLower(value);
    return !present || actual != value;
  }
  return present && RE2::PartialMatch(actual, RE2(selector.value, RE2::Quiet));
}

bool SnapshotFilter::Matches(const Info& info) const {
  if (alternatives_.empty()) return true;
  for (const auto& selectors : alternatives_) {
    bool all = true;
    for (const Selector& selector : selectors) all = all && Holds(selector, info);
    if (all) return true;
  }
  return false;
}

}  // namespace berth::snapshots
