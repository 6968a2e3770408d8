// /_ping, /version, /info: what every docker command asks first.

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "services/common/base/version.h"
#include "services/docker/routes.h"

namespace berth::docker {
namespace {

using nlohmann::json;

http::HttpResponse Ping(const ApiRequest& request) {
  http::HttpResponse response;
  response.content_type = "text/plain; charset=utf-8";
  // As dockerd: HEAD says Content-Length 0 (the CLI's first call).
  if (request.http.method != "HEAD") response.body = "OK";
  response.headers = {{"Cache-Control", "no-cache, no-store, must-revalidate"},
                      {"Pragma", "no-cache"},
                      {"Builder-Version", "1"},
                      {"Swarm", "inactive"}};
  return response;
}

std::string GoArch(const std::string& arch) {
  if (arch == "x86_64") return "amd64";
  if (arch == "aarch64") return "arm64";
  return arch;
}

http::HttpResponse Version(const Backends& backends, const ApiRequest&) {
  berth::system::v1::VersionResponse version;
  auto context = UnaryContext();
  grpc::Status status = backends.system->Version(context.get(), {}, &version);
  if (!status.ok()) return ErrorResponse(status);
  std::string arch = GoArch(version.arch());
  std::string build_time =
      absl::FormatTime(absl::RFC3339_sec, absl::FromUnixSeconds(version.build_time().seconds()),
                       absl::UTCTimeZone());
  json details = {{"ApiVersion", kMaxApiVersion},   {"Arch", arch},
                  {"BuildTime", build_time},        {"Experimental", "false"},
                  {"GitCommit", version.git_commit()}, {"GoVersion", "n/a"},
                  {"KernelVersion", version.kernel_version()}, {"MinAPIVersion", kMinApiVersion},
                  {"Os", version.os()}};
  json body = {{"Platform", {{"Name", "berth"}}},
               {"Components",
                json::array({{{"Name", "Engine"}, {"Version", version.version()},
                              {"Details", details}}})},
               {"Version", version.version()},
               {"ApiVersion", kMaxApiVersion},
               {"MinAPIVersion", kMinApiVersion},
               {"GitCommit", version.git_commit()},
               {"GoVersion", "n/a"},
               {"Os", version.os()},
               {"Arch", arch},
               {"KernelVersion", version.kernel_version()},
               {"BuildTime", build_time}};
  return http::HttpResponse::Json(200, body.dump() + "\n");
}

http::HttpResponse Info(const Backends& backends, const ApiRequest&) {
  berth::system::v1::InfoResponse info;
  auto context = UnaryContext();
  grpc::Status status = backends.system->Info(context.get(), {}, &info);
  if (!status.ok()) return ErrorResponse(status);
  json mirrors = json::array();
  for (const std::string& mirror : info.registry_mirrors()) mirrors.push_back(mirror);
  json body = {
      {"ID", info.id()},
      {"Containers", info.containers()},
      {"ContainersRunning", info.containers_running()},
      {"ContainersPaused", info.containers_paused()},
      {"ContainersStopped", info.containers_stopped()},
      {"Images", info.images()},
      {"Driver", info.storage_driver()},
      {"DriverStatus", json::array()},
      {"Plugins",
       {{"Volume", {"local"}},
        {"Network", {"bridge", "host", "null"}},
        {"Authorization", nullptr},
        {"Log", {"json-file", "none"}}}},
      {"MemoryLimit", true},
      {"SwapLimit", true},
      {"CpuCfsPeriod", true},
      {"CpuCfsQuota", true},
      {"CPUShares", true},
      {"CPUSet", true},
      {"PidsLimit", true},
      {"IPv4Forwarding", true},
      {"Debug", info.debug()},
      {"NFd", 0},
      {"NGoroutines", 0},
      {"SystemTime", absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone())},
      {"LoggingDriver", info.logging_driver()},
      {"CgroupDriver", info.cgroup_driver()},
      {"CgroupVersion", info.cgroup_version()},
      {"NEventsListener", 0},
      {"KernelVersion", info.kernel_version()},
      {"OperatingSystem", info.operating_system()},
      {"OSVersion", ""},
      {"OSType", info.os_type().empty() ? "linux" : info.os_type()},
      {"Architecture", info.architecture()},
      {"IndexServerAddress", "https://index.docker.io/v1/"},
      {"RegistryConfig",
       {{"InsecureRegistryCIDRs", {"127.0.0.0/8"}},
        {"IndexConfigs", json::object()},
        {"Mirrors", mirrors}}},
      {"NCPU", info.ncpu()},
      {"MemTotal", info.mem_total()},
      {"GenericResources", nullptr},
      {"DockerRootDir", info.data_root()},
      {"HttpProxy", ""},
      {"HttpsProxy", ""},
      {"NoProxy", ""},
      {"Name", info.name()},
      {"Labels", std::vector<std::string>(info.labels().begin(), info.labels().end())},
      {"ExperimentalBuild", false},
      {"ServerVersion", info.server_version()},
      {"Runtimes", {{"berth-shim", {{"path", "berth-shim"}}}}},
      {"DefaultRuntime", "berth-shim"},
      {"Swarm",
       {{"NodeID", ""},
        {"NodeAddr", ""},
        {"LocalNodeState", "inactive"},
        {"ControlAvailable", false},
        {"Error", ""},
        {"RemoteManagers", nullptr}}},
      {"LiveRestoreEnabled", true},
      {"Isolation", ""},
      {"InitBinary", "berth-shim"},
      {"SecurityOptions",
       std::vector<std::string>(info.security_options().begin(), info.security_options().end())},
      {"Warnings", std::vector<std::string>(info.warnings().begin(), info.warnings().end())}};
  body["RegistryConfig"]["InsecureRegistryCIDRs"] = json::array({"127.0.0.0/8"});
  for (const std::string& registry : info.insecure_registries()) {
    body["RegistryConfig"]["IndexConfigs"][registry] = {
        {"Name", registry}, {"Mirrors", json::array()}, {"Secure", false}, {"Official", false}};
  }
  return http::HttpResponse::Json(200, body.dump() + "\n");
}

}  // namespace

void AddSystemRoutes(Router& router, const Backends& backends) {
  router.Add("HEAD", "/_ping", Ping);
  router.Add("GET", "/_ping", Ping);
  router.Add("GET", "/version", [&backends](const ApiRequest& r) { return Version(backends, r); });
  router.Add("GET", "/info", [&backends](const ApiRequest& r) { return Info(backends, r); });
}

}  // namespace berth::docker
