#include "services/cri/streaming/remotecommand_status.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace berth::cri::streaming {
namespace {

// ordered_json: the field order metav1.Status marshals in.
nlohmann::ordered_json BaseStatus(const char* status) {
  nlohmann::ordered_json json;
  json["metadata"] = nlohmann::ordered_json::object();
  json["status"] = status;
  return json;
}

}  // namespace

std::string SuccessStatusJson() { return BaseStatus("Success").dump(); }

std::string ExitCodeStatusJson(int exit_code) {
  nlohmann::ordered_json json = BaseStatus("Failure");
  json["message"] = absl::StrCat("command terminated with non-zero exit code: exit status ", exit_code);
  json["reason"] = "NonZeroExitCode";
  nlohmann::ordered_json cause;
  cause["reason"] = "ExitCode";
  cause["message"] = std::to_string(exit_code);
  json["details"]["causes"] = nlohmann::ordered_json::array({cause});
  return json.dump();
}

std::string FailureStatusJson(std::string_view message) {
  nlohmann::ordered_json json = BaseStatus("Failure");
  json["message"] = std::string(message);
  return json.dump();
}

absl::StatusOr<RemoteCommandResult> ParseV4Status(std::string_view error_stream) {
  RemoteCommandResult result;
  if (error_stream.empty()) {
    result.success = true;
    result.exit_code = 0;
    return result;
  }
  const nlohmann::json json = nlohmann::json::parse(error_stream, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("status") || !json["status"].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("error stream: not a Status: ", std::string(error_stream)));
  }
  if (json.contains("message") && json["message"].is_string()) result.message = json["message"].get<std::string>();
  if (json["status"] == "Success") {
    result.success = true;
    result.exit_code = 0;
    return result;
  }
  if (json.value("reason", nlohmann::json()) != "NonZeroExitCode") return result;
  const nlohmann::json* causes = nullptr;
  if (json.contains("details") && json["details"].is_object() && json["details"].contains("causes")) {
    causes = &json["details"]["causes"];
  }
  if (causes == nullptr || !causes->is_array()) return result;
  for (const nlohmann::json& cause : *causes) {
    if (!cause.is_object() || cause.value("reason", nlohmann::json()) != "ExitCode") continue;
    int code = 0;
    if (cause.contains("message") && cause["message"].is_string() &&
        absl::SimpleAtoi(cause["message"].get<std::string>(), &code)) {
      result.exit_code = code;
    }
  }
  return result;
}

}  // namespace berth::cri::streaming
