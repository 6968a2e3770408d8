#include "services/network/cni.h"

#include "absl/strings/str_cat.h"
#include "services/common/base/run_process.h"

namespace berth::network {

using nlohmann::json;

absl::StatusOr<json> CniRunner::Run(const std::string& command, const json& list,
                                    const json& plugin, const CniRuntime& runtime,
                                    const json& prev_result) const {
  json config = plugin;
  config["name"] = list.value("name", "berth");
  config["cniVersion"] = list.value("cniVersion", "1.0.0");
  if (!prev_result.is_null()) config["prevResult"] = prev_result;
  if (plugin.contains("capabilities") && plugin["capabilities"].value("portMappings", false)) {
    json mappings = json::array();
    for (const CniPort& port : runtime.ports) {
      json mapping = {{"hostPort", port.host_port},
                      {"containerPort", port.container_port},
                      {"protocol", port.protocol}};
      if (!port.host_ip.empty()) mapping["hostIP"] = port.host_ip;
      mappings.push_back(mapping);
    }
    config["runtimeConfig"]["portMappings"] = mappings;
  }
  std::string type = plugin.value("type", "");
  if (type.empty() || type.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("CNI plugin type \"", type, "\" is not valid"));
  }
  std::vector<std::string> env = {
      "CNI_COMMAND=" + command,           "CNI_CONTAINERID=" + runtime.container_id,
      "CNI_NETNS=" + runtime.netns,       "CNI_IFNAME=" + runtime.ifname,
      "CNI_PATH=" + plugin_dir_,
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  auto run = RunProcess({plugin_dir_ + "/" + type}, env, config.dump());
  if (!run.ok()) return run.status();
  if (run->exit_code != 0) {
    // The spec's error: {"code": N, "msg": "...", "details": "..."} on stdout.
    json error = json::parse(run->out, nullptr, false);
    std::string message = run->err.empty() ? run->out : run->err;
    if (!error.is_discarded() && error.is_object() && error.contains("msg")) {
      message = error.value("msg", "");
      if (!error.value("details", "").empty()) message += ": " + error.value("details", "");
    }
    return absl::InternalError(
        absl::StrCat("CNI plugin ", type, " ", command, " failed: ", message));
  }
  if (command != "ADD") return json();
  json result = json::parse(run->out, nullptr, false);
  if (result.is_discarded()) {
    return absl::InternalError(absl::StrCat("CNI plugin ", type, ": result is not JSON"));
  }
  return result;
}

absl::StatusOr<json> CniRunner::Add(const json& conflist, const CniRuntime& runtime) const {
  json result;
  const json& plugins = conflist.value("plugins", json::array());
  for (size_t i = 0; i < plugins.size(); ++i) {
    auto next = Run("ADD", conflist, plugins[i], runtime, result);
    if (!next.ok()) {
      // Undo the ones that succeeded, last first.
      json partial = {{"plugins", json::array()}, {"name", conflist.value("name", "berth")},
                      {"cniVersion", conflist.value("cniVersion", "1.0.0")}};
      for (size_t j = 0; j < i; ++j) partial["plugins"].push_back(plugins[j]);
      Del(partial, runtime, result).IgnoreError();
      return next.status();
    }
    result = *next;
  }
  return result;
}

absl::Status CniRunner::Del(const json& conflist, const CniRuntime& runtime,
                            const json& result) const {
  absl::Status first;
  const json& plugins = conflist.value("plugins", json::array());
  for (size_t i = plugins.size(); i-- > 0;) {
    auto done = Run("DEL", conflist, plugins[i], runtime, result);
    if (!done.ok() && first.ok()) first = done.status();
  }
  return first;
}

}  // namespace berth::network
