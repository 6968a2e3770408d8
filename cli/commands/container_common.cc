#include "cli/commands/container_common.h"

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/commands/container_parse.h"
#include "cli/output.h"

namespace berth::cli {

std::unique_ptr<berth::tasks::v1::Containers::Stub> ContainersStub(Cli& cli) {
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  return channel ? berth::tasks::v1::Containers::NewStub(channel) : nullptr;
}

std::unique_ptr<berth::tasks::v1::Tasks::Stub> TasksStub(Cli& cli) {
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  return channel ? berth::tasks::v1::Tasks::NewStub(channel) : nullptr;
}

int CheckArgCount(const std::string& command, size_t count, int min, int max) {
  auto plural = [](int n) { return n == 1 ? "argument" : "arguments"; };
  std::string message;
  if (min == max && static_cast<int>(count) != min) {
    message = absl::StrCat("\"", command, "\" requires exactly ", min, " ", plural(min), ".");
  } else if (static_cast<int>(count) < min) {
    message = absl::StrCat("\"", command, "\" requires at least ", min, " ", plural(min), ".");
  } else if (max >= 0 && static_cast<int>(count) > max) {
    message = absl::StrCat("\"", command, "\" requires at most ", max, " ", plural(max), ".");
  }
  if (message.empty()) return 0;
  std::fprintf(stderr, "%s\nSee '%s --help'.\n", message.c_str(), command.c_str());
  return kExitDaemonError;
}

int UsageError(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "%s\nSee '%s --help'.\n", message.c_str(), command.c_str());
  return kExitUsage;
}

int ReportRunError(Cli& cli, const grpc::Status& status, const std::string& command, bool with_help) {
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  bool unreachable = status.error_code() == grpc::StatusCode::UNAVAILABLE && channel != nullptr &&
                     channel->GetState(false) != GRPC_CHANNEL_READY;
  if (unreachable) {
    ReportCallError(status, cli.connection.host, channel.get());
    return kExitUsage;
  }
  std::string message = status.error_message();
  if (!message.empty() && message.back() == '.') message.pop_back();
  std::fprintf(stderr, "berth: Error response from daemon: %s.\n", message.c_str());
  if (with_help) std::fprintf(stderr, "See '%s --help'.\n", command.c_str());
  return StartErrorExitCode(message);
}

int StartErrorExitCode(const std::string& message) {
  // docker's runStartContainerErr; the kernel's wording (strerror) too.
  for (const char* text : {"executable file not found", "no such file or directory",
                           "No such file or directory", "system cannot find the file specified"}) {
    if (absl::StrContains(message, text)) return 127;
  }
  for (const char* text : {"permission denied", "Permission denied", "is a directory", "Is a directory"}) {
    if (absl::StrContains(message, text)) return 126;
  }
  return kExitUsage;
}

std::string FamiliarTaggedReference(const std::string& ref) {
  absl::string_view name(ref);
  if (!absl::ConsumePrefix(&name, "docker.io/library/") &&
      !absl::ConsumePrefix(&name, "index.docker.io/library/") &&
      !absl::ConsumePrefix(&name, "docker.io/")) {
    absl::ConsumePrefix(&name, "index.docker.io/");
  }
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  bool tagged = name.find('@') != std::string::npos ||
                (colon != std::string::npos && (slash == std::string::npos || colon > slash));
  return tagged ? std::string(name) : absl::StrCat(name, ":latest");
}

int ForEachContainer(Cli& cli, const std::vector<std::string>& names, bool print_names,
                     const std::function<grpc::Status(const std::string& name)>& call) {
  int rc = 0;
  for (const std::string& name : names) {
    grpc::Status status = call(name);
    if (!status.ok()) {
      rc = ReportCallError(status, cli.connection.host, cli.Channel().get());
      continue;
    }
    if (print_names) std::printf("%s\n", name.c_str());
    std::fflush(stdout);
  }
  return rc;
}

grpc::Status GetContainer(Cli& cli, const std::string& name, berth::tasks::v1::Container* container) {
  auto stub = ContainersStub(cli);
  if (!stub) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "no connection to berthd");
  berth::tasks::v1::GetContainerRequest request;
  request.set_id(name);
  auto context = Cli::CallContext();
  return stub->Get(context.get(), request, container);
}

bool AddFilters(const std::string& command, const std::vector<std::string>& filters,
                google::protobuf::Map<std::string, berth::tasks::v1::FilterValues>* out) {
  for (const std::string& filter : filters) {
    auto parsed = ParseFilter(filter);
    if (!parsed.ok()) {
      UsageError(command, absl::StrCat("invalid argument \"", filter, "\" for \"-f, --filter\" flag: ",
                                       parsed.status().message()));
      return false;
    }
    (*out)[parsed->first].add_values(parsed->second);
  }
  return true;
}

}  // namespace berth::cli
