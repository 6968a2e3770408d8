#include "services/images/changes.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
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
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(instruction, " is not a valid change command"));
  }
  return absl::OkStatus();
}

}  // namespace berth::images
