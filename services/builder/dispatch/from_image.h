#ifndef BERTH_SERVICES_BUILDER_DISPATCH_FROM_IMAGE_H_
#define BERTH_SERVICES_BUILDER_DISPATCH_FROM_IMAGE_H_

// A FROM line as docker's classic builder reads it before pulling: the base
// name and --platform expanded with the global ARGs only.

#include <string>

#include "absl/status/statusor.h"
#include "services/builder/dispatch/build_args.h"
#include "services/builder/dockerfile/instruction.h"

namespace berth::builder {

// "FROM ${BASE}:${TAG}" → "alpine:3.19". A name that expands to nothing is
// refused ("base name (${X}) should not be blank"), and so is a --platform
// this host cannot run (berth builds for the host only; docker would pull
// the other platform's image and fail at the first RUN).
absl::StatusOr<std::string> ExpandFromName(const Instruction& from,
                                           const BuildArgs& args,
                                           char escape = '\\');

// The host's platform, as docker names it: "linux/amd64", "linux/arm64",
// "linux/arm/v7".
std::string HostPlatform();

// containerd's platforms.Parse and Normalize, to "os/arch[/variant]":
// "amd64" → "linux/amd64", "linux/x86_64" → "linux/amd64",
// "linux/aarch64" → "linux/arm64".
absl::StatusOr<std::string> NormalizePlatform(const std::string& specifier);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DISPATCH_FROM_IMAGE_H_
