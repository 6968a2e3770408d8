// docker update (POST /containers/{id}/update: limits and restart policy)
// and docker diff (GET /containers/{id}/changes).

#include "services/docker/container_create.h"
#include "services/docker/routes.h"

namespace berth::docker {
namespace {

http::HttpResponse Update(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto body = JsonBody(request, &error);
  if (!body) return error;
  auto update = ContainerUpdateFromBody(*body);
  if (!update.ok()) return http::HttpResponse::Error(400, std::string(update.status().message()));
  update->set_id(request.param(0));
  berth::tasks::v1::UpdateContainerResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.containers->Update(context.get(), *update, &response);
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(200, {{"Warnings", std::vector<std::string>(response.warnings().begin(),
                                                                  response.warnings().end())}});
}

// dockerd answers null, not [], for a container that changed nothing.
http::HttpResponse Changes(const Backends& backends, const ApiRequest& request) {
  berth::tasks::v1::ContainerChangesRequest call;
  call.set_id(request.param(0));
  berth::tasks::v1::ContainerChangesResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.containers->Changes(context.get(), call, &response);
  if (!status.ok()) return ErrorResponse(status);
  nlohmann::json changes = nullptr;
  for (const auto& change : response.changes()) {
    changes.push_back({{"Path", change.path()}, {"Kind", static_cast<int>(change.kind())}});
  }
  return JsonResponse(200, changes);
}

}  // namespace

void AddContainerChangeRoutes(Router& router, const Backends& backends) {
  router.Add("POST", "/containers/{id}/update",
             [&backends](const ApiRequest& r) { return Update(backends, r); });
  router.Add("GET", "/containers/{id}/changes",
             [&backends](const ApiRequest& r) { return Changes(backends, r); });
}

}  // namespace berth::docker
