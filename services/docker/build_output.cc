#include "services/docker/build_output.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace berth::docker {
namespace {

using nlohmann::json;

constexpr char kExitMarker[] = "returned a non-zero code: ";

std::string Line(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string StreamLine(const std::string& text) { return Line({{"stream", text}}); }

}  // namespace

std::string BuildErrorLine(const std::string& message) {
  json detail = {{"message", message}};
  size_t at = message.rfind(kExitMarker);
  int code = 0;
  if (at != std::string::npos &&
      absl::SimpleAtoi(absl::string_view(message).substr(at + sizeof(kExitMarker) - 1), &code)) {
    detail["code"] = code;
  }
  return Line({{"errorDetail", detail}, {"error", message}});
}

std::string BuildOutput::Add(const berth::builder::v1::BuildResponse& message) {
  if (message.has_image_id()) {
    std::string out = Line({{"id", "moby.image.id"}, {"aux", {{"ID", message.image_id()}}}});
    if (quiet_) out += StreamLine(message.image_id() + "\n");
    out += held_;
    held_.clear();
    holding_ = false;
    return out;
  }
  const std::string& text = message.stream();
  // Quiet builds send text only when they fail: their log, as dockerd's.
  if (text.empty()) return "";
  if (absl::StartsWith(text, "Successfully built ")) holding_ = true;
  if (!holding_) return StreamLine(text);
  held_ += StreamLine(text);
  return "";
}

std::string BuildOutput::Finish(const grpc::Status& status) {
  std::string out = std::move(held_);
  held_.clear();
  holding_ = false;
  if (!status.ok()) out += BuildErrorLine(status.error_message());
  return out;
}

}  // namespace berth::docker
