#ifndef BERTH_SERVICES_TASKS_CONTAINER_DEVICES_H_
#define BERTH_SERVICES_TASKS_CONTAINER_DEVICES_H_

// A container's devices for its shim, as docker's daemon gathers them at
// start: --device nodes looked up on the host (their type, numbers, mode
// and owner, and a cgroup rule with the given permissions; a directory
// gives every node under it), --device-cgroup-rule, every host device for
// --privileged, and --gpus refused (no GPU runtime).

#include <string>

#include "absl/status/status.h"
#include "berth/shim/v1/shim.pb.h"
#include "berth/tasks/v1/tasks.pb.h"

namespace berth::tasks {

// Checks --device-cgroup-rule and --device permissions (docker's messages).
absl::Status ValidateDevices(const v1::ContainerSpec& spec);

// Fills create's devices and device_rules; `dev` is the host's /dev
// (a test's own directory otherwise).
absl::Status AddDevices(const v1::ContainerSpec& spec, berth::shim::v1::CreateRequest* create,
                        const std::string& dev = "/dev");

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_CONTAINER_DEVICES_H_
