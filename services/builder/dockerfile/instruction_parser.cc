#include "services/builder/dockerfile/instruction_parser.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "services/builder/dockerfile/instruction_flags.h"
#include "services/builder/dockerfile/line_words.h"

namespace berth::builder {
namespace {

enum class JsonArray { kNo, kYes, kNotStrings };

// docker's parseJSON: an exact JSON array of strings; any other valid or
// invalid JSON falls back to the shell form, except a valid array holding
// something other than strings, which is an error.
JsonArray ParseJsonArray(const std::string& rest,
                         std::vector<std::string>& out) {
  size_t start = 0;
  while (start < rest.size() &&
         std::isspace(static_cast<unsigned char>(rest[start]))) {
    ++start;
  }
  if (start == rest.size() || rest[start] != '[') return JsonArray::kNo;
  nlohmann::json parsed = nlohmann::json::parse(rest.substr(start), nullptr,
                                                /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_array()) return JsonArray::kNo;
  for (const nlohmann::json& element : parsed) {
    if (!element.is_string()) return JsonArray::kNotStrings;
    out.push_back(element.get<std::string>());
  }
  return JsonArray::kYes;
}

const char kNotStringArray[] =
    "when using JSON array syntax, arrays must be comprised of strings only";

// Parses one instruction; errors are bare docker texts, located by caller.
class Parser {
 public:
  Parser(const LogicalLine& line, char escape) : line_(line), escape_(escape) {}

  absl::StatusOr<Instruction> Parse() {
    SplitCommand split = SplitCommandLine(line_.text);
    ins_.keyword = absl::AsciiStrToUpper(split.keyword);
    ins_.original = line_.text;
    ins_.line = line_.first_line;
    ins_.end_line = line_.last_line;
    rest_ = split.rest;
    flag_words_ = std::move(split.flags);
    absl::Status status = Dispatch();
    if (!status.ok()) return status;
    return std::move(ins_);
  }

 private:
  absl::Status Dispatch() {
    const std::string& k = ins_.keyword;
    if (k == "FROM") return From();
    if (k == "RUN" || k == "CMD" || k == "ENTRYPOINT") return Command();
    if (k == "SHELL") return Shell();
    if (k == "COPY" || k == "ADD") return CopyOrAdd();
    if (k == "VOLUME") return Volume();
    if (k == "EXPOSE") return Expose();
    if (k == "ENV" || k == "LABEL") return NameValues();
    if (k == "ARG") return Arg();
    if (k == "USER" || k == "WORKDIR" || k == "STOPSIGNAL" ||
        k == "MAINTAINER") {
      return SingleString();
    }
    if (k == "HEALTHCHECK") return HealthCheckInstruction();
    if (k == "ONBUILD") return OnBuild();
    return Error(absl::StrCat("unknown instruction: ", k));
  }

  static absl::Status Error(const std::string& text) {
    return absl::InvalidArgumentError(text);
  }
  absl::Status AtLeastOne() {
    return Error(absl::StrCat(ins_.keyword, " requires at least one argument"));
  }
  absl::Status ExactlyOne() {
    return Error(absl::StrCat(ins_.keyword, " requires exactly one argument"));
  }

  absl::Status Flags() {
    absl::StatusOr<std::vector<std::pair<std::string, std::string>>> flags =
        ParseFlags(ins_.keyword, flag_words_);
    if (!flags.ok()) return flags.status();
    ins_.flags = std::move(*flags);
    return absl::OkStatus();
  }

  // parseMaybeJSON: JSON array, else the whole rest as one argument.
  absl::Status MaybeJson() {
    if (rest_.empty()) return absl::OkStatus();
    JsonArray json = ParseJsonArray(rest_, ins_.args);
    if (json == JsonArray::kNotStrings) return Error(kNotStringArray);
    ins_.json_form = json == JsonArray::kYes;
    if (!ins_.json_form) ins_.args = {rest_};
    return absl::OkStatus();
  }

  // parseMaybeJSONToList: JSON array, else split on blanks.
  absl::Status MaybeJsonList() {
    JsonArray json = ParseJsonArray(rest_, ins_.args);
    if (json == JsonArray::kNotStrings) return Error(kNotStringArray);
    ins_.json_form = json == JsonArray::kYes;
    if (!ins_.json_form) {
      ins_.args.clear();
      if (!rest_.empty()) ins_.args = SplitOnBlanks(rest_);
    }
    return absl::OkStatus();
  }

  // Heredocs (`<<EOF`) are BuildKit's; the classic builder has none.
  absl::Status RefuseHeredoc() {
    if (ins_.json_form) return absl::OkStatus();
    for (const std::string& word : SplitQuotedWords(rest_, escape_)) {
      size_t pos = 0;
      while (pos < word.size() &&
             std::isdigit(static_cast<unsigned char>(word[pos])))
        ++pos;
      if (word.compare(pos, 2, "<<") != 0) continue;
      pos += 2;
      if (pos < word.size() && word[pos] == '-') ++pos;
      std::string name = word.substr(pos);
      if (name.empty() || name.find('<') != std::string::npos) continue;
      return Error(absl::StrCat(
          "heredoc ", word, " in ", ins_.keyword,
          ": heredocs are only supported by BuildKit, not by the classic "
          "builder"));
    }
    return absl::OkStatus();
  }

  absl::Status From() {
    if (!rest_.empty()) ins_.args = SplitOnBlanks(rest_);
    const std::vector<std::string>& args = ins_.args;
    if (args.size() == 3 && absl::EqualsIgnoreCase(args[1], "as")) {
      std::string name = absl::AsciiStrToLower(args[2]);
      bool valid = std::islower(static_cast<unsigned char>(name[0])) != 0;
      for (char ch : name) {
        valid = valid && (std::islower(static_cast<unsigned char>(ch)) ||
                          std::isdigit(static_cast<unsigned char>(ch)) ||
                          ch == '-' || ch == '_' || ch == '.');
      }
      if (!valid) {
        return Error(absl::StrCat(
            "invalid name for build stage: \"", args[2],
            "\", name can't start with a number or contain symbols"));
      }
      ins_.stage_name = name;
    } else if (args.size() != 1) {
      return Error("FROM requires either one or three arguments");
    }
    ins_.base_name = args[0];
    return Flags();
  }

  absl::Status Command() {
    if (absl::Status s = MaybeJson(); !s.ok()) return s;
    if (ins_.keyword == "RUN") {
      if (absl::Status s = RefuseHeredoc(); !s.ok()) return s;
    }
    return Flags();
  }

  absl::Status Shell() {
    if (absl::Status s = MaybeJson(); !s.ok()) return s;
    if (absl::Status s = Flags(); !s.ok()) return s;
    if (ins_.args.empty()) return AtLeastOne();
    if (!ins_.json_form) {
      return Error("SHELL requires the arguments to be in JSON form");
    }
    return absl::OkStatus();
  }

  absl::Status CopyOrAdd() {
    if (absl::Status s = MaybeJsonList(); !s.ok()) return s;
    if (absl::Status s = RefuseHeredoc(); !s.ok()) return s;
    if (ins_.args.size() < 2) {
      return Error(absl::StrCat(
          ins_.keyword,
          " requires at least two arguments, but only one was provided. "
          "Destination could not be determined"));
    }
    if (absl::Status s = Flags(); !s.ok()) return s;
    ins_.sources.assign(ins_.args.begin(), ins_.args.end() - 1);
    ins_.destination = ins_.args.back();
    return absl::OkStatus();
  }

  absl::Status Volume() {
    if (absl::Status s = MaybeJsonList(); !s.ok()) return s;
    if (ins_.args.empty()) return AtLeastOne();
    if (absl::Status s = Flags(); !s.ok()) return s;
    for (std::string& volume : ins_.args) {
      volume = std::string(absl::StripAsciiWhitespace(volume));
      if (volume.empty()) {
        return Error("VOLUME specified can not be an empty string");
      }
    }
    return absl::OkStatus();
  }

  absl::Status Expose() {
    if (!rest_.empty()) ins_.args = SplitOnBlanks(rest_);
    if (ins_.args.empty()) return AtLeastOne();
    std::sort(ins_.args.begin(), ins_.args.end());  // as docker stores them
    return Flags();
  }

  // ENV/LABEL: `k=v ...`, or the legacy `k v` where v is the rest of the
  // line; which one is decided by whether the first word has an `=`.
  absl::Status NameValues() {
    std::vector<std::string> words = SplitQuotedWords(rest_, escape_);
    if (!words.empty() && words[0].find('=') == std::string::npos) {
      std::vector<std::string> parts = SplitOnBlanks(rest_);
      if (parts.size() < 2) {
        return Error(absl::StrCat(ins_.keyword, " must have two arguments"));
      }
      size_t key_end = parts[0].size();
      size_t value_start = key_end;
      while (value_start < rest_.size() && IsBlankChar(rest_[value_start])) {
        ++value_start;
      }
      ins_.pairs.push_back(
          KeyValue{parts[0], rest_.substr(value_start), /*legacy_form=*/true});
    } else {
      for (const std::string& word : words) {
        size_t equals = word.find('=');
        if (equals == std::string::npos) {
          return Error(absl::StrCat("Syntax error - can't find = in \"", word,
                                    "\". Must be of the form: name=value"));
        }
        ins_.pairs.push_back(
            KeyValue{word.substr(0, equals), word.substr(equals + 1), false});
      }
    }
    if (absl::Status s = Flags(); !s.ok()) return s;
    if (ins_.pairs.empty()) return AtLeastOne();
    for (const KeyValue& pair : ins_.pairs) {
      if (pair.key.empty()) {
        return Error(absl::StrCat(ins_.keyword, " names can not be blank"));
      }
      ins_.args.push_back(pair.key);
      ins_.args.push_back(*pair.value);
    }
    return absl::OkStatus();
  }

  // ARG name[=default] ...: split at the first `=`, a name alone is valid.
  // docker never checks ARG's flags (nor STOPSIGNAL's): they are ignored.
  absl::Status Arg() {
    ins_.args = SplitQuotedWords(rest_, escape_);
    if (ins_.args.empty()) return AtLeastOne();
    for (const std::string& word : ins_.args) {
      size_t equals = word.find('=');
      if (equals == std::string::npos) {
        ins_.pairs.push_back(KeyValue{word, std::nullopt, false});
        continue;
      }
      if (equals == 0) return Error("ARG names can not be blank");
      ins_.pairs.push_back(
          KeyValue{word.substr(0, equals), word.substr(equals + 1), false});
    }
    return absl::OkStatus();
  }

  absl::Status SingleString() {
    if (!rest_.empty()) ins_.args = {rest_};
    if (ins_.args.size() != 1) return ExactlyOne();
    if (ins_.keyword == "STOPSIGNAL") return absl::OkStatus();
    return Flags();
  }

  // Go's time.ParseDuration and docker's 1ms minimum; 0 means the default.
  absl::Status Interval(const char* name, int64_t& out) {
    const std::string* text = ins_.Flag(name);
    if (text == nullptr || text->empty()) return absl::OkStatus();
    absl::Duration duration;
    if (!absl::ParseDuration(*text, &duration) ||
        duration == absl::InfiniteDuration() ||
        duration == -absl::InfiniteDuration()) {
      return Error(absl::StrCat("time: invalid duration \"", *text, "\""));
    }
    if (duration == absl::ZeroDuration()) return absl::OkStatus();
    if (duration < absl::Milliseconds(1)) {
      return Error(
          absl::StrCat("Interval \"", name, "\" cannot be less than 1ms"));
    }
    out = absl::ToInt64Nanoseconds(duration);
    return absl::OkStatus();
  }

  absl::Status HealthCheckInstruction() {
    // `HEALTHCHECK TYPE rest`: the type is the first word, the rest is a
    // command in JSON or shell form.
    size_t sep = 0;
    while (sep < rest_.size() &&
           !std::isspace(static_cast<unsigned char>(rest_[sep])))
      ++sep;
    if (sep == 0) return AtLeastOne();
    std::string type = absl::AsciiStrToUpper(rest_.substr(0, sep));
    size_t next = sep;
    while (next < rest_.size() &&
           std::isspace(static_cast<unsigned char>(rest_[next])))
      ++next;
    rest_ = rest_.substr(next);
    if (absl::Status s = MaybeJson(); !s.ok()) return s;
    HealthCheck health;
    if (type == "NONE") {
      if (!ins_.args.empty())
        return Error("HEALTHCHECK NONE takes no arguments");
      health.test = {"NONE"};
      ins_.health = std::move(health);
      return absl::OkStatus();
    }
    if (absl::Status s = Flags(); !s.ok()) return s;
    if (type != "CMD") {
      return Error(
          absl::StrCat("Unknown type \"", type, "\" in HEALTHCHECK (try CMD)"));
    }
    if (ins_.args.empty())
      return Error("Missing command after HEALTHCHECK CMD");
    health.test = {ins_.json_form ? "CMD" : "CMD-SHELL"};
    health.test.insert(health.test.end(), ins_.args.begin(), ins_.args.end());
    if (absl::Status s = Interval("interval", health.interval_ns); !s.ok())
      return s;
    if (absl::Status s = Interval("timeout", health.timeout_ns); !s.ok())
      return s;
    if (absl::Status s = Interval("start-period", health.start_period_ns);
        !s.ok())
      return s;
    if (absl::Status s = Interval("start-interval", health.start_interval_ns);
        !s.ok())
      return s;
    if (const std::string* retries = ins_.Flag("retries"); retries != nullptr) {
      int64_t value = 0;
      if (!absl::SimpleAtoi(*retries, &value) || value > INT32_MAX ||
          value < INT32_MIN) {
        return Error(absl::StrCat("strconv.ParseInt: parsing \"", *retries,
                                  "\": invalid syntax"));
      }
      if (value < 0) {
        return Error(
            absl::StrCat("--retries cannot be negative (", value, ")"));
      }
      health.retries = static_cast<int>(value);
    }
    ins_.health = std::move(health);
    return absl::OkStatus();
  }

  absl::Status OnBuild() {
    if (rest_.empty()) return AtLeastOne();
    if (absl::Status s = Flags(); !s.ok()) return s;
    std::string trigger_keyword =
        absl::AsciiStrToUpper(SplitCommandLine(rest_).keyword);
    if (trigger_keyword == "ONBUILD") {
      return Error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    }
    if (trigger_keyword == "FROM" || trigger_keyword == "MAINTAINER") {
      return Error(absl::StrCat(trigger_keyword,
                                " isn't allowed as an ONBUILD trigger"));
    }
    Parser inner(LogicalLine{rest_, line_.first_line, line_.last_line},
                 escape_);
    absl::StatusOr<Instruction> trigger = inner.Parse();
    if (!trigger.ok()) return trigger.status();
    ins_.args = {rest_};
    ins_.trigger_text = rest_;
    ins_.trigger = std::make_shared<const Instruction>(std::move(*trigger));
    return absl::OkStatus();
  }

  const LogicalLine line_;  // a copy: ONBUILD parses a temporary one
  const char escape_;
  Instruction ins_;
  std::string rest_;
  std::vector<std::string> flag_words_;
};

}  // namespace

absl::StatusOr<Instruction> ParseInstruction(const LogicalLine& line,
                                             char escape) {
  absl::StatusOr<Instruction> parsed = Parser(line, escape).Parse();
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(ParseErrorText(
        line.first_line, std::string(parsed.status().message())));
  }
  return parsed;
}

}  // namespace berth::builder
