// Containers: create, list, inspect and the lifecycle calls.

#include <ctime>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/commands/container_format.h"
#include "cli/commands/container_json.h"
#include "cli/commands/container_parse.h"
#include "services/docker/container_create.h"
#include "services/docker/routes.h"

namespace berth::docker {
namespace {

using berth::tasks::v1::Container;
using nlohmann::json;

http::HttpResponse Create(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto body = JsonBody(request, &error);
  if (!body) return error;
  auto spec = ContainerSpecFromCreateBody(*body);
  if (!spec.ok()) return http::HttpResponse::Error(400, std::string(spec.status().message()));
  std::string platform = request.http.Query("platform");
  if (!platform.empty()) {
    auto parsed = berth::cli::ParsePlatform(platform);
    if (!parsed.ok()) return http::HttpResponse::Error(400, std::string(parsed.status().message()));
    *spec->mutable_platform() = *parsed;
  }
  berth::tasks::v1::CreateContainerRequest create;
  std::string name = request.http.Query("name");
  if (!name.empty() && name[0] == '/') name.erase(0, 1);
  create.set_name(name);
  *create.mutable_spec() = *spec;
  berth::tasks::v1::CreateContainerResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.containers->Create(context.get(), create, &response);
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(201, {{"Id", response.id()},
                            {"Warnings", std::vector<std::string>(response.warnings().begin(),
                                                                  response.warnings().end())}});
}

// dockerd's ps Command: the path and arguments joined, unquoted (the CLI
// quotes and truncates it).
std::string Command(const json& inspect) {
  std::string command = inspect.value("Path", "");
  if (inspect.contains("Args") && inspect["Args"].is_array()) {
    for (const json& arg : inspect["Args"]) {
      if (arg.is_string()) absl::StrAppend(&command, " ", arg.get<std::string>());
    }
  }
  return command;
}

// docker's ContainerSummary (ps), from the same JSON inspect shows.
json Summary(const Container& container) {
  json inspect = berth::cli::ContainerInspectJson(container);
  json ports = json::array();
  const json& bound = inspect["NetworkSettings"]["Ports"];
  if (bound.is_object()) {
    for (const auto& [port, bindings] : bound.items()) {
      int private_port = 0;
      (void)absl::SimpleAtoi(port.substr(0, port.find('/')), &private_port);
      std::string type = port.find('/') == std::string::npos ? "tcp" : port.substr(port.find('/') + 1);
      if (!bindings.is_array() || bindings.empty()) {
        ports.push_back({{"PrivatePort", private_port}, {"Type", type}});
        continue;
      }
      for (const json& binding : bindings) {
        int public_port = 0;
        (void)absl::SimpleAtoi(binding.value("HostPort", ""), &public_port);
        ports.push_back({{"IP", binding.value("HostIp", "")},
                         {"PrivatePort", private_port},
                         {"PublicPort", public_port},
                         {"Type", type}});
      }
    }
  }
  json networks = json::object();
  if (inspect["NetworkSettings"]["Networks"].is_object()) {
    networks = inspect["NetworkSettings"]["Networks"];
  }
  return {{"Id", container.id()},
          {"Names", json::array({"/" + berth::cli::ContainerName(container)})},
          {"Image", container.spec().image()},
          {"ImageID", container.image_id()},
          {"Command", Command(inspect)},
          {"Created", container.created_at().seconds()},
          {"Ports", ports},
          {"Labels", inspect["Config"].value("Labels", json::object())},
          {"State", berth::cli::StateName(container.state().status())},
          {"Status", berth::cli::StatusText(container.state(), std::time(nullptr))},
          {"HostConfig", {{"NetworkMode", inspect["HostConfig"].value("NetworkMode", "default")}}},
          {"NetworkSettings", {{"Networks", networks}}},
          {"Mounts", inspect.value("Mounts", json::array())}};
}

http::HttpResponse List(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto filters = ParseFilters(request, &error);
  if (!filters) return error;
  berth::tasks::v1::ListContainersRequest list;
  list.set_all(request.http.QueryBool("all"));
  int limit = 0;
  if (absl::SimpleAtoi(request.http.Query("limit"), &limit) && limit > 0) {
    list.set_limit(limit);
    list.set_all(true);
  }
  for (const auto& [key, values] : *filters) {
    for (const std::string& value : values) (*list.mutable_filters())[key].add_values(value);
  }
  berth::tasks::v1::ListContainersResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.containers->List(context.get(), list, &response);
  if (!status.ok()) return ErrorResponse(status);
  json rows = json::array();
  for (const Container& container : response.containers()) rows.push_back(Summary(container));
  return JsonResponse(200, rows);
}

http::HttpResponse Inspect(const Backends& backends, const ApiRequest& request) {
  Container container;
  if (grpc::Status status = GetContainer(backends, request.param(0), &container); !status.ok()) {
    return ErrorResponse(status);
  }
  return JsonResponse(200, berth::cli::ContainerInspectJson(container));
}

bool IsRunning(const Container& container) {
  auto status = container.state().status();
  return status == berth::tasks::v1::RUNNING || status == berth::tasks::v1::PAUSED ||
         status == berth::tasks::v1::RESTARTING;
}

http::HttpResponse Start(const Backends& backends, const ApiRequest& request) {
  Container container;
  if (grpc::Status status = GetContainer(backends, request.param(0), &container); !status.ok()) {
    return ErrorResponse(status);
  }
  if (IsRunning(container)) return http::HttpResponse::Empty(304);
  berth::tasks::v1::StartRequest start;
  start.set_id(container.id());
  berth::tasks::v1::StartResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.tasks->Start(context.get(), start, &response);
  if (!status.ok()) {
    // dockerd answers a start that failed in the runtime with 500 (the CLI
    // exits 126/127 from the message).
    if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      return http::HttpResponse::Error(500, status.error_message());
    }
    return ErrorResponse(status);
  }
  return http::HttpResponse::Empty(204);
}

int TimeoutParam(const ApiRequest& request) {
  int timeout = -1;
  if (!absl::SimpleAtoi(request.http.Query("t"), &timeout)) timeout = -1;
  return timeout;
}

http::HttpResponse Stop(const Backends& backends, const ApiRequest& request) {
  Container container;
  if (grpc::Status status = GetContainer(backends, request.param(0), &container); !status.ok()) {
    return ErrorResponse(status);
  }
  if (!IsRunning(container)) return http::HttpResponse::Empty(304);
  berth::tasks::v1::StopRequest stop;
  stop.set_id(container.id());
  stop.set_timeout(TimeoutParam(request));
  stop.set_signal(request.http.Query("signal"));
  berth::tasks::v1::StopResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.tasks->Stop(context.get(), stop, &response);
  if (!status.ok()) return ErrorResponse(status);
  return http::HttpResponse::Empty(204);
}

http::HttpResponse Restart(const Backends& backends, const ApiRequest& request) {
  berth::tasks::v1::RestartRequest restart;
  restart.set_id(request.param(0));
  restart.set_timeout(TimeoutParam(request));
  restart.set_signal(request.http.Query("signal"));
  berth::tasks::v1::RestartResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.tasks->Restart(context.get(), restart, &response);
  if (!status.ok()) return ErrorResponse(status);
  return http::HttpResponse::Empty(204);
}

http::HttpResponse Kill(const Backends& backends, const ApiRequest& request) {
  berth::tasks::v1::KillRequest kill;
  kill.set_id(request.param(0));
  kill.set_signal(request.http.Query("signal"));
  berth::tasks::v1::KillResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.tasks->Kill(context.get(), kill, &response);
  if (!status.ok()) return ErrorResponse(status);
  return http::HttpResponse::Empty(204);
}

http::HttpResponse Pause(const Backends& backends, const ApiRequest& request, bool pause) {
  grpc::Status status;
  auto context = UnaryContext();
  if (pause) {
    berth::tasks::v1::PauseRequest call;
    call.set_id(request.param(0));
    berth::tasks::v1::PauseResponse response;
    status = backends.tasks->Pause(context.get(), call, &response);
  } else {
    berth::tasks::v1::ResumeRequest call;
    call.set_id(request.param(0));
    berth::tasks::v1::ResumeResponse response;
    status = backends.tasks->Resume(context.get(), call, &response);
  }
  if (!status.ok()) return ErrorResponse(status);
  return http::HttpResponse::Empty(204);
}

http::HttpResponse Remove(const Backends& backends, const ApiRequest& request) {
  berth::tasks::v1::DeleteContainerRequest remove;
  remove.set_id(request.param(0));
  remove.set_force(request.http.QueryBool("force"));
  remove.set_remove_volumes(request.http.QueryBool("v"));
  berth::tasks::v1::DeleteContainerResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.containers->Delete(context.get(), remove, &response);
  if (!status.ok()) return ErrorResponse(status);
  return http::HttpResponse::Empty(204);
}

http::HttpResponse Rename(const Backends& backends, const ApiRequest& request) {
  berth::tasks::v1::RenameContainerRequest rename;
  rename.set_id(request.param(0));
  rename.set_new_name(request.http.Query("name"));
  berth::tasks::v1::RenameContainerResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.containers->Rename(context.get(), rename, &response);
  if (!status.ok()) return ErrorResponse(status);
  return http::HttpResponse::Empty(204);
}

http::HttpResponse Resize(const Backends& backends, const std::string& id, const std::string& exec_id,
                    const ApiRequest& request) {
  uint32_t rows = 0;
  uint32_t cols = 0;
  if (!absl::SimpleAtoi(request.http.Query("h"), &rows) ||
      !absl::SimpleAtoi(request.http.Query("w"), &cols)) {
    return http::HttpResponse::Error(400, "invalid resize parameters: h and w must be numbers");
  }
  berth::tasks::v1::ResizeRequest resize;
  resize.set_id(id);
  resize.set_exec_id(exec_id);
  resize.mutable_size()->set_rows(rows);
  resize.mutable_size()->set_cols(cols);
  berth::tasks::v1::ResizeResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.tasks->Resize(context.get(), resize, &response);
  if (!status.ok()) return ErrorResponse(status);
  http::HttpResponse ok = http::HttpResponse::Empty(200);
  ok.content_type = "text/plain; charset=utf-8";
  return ok;
}

http::HttpResponse Top(const Backends& backends, const ApiRequest& request) {
  berth::tasks::v1::TopRequest top;
  top.set_id(request.param(0));
  std::string ps_args = request.http.Query("ps_args");
  if (!ps_args.empty()) top.add_ps_args(ps_args);
  berth::tasks::v1::TopResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.tasks->Top(context.get(), top, &response);
  if (!status.ok()) return ErrorResponse(status);
  json processes = json::array();
  for (const auto& row : response.processes()) {
    processes.push_back(std::vector<std::string>(row.fields().begin(), row.fields().end()));
  }
  return JsonResponse(200, {{"Titles", std::vector<std::string>(response.titles().begin(),
                                                               response.titles().end())},
                            {"Processes", processes}});
}

http::HttpResponse Prune(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto filters = ParseFilters(request, &error);
  if (!filters) return error;
  berth::tasks::v1::PruneContainersRequest prune;
  for (const auto& [key, values] : *filters) {
    for (const std::string& value : values) (*prune.mutable_filters())[key].add_values(value);
  }
  berth::tasks::v1::PruneContainersResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.containers->Prune(context.get(), prune, &response);
  if (!status.ok()) return ErrorResponse(status);
  json deleted = json::array();
  for (const std::string& id : response.deleted()) deleted.push_back(id);
  return JsonResponse(200, {{"ContainersDeleted", deleted.empty() ? json() : deleted},
                            {"SpaceReclaimed", response.space_reclaimed()}});
}

}  // namespace

http::HttpResponse ResizeProcess(const Backends& backends, const std::string& id,
                           const std::string& exec_id, const ApiRequest& request) {
  return Resize(backends, id, exec_id, request);
}

void AddContainerRoutes(Router& router, const Backends& backends) {
  router.Add("POST", "/containers/create", Bind(backends, Create));
  router.Add("GET", "/containers/json", Bind(backends, List));
  router.Add("POST", "/containers/prune", Bind(backends, Prune));
  router.Add("GET", "/containers/{id}/json", Bind(backends, Inspect));
  router.Add("POST", "/containers/{id}/start", Bind(backends, Start));
  router.Add("POST", "/containers/{id}/stop", Bind(backends, Stop));
  router.Add("POST", "/containers/{id}/restart", Bind(backends, Restart));
  router.Add("POST", "/containers/{id}/kill", Bind(backends, Kill));
  router.Add("POST", "/containers/{id}/pause",
             [&backends](const ApiRequest& r) { return Pause(backends, r, true); });
  router.Add("POST", "/containers/{id}/unpause",
             [&backends](const ApiRequest& r) { return Pause(backends, r, false); });
  router.Add("DELETE", "/containers/{id}", Bind(backends, Remove));
  router.Add("POST", "/containers/{id}/rename", Bind(backends, Rename));
  router.Add("POST", "/containers/{id}/resize", [&backends](const ApiRequest& r) {
    return Resize(backends, r.param(0), "", r);
  });
  router.Add("GET", "/containers/{id}/top", Bind(backends, Top));
}

}  // namespace berth::docker
