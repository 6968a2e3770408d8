#include "services/images/changes.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace berth::images {
namespace {

// JSON form ["a","b"] or shell form, which runs under /bin/sh -c.
nlohmann::json CommandForm(const std::string& value) {
  nlohmann::json parsed = nlohmann::json::parse(value, nullptr, false);
  if (parsed.is_array()) {
    bool strings = true;
    for (const auto& item : parsed) strings &= item.is_string();
    if (strings) return parsed;
  }
  return nlohmann::json::array({"/bin/sh", "-c", value});
}

// KEY=VALUE pairs, or the legacy "KEY VALUE" form.
std::vector<std::pair<std::string, std::string>> Pairs(const std::string& value) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (value.find('=') == std::string::npos) {
    size_t space = value.find(' ');
    if (space != std::string::npos) {
      pairs.emplace_back(value.substr(0, space),
                         std::string(absl::StripAsciiWhitespace(value.substr(space + 1))));
    }
    return pairs;
  }
  for (absl::string_view item : absl::StrSplit(value, ' ', absl::SkipEmpty())) {
    size_t eq = item.find('=');
    std::string key(item.substr(0, eq));
    std::string val = eq == absl::string_view::npos ? "" : std::string(item.substr(eq + 1));
    if (val.size() >= 2 && val.front() == '"' && val.back() == '"') val = val.substr(1, val.size() - 2);
    pairs.emplace_back(key, val);
  }
  return pairs;
}

// A HEALTHCHECK option's duration as buildkit's parseOptInterval: Go's
// syntax, 0 for none, at least 1ms otherwise.
absl::Status ParseInterval(const std::string& name, const std::string& text, int64_t* nanos) {
  absl::Duration duration;
  if (text == "inf" || text == "-inf" || !absl::ParseDuration(text, &duration)) {
    return absl::InvalidArgumentError(absl::StrCat("time: invalid duration \"", text, "\""));
  }
  if (duration != absl::ZeroDuration() && duration < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Interval \"", name, "\" cannot be less than 1ms"));
  }
  *nanos = absl::ToInt64Nanoseconds(duration);
  return absl::OkStatus();
}

// HEALTHCHECK [--interval=D --timeout=D --start-period=D --start-interval=D
// --retries=N] CMD command (shell or JSON form), or HEALTHCHECK NONE, to
// the image config's Healthcheck (durations in nanoseconds).
absl::Status ApplyHealthcheck(const std::string& value, nlohmann::json* config) {
  std::string rest = value;
  std::map<std::string, std::string> options;
  while (absl::StartsWith(rest, "--")) {
    size_t end = rest.find_first_of(" \t");
    std::string option = rest.substr(2, end == std::string::npos ? std::string::npos : end - 2);
    rest = end == std::string::npos ? "" : std::string(absl::StripLeadingAsciiWhitespace(rest.substr(end)));
    size_t eq = option.find('=');
    std::string name = option.substr(0, eq);
    if (name != "interval" && name != "timeout" && name != "start-period" &&
        name != "start-interval" && name != "retries") {
      return absl::InvalidArgumentError(absl::StrCat("Unknown flag: ", name));
    }
    if (eq == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("Missing a value on flag: ", name));
    }
    options[name] = option.substr(eq + 1);
  }
  size_t space = rest.find_first_of(" \t");
  std::string type = absl::AsciiStrToUpper(rest.substr(0, space));
  std::string command =
      space == std::string::npos ? "" : std::string(absl::StripAsciiWhitespace(rest.substr(space + 1)));
  if (type.empty()) return absl::InvalidArgumentError("HEALTHCHECK requires at least one argument");
  nlohmann::json check = nlohmann::json::object();
  if (type == "NONE") {
    if (!command.empty() || !options.empty()) {
      return absl::InvalidArgumentError("HEALTHCHECK NONE takes no arguments");
    }
    check["Test"] = nlohmann::json::array({"NONE"});
    (*config)["Healthcheck"] = check;
    return absl::OkStatus();
  }
  if (type != "CMD") {
    return absl::InvalidArgumentError(
        absl::StrCat("Unknown type \"", type, "\" in HEALTHCHECK (try CMD)"));
  }
  if (command.empty()) return absl::InvalidArgumentError("Missing command after HEALTHCHECK CMD");
  nlohmann::json form = CommandForm(command);
  bool json_form = !(form.size() == 3 && form[0] == "/bin/sh" && form[1] == "-c" && form[2] == command);
  if (json_form && form.empty()) {
    return absl::InvalidArgumentError("Missing command after HEALTHCHECK CMD");
  }
  nlohmann::json test = nlohmann::json::array({json_form ? "CMD" : "CMD-SHELL"});
  if (json_form) {
    for (const auto& item : form) test.push_back(item);
  } else {
    test.push_back(command);
  }
  check["Test"] = test;
  for (const auto& [name, key] : {std::pair<const char*, const char*>{"interval", "Interval"},
                                  {"timeout", "Timeout"},
                                  {"start-period", "StartPeriod"},
                                  {"start-interval", "StartInterval"}}) {
    auto it = options.find(name);
    if (it == options.end() || it->second.empty()) continue;
    int64_t nanos = 0;
    if (absl::Status status = ParseInterval(name, it->second, &nanos); !status.ok()) return status;
    if (nanos != 0) check[key] = nanos;
  }
  if (auto it = options.find("retries"); it != options.end() && !it->second.empty()) {
    int32_t retries = 0;
    if (!absl::SimpleAtoi(it->second, &retries)) {
      return absl::InvalidArgumentError(
          absl::StrCat("strconv.ParseInt: parsing \"", it->second, "\": invalid syntax"));
    }
    if (retries < 0) {
      return absl::InvalidArgumentError(absl::StrCat("--retries cannot be negative (", retries, ")"));
    }
    if (retries != 0) check["Retries"] = retries;
  }
  (*config)["Healthcheck"] = check;
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyChange(const std::string& change, nlohmann::json* config) {
  std::string text(absl::StripAsciiWhitespace(change));
  size_t space = text.find_first_of(" \t");
  std::string instruction = absl::AsciiStrToUpper(text.substr(0, space));
  std::string value = space == std::string::npos
                          ? ""
                          : std::string(absl::StripAsciiWhitespace(text.substr(space + 1)));
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(instruction, " requires an argument"));
  }
  nlohmann::json& c = *config;
  if (instruction == "CMD") {
    c["Cmd"] = CommandForm(value);
  } else if (instruction == "ENTRYPOINT") {
    c["Entrypoint"] = CommandForm(value);
  } else if (instruction == "ENV") {
    if (!c.contains("Env") || !c["Env"].is_array()) c["Env"] = nlohmann::json::array();
    for (const auto& [key, val] : Pairs(value)) {
      nlohmann::json kept = nlohmann::json::array();
      for (const auto& entry : c["Env"]) {
        std::string s = entry.get<std::string>();
        if (s.substr(0, s.find('=')) != key) kept.push_back(s);
      }
      kept.push_back(key + "=" + val);
      c["Env"] = kept;
    }
  } else if (instruction == "LABEL") {
    for (const auto& [key, val] : Pairs(value)) c["Labels"][key] = val;
  } else if (instruction == "EXPOSE") {
    for (absl::string_view port : absl::StrSplit(value, ' ', absl::SkipEmpty())) {
      std::string p(port);
      if (p.find('/') == std::string::npos) p += "/tcp";
      c["ExposedPorts"][p] = nlohmann::json::object();
    }
  } else if (instruction == "VOLUME") {
    nlohmann::json volumes = CommandForm(value);
    if (volumes.size() == 3 && volumes[0] == "/bin/sh") volumes = nlohmann::json::array({value});
    for (const auto& volume : volumes) c["Volumes"][volume.get<std::string>()] = nlohmann::json::object();
  } else if (instruction == "USER") {
    c["User"] = value;
  } else if (instruction == "WORKDIR") {
    c["WorkingDir"] = value;
  } else if (instruction == "STOPSIGNAL") {
    c["StopSignal"] = value;
  } else if (instruction == "HEALTHCHECK") {
    return ApplyHealthcheck(value, &c);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(instruction, " is not a valid change command"));
  }
  return absl::OkStatus();
}

}  // namespace berth::images
