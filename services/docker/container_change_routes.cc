// POST /containers/{id}/update: docker update's limits and restart policy.

#include "services/docker/container_create.h"
#include "services/docker/routes.h"

namespace berth::docker {
namespace {

HttpResponse Update(const Backends& backends, const ApiRequest& request) {
  HttpResponse error;
  auto body = JsonBody(request, &error);
  if (!body) return error;
  auto update = ContainerUpdateFromBody(*body);
  if (!update.ok()) return HttpResponse::Error(400, std::string(update.status().message()));
  update->set_id(request.param(0));
  berth::tasks::v1::UpdateContainerResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.containers->Update(context.get(), *update, &response);
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(200, {{"Warnings", std::vector<std::string>(response.warnings().begin(),
                                                                  response.warnings().end())}});
}

}  // namespace

void AddContainerUpdateRoutes(Router& router, const Backends& backends) {
  router.Add("POST", "/containers/{id}/update",
             [&backends](const ApiRequest& r) { return Update(backends, r); });
}

}  // namespace berth::docker
