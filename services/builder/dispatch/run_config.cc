#include "services/builder/dispatch/run_config.h"

#include "absl/strings/match.h"

namespace berth::builder {
namespace {

constexpr char kDefaultPath[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const nlohmann::json* Field(const nlohmann::json& config, const char* key) {
  if (!config.is_object()) return nullptr;
  auto it = config.find(key);
  return it == config.end() ? nullptr : &*it;
}

bool BoolField(const nlohmann::json& config, const char* key) {
  const nlohmann::json* value = Field(config, key);
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

// A map field's keys (ExposedPorts, Volumes), sorted; [] when absent.
nlohmann::json KeySet(const nlohmann::json& config, const char* key) {
  nlohmann::json keys = nlohmann::json::array();
  const nlohmann::json* value = Field(config, key);
  if (value == nullptr || !value->is_object()) return keys;
  for (auto it = value->begin(); it != value->end(); ++it) {
    keys.push_back(it.key());
  }
  return keys;
}

nlohmann::json Labels(const nlohmann::json& config) {
  nlohmann::json labels = nlohmann::json::object();
  const nlohmann::json* value = Field(config, "Labels");
  if (value == nullptr || !value->is_object()) return labels;
  for (auto it = value->begin(); it != value->end(); ++it) {
    if (it.value().is_string()) labels[it.key()] = it.value();
  }
  return labels;
}

int64_t IntField(const nlohmann::json& config, const char* key) {
  const nlohmann::json* value = Field(config, key);
  if (value == nullptr || !value->is_number_integer()) return 0;
  return value->get<int64_t>();
}

}  // namespace

std::vector<std::string> StringList(const nlohmann::json& config,
                                    const char* key) {
  std::vector<std::string> out;
  const nlohmann::json* value = Field(config, key);
  if (value == nullptr || !value->is_array()) return out;
  for (const nlohmann::json& item : *value) {
    if (!item.is_string()) return {};
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::string StringField(const nlohmann::json& config, const char* key) {
  const nlohmann::json* value = Field(config, key);
  if (value == nullptr || !value->is_string()) return "";
  return value->get<std::string>();
}

void SetStringList(nlohmann::json& config, const char* key,
                   const std::optional<std::vector<std::string>>& value) {
  if (value.has_value()) {
    config[key] = *value;
  } else {
    config[key] = nullptr;
  }
}

std::vector<std::string> ShellOf(const nlohmann::json& config) {
  std::vector<std::string> shell = StringList(config, "Shell");
  if (shell.empty()) return {"/bin/sh", "-c"};
  return shell;
}

void PrepareStageConfig(nlohmann::json& config) {
  if (!config.is_object()) config = nlohmann::json::object();
  std::vector<std::string> env = StringList(config, "Env");
  bool has_path = false;
  for (const std::string& entry : env) {
    has_path = has_path || entry == "PATH" || absl::StartsWith(entry, "PATH=");
  }
  if (!has_path) {
    env.push_back(kDefaultPath);
    config["Env"] = env;
  }
  if (config.contains("OpenStdin")) config["OpenStdin"] = false;
  if (config.contains("StdinOnce")) config["StdinOnce"] = false;
}

std::string CacheKeyOf(const nlohmann::json& container_config) {
  const nlohmann::json& c = container_config;
  nlohmann::json key = {
      {"Env", StringList(c, "Env")},
      {"Cmd", StringList(c, "Cmd")},
      {"Entrypoint", StringList(c, "Entrypoint")},
      {"Shell", StringList(c, "Shell")},
      {"OnBuild", StringList(c, "OnBuild")},
      {"ExposedPorts", KeySet(c, "ExposedPorts")},
      {"Volumes", KeySet(c, "Volumes")},
      {"Labels", Labels(c)},
      {"AttachStdin", BoolField(c, "AttachStdin")},
      {"AttachStdout", BoolField(c, "AttachStdout")},
      {"AttachStderr", BoolField(c, "AttachStderr")},
      {"NetworkDisabled", BoolField(c, "NetworkDisabled")},
      {"Tty", BoolField(c, "Tty")},
      {"OpenStdin", BoolField(c, "OpenStdin")},
      {"StdinOnce", BoolField(c, "StdinOnce")},
      {"ArgsEscaped", BoolField(c, "ArgsEscaped")},
      {"User", StringField(c, "User")},
      {"WorkingDir", StringField(c, "WorkingDir")},
      {"StopSignal", StringField(c, "StopSignal")},
  };
  const nlohmann::json* timeout = Field(c, "StopTimeout");
  key["StopTimeout"] = timeout != nullptr && timeout->is_number_integer()
                           ? *timeout
                           : nlohmann::json(nullptr);
  const nlohmann::json* health = Field(c, "Healthcheck");
  if (health != nullptr && health->is_object()) {
    key["Healthcheck"] = {
        {"Test", StringList(*health, "Test")},
        {"Interval", IntField(*health, "Interval")},
        {"Timeout", IntField(*health, "Timeout")},
        {"StartPeriod", IntField(*health, "StartPeriod")},
        {"Retries", IntField(*health, "Retries")},
    };
  } else {
    key["Healthcheck"] = nullptr;
  }
  return key.dump();
}

}  // namespace berth::builder
