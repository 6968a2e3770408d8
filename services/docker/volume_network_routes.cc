// Volumes and networks: create, list, inspect, remove, prune; connect and
// disconnect containers.

#include "absl/strings/str_cat.h"
#include "cli/commands/object_json.h"
#include "services/docker/json_fields.h"
#include "services/docker/routes.h"

namespace berth::docker {
namespace {

using nlohmann::json;

template <typename Request>
void CopyFilters(const Filters& filters, Request* request) {
  for (const auto& [key, values] : filters) {
    for (const std::string& value : values) (*request->mutable_filters())[key].add_values(value);
  }
}

http::HttpResponse VolumeCreate(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto body = JsonBody(request, &error);
  if (!body) return error;
  JsonFields fields(*body, "VolumeCreateBody");
  berth::snapshots::v1::CreateVolumeRequest create;
  std::string text;
  if (fields.String("Name", &text)) create.set_name(text);
  text.clear();
  if (fields.String("Driver", &text)) create.set_driver(text);
  std::map<std::string, std::string> map;
  fields.StringMap("Labels", &map);
  for (const auto& [key, value] : map) (*create.mutable_labels())[key] = value;
  map.clear();
  fields.StringMap("DriverOpts", &map);
  for (const auto& [key, value] : map) (*create.mutable_options())[key] = value;
  if (!fields.status().ok()) return http::HttpResponse::Error(400, std::string(fields.status().message()));
  berth::snapshots::v1::Volume volume;
  auto context = UnaryContext();
  grpc::Status status = backends.volumes->Create(context.get(), create, &volume);
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(201, berth::cli::VolumeJson(volume));
}

http::HttpResponse VolumeList(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto filters = ParseFilters(request, &error);
  if (!filters) return error;
  berth::snapshots::v1::ListVolumesRequest list;
  CopyFilters(*filters, &list);
  berth::snapshots::v1::ListVolumesResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.volumes->List(context.get(), list, &response);
  if (!status.ok()) return ErrorResponse(status);
  json volumes = json::array();
  for (const auto& volume : response.volumes()) volumes.push_back(berth::cli::VolumeJson(volume));
  return JsonResponse(200, {{"Volumes", volumes}, {"Warnings", nullptr}});
}

http::HttpResponse VolumeInspect(const Backends& backends, const ApiRequest& request) {
  berth::snapshots::v1::GetVolumeRequest get;
  get.set_name(request.param(0));
  berth::snapshots::v1::Volume volume;
  auto context = UnaryContext();
  grpc::Status status = backends.volumes->Get(context.get(), get, &volume);
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(200, berth::cli::VolumeJson(volume));
}

http::HttpResponse VolumeRemove(const Backends& backends, const ApiRequest& request) {
  berth::snapshots::v1::RemoveVolumeRequest remove;
  remove.set_name(request.param(0));
  remove.set_force(request.http.QueryBool("force"));
  berth::snapshots::v1::RemoveVolumeResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.volumes->Remove(context.get(), remove, &response);
  if (!status.ok()) return ErrorResponse(status);
  return http::HttpResponse::Empty(204);
}

http::HttpResponse VolumePrune(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto filters = ParseFilters(request, &error);
  if (!filters) return error;
  berth::snapshots::v1::PruneVolumesRequest prune;
  for (const auto& [key, values] : *filters) {
    for (const std::string& value : values) {
      // API ≥ 1.42: all=true takes named volumes too (volume prune -a).
      if (key == "all") {
        prune.set_all(value == "true" || value == "1");
        continue;
      }
      (*prune.mutable_filters())[key].add_values(value);
    }
  }
  berth::snapshots::v1::PruneVolumesResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.volumes->Prune(context.get(), prune, &response);
  if (!status.ok()) return ErrorResponse(status);
  json deleted = json::array();
  for (const std::string& name : response.deleted()) deleted.push_back(name);
  return JsonResponse(200, {{"VolumesDeleted", deleted.empty() ? json() : deleted},
                            {"SpaceReclaimed", response.space_reclaimed()}});
}

http::HttpResponse NetworkCreate(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto body = JsonBody(request, &error);
  if (!body) return error;
  JsonFields fields(*body, "NetworkCreateRequest");
  berth::network::v1::CreateNetworkRequest create;
  std::string text;
  fields.String("Name", &text);
  create.set_name(text);
  text.clear();
  fields.String("Driver", &text);
  create.set_driver(text.empty() ? "bridge" : text);
  bool flag = false;
  if (fields.Bool("Internal", &flag)) create.set_internal(flag);
  flag = false;
  if (fields.Bool("EnableIPv6", &flag)) create.set_enable_ipv6(flag);
  flag = false;
  if (fields.Bool("CheckDuplicate", &flag)) create.set_check_duplicate(flag);
  std::map<std::string, std::string> map;
  fields.StringMap("Labels", &map);
  for (const auto& [key, value] : map) (*create.mutable_labels())[key] = value;
  map.clear();
  fields.StringMap("Options", &map);
  for (const auto& [key, value] : map) (*create.mutable_options())[key] = value;
  if (const json* ipam = fields.Object("IPAM")) {
    JsonFields ipam_fields = fields.Nested(*ipam, "IPAM");
    if (const json* configs = ipam_fields.Array("Config")) {
      for (const json& item : *configs) {
        JsonFields config = ipam_fields.Nested(item, "IPAMConfig");
        auto* out = create.add_ipam();
        std::string value;
        if (config.String("Subnet", &value)) out->set_subnet(value);
        value.clear();
        if (config.String("Gateway", &value)) out->set_gateway(value);
        value.clear();
        if (config.String("IPRange", &value)) out->set_ip_range(value);
      }
    }
  }
  if (!fields.status().ok()) return http::HttpResponse::Error(400, std::string(fields.status().message()));
  if (create.name().empty()) return http::HttpResponse::Error(400, "network name cannot be empty");
  berth::network::v1::CreateNetworkResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.networks->Create(context.get(), create, &response);
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(201, {{"Id", response.id()}, {"Warning", response.warning()}});
}

http::HttpResponse NetworkList(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto filters = ParseFilters(request, &error);
  if (!filters) return error;
  berth::network::v1::ListNetworksRequest list;
  CopyFilters(*filters, &list);
  berth::network::v1::ListNetworksResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.networks->List(context.get(), list, &response);
  if (!status.ok()) return ErrorResponse(status);
  json rows = json::array();
  for (const auto& network : response.networks()) rows.push_back(berth::cli::NetworkJson(network));
  return JsonResponse(200, rows);
}

http::HttpResponse NetworkInspect(const Backends& backends, const ApiRequest& request) {
  berth::network::v1::GetNetworkRequest get;
  get.set_id(request.param(0));
  berth::network::v1::Network network;
  auto context = UnaryContext();
  grpc::Status status = backends.networks->Get(context.get(), get, &network);
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(200, berth::cli::NetworkJson(network));
}

http::HttpResponse NetworkRemove(const Backends& backends, const ApiRequest& request) {
  berth::network::v1::RemoveNetworkRequest remove;
  remove.set_id(request.param(0));
  berth::network::v1::RemoveNetworkResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.networks->Remove(context.get(), remove, &response);
  if (!status.ok()) return ErrorResponse(status);
  return http::HttpResponse::Empty(204);
}

http::HttpResponse NetworkPrune(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto filters = ParseFilters(request, &error);
  if (!filters) return error;
  berth::network::v1::PruneNetworksRequest prune;
  CopyFilters(*filters, &prune);
  berth::network::v1::PruneNetworksResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.networks->Prune(context.get(), prune, &response);
  if (!status.ok()) return ErrorResponse(status);
  json deleted = json::array();
  for (const std::string& name : response.deleted()) deleted.push_back(name);
  return JsonResponse(200, {{"NetworksDeleted", deleted.empty() ? json() : deleted}});
}

// connect/disconnect go through the container's owner (the tasks service),
// which also points its name resolution at the network.
http::HttpResponse NetworkConnect(const Backends& backends, const ApiRequest& request, bool connect) {
  http::HttpResponse error;
  auto body = JsonBody(request, &error);
  if (!body) return error;
  JsonFields fields(*body, connect ? "NetworkConnect" : "NetworkDisconnect");
  std::string container;
  fields.String("Container", &container);
  grpc::Status status;
  auto context = UnaryContext();
  if (connect) {
    berth::tasks::v1::ConnectNetworkRequest call;
    call.set_id(container);
    call.set_network(request.param(0));
    if (const json* endpoint = fields.Object("EndpointConfig")) {
      JsonFields settings = fields.Nested(*endpoint, "EndpointSettings");
      std::vector<std::string> aliases;
      settings.Strings("Aliases", &aliases);
      for (const std::string& alias : aliases) call.add_aliases(alias);
      if (const json* ipam = settings.Object("IPAMConfig")) {
        JsonFields ipam_fields = settings.Nested(*ipam, "EndpointIPAMConfig");
        std::string address;
        if (ipam_fields.String("IPv4Address", &address)) call.set_ipv4_address(address);
      }
    }
    if (!fields.status().ok()) return http::HttpResponse::Error(400, std::string(fields.status().message()));
    berth::tasks::v1::ConnectNetworkResponse response;
    status = backends.containers->ConnectNetwork(context.get(), call, &response);
  } else {
    berth::tasks::v1::DisconnectNetworkRequest call;
    call.set_id(container);
    call.set_network(request.param(0));
    bool force = false;
    fields.Bool("Force", &force);
    call.set_force(force);
    if (!fields.status().ok()) return http::HttpResponse::Error(400, std::string(fields.status().message()));
    berth::tasks::v1::DisconnectNetworkResponse response;
    status = backends.containers->DisconnectNetwork(context.get(), call, &response);
  }
  if (!status.ok()) return ErrorResponse(status);
  return http::HttpResponse::Empty(200);
}

}  // namespace

void AddVolumeRoutes(Router& router, const Backends& backends) {
  router.Add("POST", "/volumes/create", Bind(backends, VolumeCreate));
  router.Add("GET", "/volumes", Bind(backends, VolumeList));
  router.Add("POST", "/volumes/prune", Bind(backends, VolumePrune));
  router.Add("GET", "/volumes/{name}", Bind(backends, VolumeInspect));
  router.Add("DELETE", "/volumes/{name}", Bind(backends, VolumeRemove));
}

void AddNetworkRoutes(Router& router, const Backends& backends) {
  router.Add("POST", "/networks/create", Bind(backends, NetworkCreate));
  router.Add("GET", "/networks", Bind(backends, NetworkList));
  router.Add("POST", "/networks/prune", Bind(backends, NetworkPrune));
  router.Add("GET", "/networks/{id}", Bind(backends, NetworkInspect));
  router.Add("DELETE", "/networks/{id}", Bind(backends, NetworkRemove));
  router.Add("POST", "/networks/{id}/connect",
             [&backends](const ApiRequest& r) { return NetworkConnect(backends, r, true); });
  router.Add("POST", "/networks/{id}/disconnect",
             [&backends](const ApiRequest& r) { return NetworkConnect(backends, r, false); });
}

}  // namespace berth::docker
