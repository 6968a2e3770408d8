// Images.Subscribe: image events as dockerd logs them (LogImageEvent):
// pull and push name the reference, tag names the image id with the new
// name, untag, delete, import, load and save the image id; every event
// carries name= and the image's labels.

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "services/images/images_service.h"
#include "services/images/reference.h"

namespace berth::images {
namespace {

using berth::images::v1::FilterValues;
using berth::images::v1::ImageEvent;

absl::Time FromProto(const google::protobuf::Timestamp& time) {
  return absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
}

// docker's image= filter: the id (or a prefix of it), or the name with or
// without its default tag and registry.
bool ImageMatches(const ImageEvent& event, const std::string& value) {
  std::string name;
  if (auto it = event.attributes().find("name"); it != event.attributes().end()) name = it->second;
  if (value == event.id() || value == name) return true;
  if (absl::StartsWith(event.id(), value) || absl::StartsWith(event.id(), "sha256:" + value)) {
    return true;
  }
  auto wanted = ParseReference(value);
  auto actual = ParseReference(name.empty() ? event.id() : name);
  return wanted.ok() && actual.ok() && wanted->String() == actual->String();
}

// docker events filters over an image event: image=, event=/action=,
// label=K[=V], type=image; container= and the other object types' keys
// match no image event.
bool EventMatches(const ImageEvent& event,
                  const google::protobuf::Map<std::string, FilterValues>& filters) {
  for (const auto& [key, values] : filters) {
    bool any = false;
    for (const std::string& value : values.values()) {
      if (key == "image") {
        any |= ImageMatches(event, value);
      } else if (key == "event" || key == "action") {
        any |= event.action() == value;
      } else if (key == "type") {
        any |= value == "image";
      } else if (key == "label") {
        size_t eq = value.find('=');
        auto it = event.attributes().find(value.substr(0, eq));
        any |= it != event.attributes().end() &&
               (eq == std::string::npos || it->second == value.substr(eq + 1));
      }
    }
    if (!any) return false;
  }
  return true;
}

}  // namespace

void ImagesService::PublishEvent(const std::string& action, const std::string& id,
                                 const std::string& name, const std::string& config_digest) {
  ImageEvent event;
  event.set_id(id);
  event.set_action(action);
  // The image's labels first: name= wins over a label of that name.
  if (!config_digest.empty()) {
    if (auto facts = ConfigFacts(config_digest); facts.ok()) {
      auto config = nlohmann::json::parse(facts->config_json(), nullptr, /*allow_exceptions=*/false);
      if (config.is_object() && config.contains("config") && config["config"].is_object() &&
          config["config"].contains("Labels") && config["config"]["Labels"].is_object()) {
        for (const auto& [key, value] : config["config"]["Labels"].items()) {
          if (value.is_string()) (*event.mutable_attributes())[key] = value.get<std::string>();
        }
      }
    }
  }
  (*event.mutable_attributes())["name"] = name;
  events_.Publish("/images/" + action, event);
}

grpc::Status ImagesService::Subscribe(grpc::ServerContext* context,
                                      const berth::images::v1::SubscribeRequest* request,
                                      grpc::ServerWriter<berth::types::v1::Envelope>* writer) {
  absl::Time since = request->has_since() ? FromProto(request->since()) : absl::Now();
  absl::Time until = request->has_until() ? FromProto(request->until()) : absl::InfiniteFuture();
  events_.Subscribe(
      since,
      [&](const berth::types::v1::Envelope& envelope) {
        if (events::EnvelopeTime(envelope) > until) return false;
        bool wanted = request->topics().empty();
        for (const std::string& topic : request->topics()) {
          wanted |= absl::StartsWith(envelope.topic(), topic);
        }
        ImageEvent event;
        if (!wanted || !envelope.event().UnpackTo(&event) ||
            !EventMatches(event, request->filters())) {
          return true;
        }
        return writer->Write(envelope);
      },
      [&] { return context->IsCancelled() || absl::Now() > until; });
  return grpc::Status::OK;
}

}  // namespace berth::images
