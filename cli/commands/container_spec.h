#ifndef BERTH_CLI_COMMANDS_CONTAINER_SPEC_H_
#define BERTH_CLI_COMMANDS_CONTAINER_SPEC_H_

// From parsed `run`/`create` flags to the ContainerSpec the tasks service
// takes, checking each value as docker does.

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "cli/commands/container_flags.h"
#include "cli/commands/container_parse.h"

namespace berth::cli {

// Where BuildContainerSpec reads the environment and --env-file/--label-file.
struct SpecSources {
  EnvLookup lookup_env;
  std::function<absl::StatusOr<std::string>(const std::string& path)> read_file;
};
SpecSources SystemSpecSources();

// The ContainerSpec for CreateContainerRequest: only what the user gave; the
// service merges it with the image's config. IMAGE is spec.image as typed,
// COMMAND [ARG...] spec.cmd, and `--entrypoint ""` one empty string.
std::optional<FlagError> BuildContainerSpec(const ContainerFlags& flags, const SpecSources& sources,
                                            berth::tasks::v1::ContainerSpec* spec);

// The resource flags `update` shares with `run`, as typed (empty when not
// given); errors name the flags as pflag does.
struct ResourceFlags {
  std::string memory, memory_swap, memory_reservation, cpus, cpu_shares, cpuset_cpus;
  std::string cpuset_mems, pids_limit, blkio_weight;
};
std::optional<FlagError> BuildResources(const ResourceFlags& flags,
                                        berth::tasks::v1::Resources* resources);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_CONTAINER_SPEC_H_
