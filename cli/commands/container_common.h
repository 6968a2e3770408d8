#ifndef BERTH_CLI_COMMANDS_CONTAINER_COMMON_H_
#define BERTH_CLI_COMMANDS_CONTAINER_COMMON_H_

// What the container commands share: stubs for the tasks service, docker's
// argument-count and run errors, and the loop of the commands that act on
// several containers.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "berth/tasks/v1/tasks.grpc.pb.h"
#include "cli/cli.h"

namespace berth::cli {

std::unique_ptr<berth::tasks::v1::Containers::Stub> ContainersStub(Cli& cli);
std::unique_ptr<berth::tasks::v1::Tasks::Stub> TasksStub(Cli& cli);

// docker's `"berth stop" requires at least 1 argument.` (exit 1). `min`
// and `max` bound the count (max < 0: no bound); returns 0 when it is met.
int CheckArgCount(const std::string& command, size_t count, int min, int max);

// A usage error of `command` ("berth run"): MESSAGE, then "See 'COMMAND
// --help'.". Returns kExitUsage.
int UsageError(const std::string& command, const std::string& message);

// A failed call of run/create/start as docker's reportError prints it:
// "berth: Error response from daemon: MESSAGE." (and "See 'COMMAND --help'."
// when with_help). Returns 127/126/125 by the message (docker's
// runStartContainerErr).
int ReportRunError(Cli& cli, const grpc::Status& status, const std::string& command, bool with_help);

// docker's exit code for a failed create/start: 127 when the command was not
// found, 126 when it could not be run, 125 otherwise.
int StartErrorExitCode(const std::string& message);

// The name docker prints in "Unable to find image 'busybox:latest' locally".
std::string FamiliarTaggedReference(const std::string& ref);

// Calls `call` for each container as given, printing the name on success
// (when print_names) and docker's "Error response from daemon: ..." on
// failure. Returns 0, or 1 if any failed.
int ForEachContainer(Cli& cli, const std::vector<std::string>& names, bool print_names,
                     const std::function<grpc::Status(const std::string& name)>& call);

// Containers.Get of one container.
grpc::Status GetContainer(Cli& cli, const std::string& name, berth::tasks::v1::Container* container);

// docker's "key=value" --filter flags into a request's filters map. On a
// bad filter prints pflag's error for `command` and returns false.
bool AddFilters(const std::string& command, const std::vector<std::string>& filters,
                google::protobuf::Map<std::string, berth::tasks::v1::FilterValues>* out);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_CONTAINER_COMMON_H_
