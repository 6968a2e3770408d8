// exec: create, start (hijacked, or detached), resize, inspect.

#include "absl/strings/str_cat.h"
#include "services/docker/attach_call.h"
#include "services/docker/json_fields.h"
#include "services/docker/routes.h"
#include "services/docker/streams.h"

namespace berth::docker {
namespace {

using nlohmann::json;

http::HttpResponse Create(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto body = JsonBody(request, &error);
  if (!body) return error;
  JsonFields fields(*body, "ExecConfig");
  berth::tasks::v1::ProcessSpec process;
  std::vector<std::string> list;
  fields.Strings("Cmd", &list, true);
  for (const std::string& arg : list) process.add_args(arg);
  list.clear();
  fields.Strings("Env", &list);
  for (const std::string& item : list) process.add_env(item);
  std::string text;
  if (fields.String("WorkingDir", &text)) process.set_working_dir(text);
  text.clear();
  if (fields.String("User", &text)) process.set_user(text);
  text.clear();
  if (fields.String("DetachKeys", &text)) process.set_detach_keys(text);
  bool flag = false;
  if (fields.Bool("Tty", &flag)) process.set_tty(flag);
  flag = false;
  if (fields.Bool("AttachStdin", &flag)) process.set_attach_stdin(flag);
  flag = false;
  if (fields.Bool("AttachStdout", &flag)) process.set_attach_stdout(flag);
  flag = false;
  if (fields.Bool("AttachStderr", &flag)) process.set_attach_stderr(flag);
  flag = false;
  if (fields.Bool("Privileged", &flag)) process.set_privileged(flag);
  if (!fields.status().ok()) return http::HttpResponse::Error(400, std::string(fields.status().message()));
  if (process.args_size() == 0) return http::HttpResponse::Error(400, "No exec command specified");
  berth::tasks::v1::CreateExecRequest create;
  create.set_id(request.param(0));
  *create.mutable_process() = process;
  berth::tasks::v1::CreateExecResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.tasks->CreateExec(context.get(), create, &response);
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(201, {{"Id", response.exec_id()}});
}

grpc::Status InspectExec(const Backends& backends, const std::string& id,
                         berth::tasks::v1::ExecInfo* info) {
  berth::tasks::v1::InspectExecRequest inspect;
  inspect.set_exec_id(id);
  auto context = UnaryContext();
  return backends.tasks->InspectExec(context.get(), inspect, info);
}

http::HttpResponse Start(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto body = JsonBody(request, &error);
  if (!body) return error;
  JsonFields fields(*body, "ExecStartCheck");
  bool detach = false;
  fields.Bool("Detach", &detach);
  if (!fields.status().ok()) return http::HttpResponse::Error(400, std::string(fields.status().message()));
  berth::tasks::v1::ExecInfo info;
  grpc::Status status = InspectExec(backends, request.param(0), &info);
  if (!status.ok()) return ErrorResponse(status);
  if (info.running() || info.pid() != 0) {
    return http::HttpResponse::Error(409, absl::StrCat("Error: Exec command ", info.exec_id(),
                                                 " has already run"));
  }
  if (detach) {
    berth::tasks::v1::StartRequest start;
    start.set_id(info.container_id());
    start.set_exec_id(info.exec_id());
    berth::tasks::v1::StartResponse response;
    auto context = UnaryContext();
    status = backends.tasks->Start(context.get(), start, &response);
    if (!status.ok()) return ErrorResponse(status);
    return http::HttpResponse::Empty(200);
  }
  berth::tasks::v1::AttachTarget target;
  target.set_id(info.container_id());
  target.set_exec_id(info.exec_id());
  target.set_stdin(info.process().attach_stdin());
  target.set_stdout(info.process().attach_stdout());
  target.set_stderr(info.process().attach_stderr());
  target.set_detach_keys(info.process().detach_keys());
  target.set_start(true);
  bool tty = info.process().tty();
  http::HttpResponse response;
  response.content_type = tty ? kRawStream : kMultiplexedStream;
  // dockerd answers an exec start's 101 first and starts the process
  // after: the call is opened in the hijack (it starts the exec itself).
  response.hijack = [&backends, target, tty](int fd, std::string early) {
    AttachCall call(backends, target);
    RawAttachPeer peer(fd, std::move(early), tty);
    call.Relay(peer, /*close_stdin_at_eof=*/true);
  };
  return response;
}

http::HttpResponse Resize(const Backends& backends, const ApiRequest& request) {
  berth::tasks::v1::ExecInfo info;
  grpc::Status status = InspectExec(backends, request.param(0), &info);
  if (!status.ok()) return ErrorResponse(status);
  return ResizeProcess(backends, info.container_id(), info.exec_id(), request);
}

http::HttpResponse Inspect(const Backends& backends, const ApiRequest& request) {
  berth::tasks::v1::ExecInfo info;
  grpc::Status status = InspectExec(backends, request.param(0), &info);
  if (!status.ok()) return ErrorResponse(status);
  const auto& process = info.process();
  std::vector<std::string> arguments(process.args().begin(), process.args().end());
  std::string entrypoint = arguments.empty() ? "" : arguments.front();
  if (!arguments.empty()) arguments.erase(arguments.begin());
  return JsonResponse(
      200, {{"ID", info.exec_id()},
            {"Running", info.running()},
            {"ExitCode", info.running() ? json() : json(info.exit_code())},
            {"ProcessConfig",
             {{"tty", process.tty()},
              {"entrypoint", entrypoint},
              {"arguments", arguments},
              {"privileged", process.privileged()},
              {"user", process.user()}}},
            {"OpenStdin", process.attach_stdin()},
            {"OpenStderr", process.attach_stderr()},
            {"OpenStdout", process.attach_stdout()},
            {"CanRemove", false},
            {"ContainerID", info.container_id()},
            {"DetachKeys", process.detach_keys()},
            {"Pid", info.pid()}});
}

}  // namespace

void AddExecRoutes(Router& router, const Backends& backends) {
  router.Add("POST", "/containers/{id}/exec", Bind(backends, Create));
  router.Add("POST", "/exec/{id}/start", Bind(backends, Start));
  router.Add("POST", "/exec/{id}/resize", Bind(backends, Resize));
  router.Add("GET", "/exec/{id}/json", Bind(backends, Inspect));
}

}  // namespace berth::docker
