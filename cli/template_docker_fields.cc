#include "cli/template_docker_fields.h"

#include <map>
#include <string>

namespace berth::cli::gotmpl {
namespace {

using Fields = std::map<std::string, DockerField>;

const Fields& Known() {
  static const Fields* fields = [] {
    auto* known = new Fields;
    // Pointers (*Health, *HealthConfig, *int, *bool, *int64, ...).
    for (const char* name :
         {"Health", "Healthcheck", "StopTimeout", "SizeRw", "SizeRootFs", "IPAMConfig", "UsageData",
          "ContainerConfig", "Descriptor", "ClusterVolume", "Init", "OomKillDisable", "PidsLimit",
          "MemorySwappiness"}) {
      (*known)[name] = {GoKind::kPointer, nullptr};
    }
    // Slices ([]string, strslice, []MountPoint, ...).
    for (const char* name :
         {"Cmd", "Entrypoint", "Shell", "OnBuild", "Env", "Args", "Links", "Dns", "DnsOptions", "DnsSearch",
          "ExtraHosts", "CapAdd", "CapDrop", "GroupAdd", "SecurityOpt", "Binds", "VolumesFrom", "Devices",
          "DeviceCgroupRules", "DeviceRequests", "Mounts", "MaskedPaths", "ReadonlyPaths", "Aliases",
          "DNSNames", "Ulimits", "BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps",
          "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "ExecIDs", "RepoTags", "RepoDigests", "Layers",
          "Log", "Test", "Manifests", "SecondaryIPAddresses", "SecondaryIPv6Addresses", "Peers"}) {
      (*known)[name] = {GoKind::kSlice, nullptr};
    }
    // Maps (labels, options, port sets and maps, networks by name, ...).
    for (const char* name :
         {"Labels", "ExposedPorts", "Volumes", "Annotations", "Options", "DriverOpts", "Tmpfs", "Sysctls",
          "StorageOpt", "Ports", "Networks", "Containers", "Status", "Services", "Data"}) {
      (*known)[name] = {GoKind::kMap, nullptr};
    }
    // omitempty strings and bools.
    for (const char* name :
         {"StopSignal", "MacAddress", "Name", "Driver", "DockerVersion", "Variant", "OsVersion", "Comment",
          "Parent", "Author"}) {
      (*known)[name] = {GoKind::kUnknown, ""};
    }
    for (const char* name : {"ArgsEscaped", "NetworkDisabled"}) (*known)[name] = {GoKind::kUnknown, false};
    return known;
  }();
  return *fields;
}

}  // namespace

std::optional<DockerField> FindDockerField(absl::string_view name) {
  auto found = Known().find(std::string(name));
  if (found == Known().end()) return std::nullopt;
  return found->second;
}

}  // namespace berth::cli::gotmpl
