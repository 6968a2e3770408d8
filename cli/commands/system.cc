// berth version, berth info and the `berth system` group: what docker
// version, docker info and docker system show.

#include <cctype>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "berth/system/v1/system.grpc.pb.h"
#include "cli/commands/commands.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/prune.h"
#include "cli/output.h"
#include "services/common/base/version.h"
#include "services/common/host/host_info.h"

namespace berth::cli {
namespace {

using berth::system::v1::InfoResponse;
using berth::system::v1::VersionResponse;

nlohmann::json ClientVersionJson() {
  return {{"Version", kVersion},
          {"ApiVersion", kApiVersion},
          {"Os", "linux"},
          {"Arch", host::OciArchitecture()}};
}

nlohmann::json ServerVersionJson(const VersionResponse& version) {
  nlohmann::json components = nlohmann::json::array();
  for (const auto& component : version.components()) {
    components.push_back({{"Name", component.name()},
                          {"Version", component.version()},
                          {"Details", {{"Health", component.health()}}}});
  }
  return {{"Version", version.version()},
          {"ApiVersion", version.api_version()},
          {"Os", version.os()},
          {"Arch", version.arch()},
          {"KernelVersion", version.kernel_version()},
          {"Components", components}};
}

void PrintVersion(const nlohmann::json& client, const nlohmann::json* server) {
  std::printf("Client:\n");
  std::printf(" Version:           %s\n", client["Version"].get<std::string>().c_str());
  std::printf(" API version:       %s\n", client["ApiVersion"].get<std::string>().c_str());
  std::printf(" OS/Arch:           linux/%s\n", client["Arch"].get<std::string>().c_str());
  if (server == nullptr) return;
  const nlohmann::json& s = *server;
  std::printf("\nServer:\n");
  for (const auto& component : s["Components"]) {
    std::string name = component["Name"];
    std::printf(" %s:\n", name == "berthd" ? "Engine" : name.c_str());
    std::printf("  Version:          %s\n", component["Version"].get<std::string>().c_str());
    if (name == "berthd") {
      std::printf("  API version:      %s\n", s["ApiVersion"].get<std::string>().c_str());
      std::printf("  OS/Arch:          %s/%s\n", s["Os"].get<std::string>().c_str(),
                  s["Arch"].get<std::string>().c_str());
      std::printf("  Kernel Version:   %s\n", s["KernelVersion"].get<std::string>().c_str());
    }
    std::printf("  Health:           %s\n",
                component["Details"]["Health"].get<std::string>().c_str());
  }
}

int RunVersion(Cli& cli, const std::string& format) {
  nlohmann::json client = ClientVersionJson();
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  if (channel == nullptr) return cli.exit_code;
  auto stub = berth::system::v1::System::NewStub(channel);
  VersionResponse version;
  auto context = Cli::CallContext();
  grpc::Status status = stub->Version(context.get(), {}, &version);
  nlohmann::json server = status.ok() ? ServerVersionJson(version) : nlohmann::json();
  if (!format.empty()) {
    auto rendered = RenderFormat(format, {{"Client", client}, {"Server", server}});
    if (!rendered.ok()) {
      std::fprintf(stderr, "%s\n", std::string(rendered.status().message()).c_str());
      return kExitUsage;
    }
    std::printf("%s\n", rendered->c_str());
  } else {
    PrintVersion(client, status.ok() ? &server : nullptr);
  }
  if (!status.ok()) return ReportCallError(status, cli.connection.host, channel.get());
  return 0;
}

nlohmann::json InfoJson(const InfoResponse& info) {
  nlohmann::json services = nlohmann::json::array();
  for (const auto& service : info.services()) {
    services.push_back({{"Name", service.name()},
                        {"State", service.state()},
                        {"Pid", service.pid()},
                        {"Restarts", service.restarts()},
                        {"Socket", service.socket()},
                        {"LastError", service.last_error()}});
  }
  auto strings = [](const auto& repeated) {
    return nlohmann::json(std::vector<std::string>(repeated.begin(), repeated.end()));
  };
  return {{"ID", info.id()},
          {"Name", info.name()},
          {"ServerVersion", info.server_version()},
          {"Containers", info.containers()},
          {"ContainersRunning", info.containers_running()},
          {"ContainersPaused", info.containers_paused()},
          {"ContainersStopped", info.containers_stopped()},
          {"Images", info.images()},
          {"Volumes", info.volumes()},
          {"Networks", info.networks()},
          {"Driver", info.storage_driver()},
          {"LoggingDriver", info.logging_driver()},
          {"CgroupDriver", info.cgroup_driver()},
          {"CgroupVersion", info.cgroup_version()},
          {"KernelVersion", info.kernel_version()},
          {"OperatingSystem", info.operating_system()},
          {"OSType", info.os_type()},
          {"Architecture", info.architecture()},
          {"NCPU", info.ncpu()},
          {"MemTotal", info.mem_total()},
          {"BerthRootDir", info.data_root()},
          {"ExecRoot", info.exec_root()},
          {"Debug", info.debug()},
          {"Labels", strings(info.labels())},
          {"Hosts", strings(info.hosts())},
          {"MetricsAddress", info.metrics_address()},
          {"RegistryConfig",
           {{"Mirrors", strings(info.registry_mirrors())},
            {"InsecureRegistries", strings(info.insecure_registries())}}},
          {"LiveRestoreEnabled", info.live_restore_enabled()},
          {"DefaultUlimits", strings(info.default_ulimits())},
          {"ShutdownTimeout", info.shutdown_timeout()},
          {"MaxConcurrentDownloads", info.max_concurrent_downloads()},
          {"MaxConcurrentUploads", info.max_concurrent_uploads()},
          {"Services", services},
          {"SecurityOptions", strings(info.security_options())},
          {"Warnings", strings(info.warnings())}};
}

void PrintInfo(const nlohmann::json& info) {
  auto str = [&](const char* key) { return info[key].get<std::string>(); };
  std::printf("Client:\n Version:    %s\n\nServer:\n", kVersion);
  std::printf(" Containers: %lld\n", info["Containers"].get<long long>());
  std::printf("  Running: %lld\n", info["ContainersRunning"].get<long long>());
  std::printf("  Paused: %lld\n", info["ContainersPaused"].get<long long>());
  std::printf("  Stopped: %lld\n", info["ContainersStopped"].get<long long>());
  std::printf(" Images: %lld\n", info["Images"].get<long long>());
  std::printf(" Volumes: %lld\n", info["Volumes"].get<long long>());
  std::printf(" Networks: %lld\n", info["Networks"].get<long long>());
  std::printf(" Server Version: %s\n", str("ServerVersion").c_str());
  std::printf(" Storage Driver: %s\n", str("Driver").c_str());
  std::printf(" Logging Driver: %s\n", str("LoggingDriver").c_str());
  std::printf(" Cgroup Driver: %s\n", str("CgroupDriver").c_str());
  std::printf(" Cgroup Version: %s\n", str("CgroupVersion").c_str());
  std::printf(" Services:\n");
  for (const auto& service : info["Services"]) {
    std::string line = absl::StrFormat("  %-10s %s", service["Name"].get<std::string>(),
                                       service["State"].get<std::string>());
    if (service["Pid"].get<int>() > 0) absl::StrAppend(&line, " (pid ", service["Pid"].get<int>(), ")");
    absl::StrAppend(&line, ", restarts: ", service["Restarts"].get<int>());
    if (service["State"] != "running" && !service["LastError"].get<std::string>().empty()) {
      absl::StrAppend(&line, ", last exit: ", service["LastError"].get<std::string>());
    }
    std::printf("%s\n", line.c_str());
  }
  // docker's layout: each option's name, then its other fields.
  std::printf(" Security Options:\n");
  for (const auto& option : info["SecurityOptions"]) {
    for (absl::string_view field : absl::StrSplit(option.get<std::string>(), ',')) {
      std::pair<std::string, std::string> kv = absl::StrSplit(field, absl::MaxSplits('=', 1));
      if (kv.first == "name") {
        std::printf("  %s\n", kv.second.c_str());
      } else {
        std::string key = kv.first;
        if (!key.empty()) key[0] = static_cast<char>(std::toupper(key[0]));
        std::printf("   %s: %s\n", key.c_str(), kv.second.c_str());
      }
    }
  }
  std::printf(" Kernel Version: %s\n", str("KernelVersion").c_str());
  std::printf(" Operating System: %s\n", str("OperatingSystem").c_str());
  std::printf(" OSType: %s\n", str("OSType").c_str());
  std::printf(" Architecture: %s\n", str("Architecture").c_str());
  std::printf(" CPUs: %d\n", info["NCPU"].get<int>());
  std::printf(" Total Memory: %s\n", BytesSize(info["MemTotal"].get<double>()).c_str());
  std::printf(" Name: %s\n", str("Name").c_str());
  std::printf(" ID: %s\n", str("ID").c_str());
  std::printf(" Berth Root Dir: %s\n", str("BerthRootDir").c_str());
  std::printf(" Exec Root: %s\n", str("ExecRoot").c_str());
  std::printf(" Debug Mode: %s\n", info["Debug"].get<bool>() ? "true" : "false");
  if (!info["Labels"].empty()) {
    std::printf(" Labels:\n");
    for (const auto& label : info["Labels"]) std::printf("  %s\n", label.get<std::string>().c_str());
  }
  if (!str("MetricsAddress").empty()) {
    std::printf(" Metrics: http://%s/metrics\n", str("MetricsAddress").c_str());
  }
  const auto& mirrors = info["RegistryConfig"]["Mirrors"];
  if (!mirrors.empty()) {
    std::printf(" Registry Mirrors:\n");
    for (const auto& mirror : mirrors) std::printf("  %s\n", mirror.get<std::string>().c_str());
  }
  const auto& insecure = info["RegistryConfig"]["InsecureRegistries"];
  if (!insecure.empty()) {
    std::printf(" Insecure Registries:\n");
    for (const auto& registry : insecure) {
      std::printf("  %s\n", registry.get<std::string>().c_str());
    }
  }
  // docker's place for it; the other keys are berth's own lines.
  std::printf(" Live Restore Enabled: %s\n", info["LiveRestoreEnabled"].get<bool>() ? "true" : "false");
  std::printf(" Shutdown Timeout: %d\n", info["ShutdownTimeout"].get<int>());
  std::printf(" Max Concurrent Downloads: %d\n", info["MaxConcurrentDownloads"].get<int>());
  std::printf(" Max Concurrent Uploads: %d\n", info["MaxConcurrentUploads"].get<int>());
  if (!info["DefaultUlimits"].empty()) {
    std::printf(" Default Ulimits:\n");
    for (const auto& ulimit : info["DefaultUlimits"]) {
      std::printf("  %s\n", ulimit.get<std::string>().c_str());
    }
  }
  for (const auto& warning : info["Warnings"]) {
    std::fprintf(stderr, "%s\n", warning.get<std::string>().c_str());
  }
}

int RunInfo(Cli& cli, const std::string& format) {
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  if (channel == nullptr) return cli.exit_code;
  auto stub = berth::system::v1::System::NewStub(channel);
  InfoResponse info;
  auto context = Cli::CallContext();
  grpc::Status status = stub->Info(context.get(), {}, &info);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, channel.get());
  nlohmann::json json = InfoJson(info);
  if (!format.empty()) {
    auto rendered = RenderFormat(format, json);
    if (!rendered.ok()) {
      std::fprintf(stderr, "%s\n", std::string(rendered.status().message()).c_str());
      return kExitUsage;
    }
    std::printf("%s\n", rendered->c_str());
    return 0;
  }
  PrintInfo(json);
  return 0;
}

}  // namespace

void AddSystemCommands(CLI::App& app, Cli& cli) {
  auto format = std::make_shared<std::string>();
  CLI::App* version = app.add_subcommand("version", "Show the berth version information");
  version->add_option("-f,--format", *format, "Format output using a template or 'json'");
  version->callback([&cli, format] { cli.exit_code = RunVersion(cli, *format); });

  auto info_format = std::make_shared<std::string>();
  CLI::App* system = app.add_subcommand("system", "Manage berth");
  system->require_subcommand(1);
  // `info` at the top and under `system`, as docker has both.
  for (CLI::App* parent : {&app, system}) {
    CLI::App* info = parent->add_subcommand("info", "Display system-wide information");
    info->add_option("-f,--format", *info_format, "Format output using a template or 'json'");
    info->callback([&cli, info_format] { cli.exit_code = RunInfo(cli, *info_format); });
  }
  AddSystemDfCommand(system, cli);
  AddEventsCommand(system, cli);
  AddSystemPruneCommand(system, cli);
}

}  // namespace berth::cli
