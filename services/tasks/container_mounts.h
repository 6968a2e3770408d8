#ifndef BERTH_SERVICES_TASKS_CONTAINER_MOUNTS_H_
#define BERTH_SERVICES_TASKS_CONTAINER_MOUNTS_H_

// Which mounts a new container gets, by docker's rules: the mounts of
// --volumes-from containers first, the user's -v/--mount/--tmpfs replace
// those at the same destination, and each VOLUME of the image becomes an
// anonymous volume where nothing else is mounted. Pure: the factory then
// resolves the result with the snapshots service.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/tasks/v1/tasks.pb.h"

namespace berth::tasks {

// Markers in MountSpec.volume_options that berth sets itself; they are no
// volume driver options.
inline constexpr char kAnonymousMarker[] = "anonymous";
inline constexpr char kCreateHostPathMarker[] = "create_host_path";
// A volume docker keeps in Config.Volumes (image VOLUME, `-v /path`): Mode "".
inline constexpr char kConfigVolumeMarker[] = "config_volume";
// Came with --volumes-from: the volume exists, nothing is copied up.
inline constexpr char kVolumesFromMarker[] = "volumes_from";
// --tmpfs (docker's HostConfig.Tmpfs): not one of inspect's Mounts.
inline constexpr char kTmpfsFlagMarker[] = "tmpfs_flag";
// --mount (docker's HostConfig.Mounts rather than Binds).
inline constexpr char kMountFlagMarker[] = "mount_flag";
bool IsMarker(const std::string& key);

// "/a//b/../c/" -> "/a/c".
std::string CleanMountPath(const std::string& path);

// The destinations of the image config's Volumes (OCI config.Volumes).
std::vector<std::string> ImageVolumes(const std::string& image_config_json);

// --volumes-from CONTAINER[:ro|:rw] -> (CONTAINER, "ro"|"rw"), with
// docker's errors.
absl::StatusOr<std::pair<std::string, std::string>> ParseVolumesFrom(const std::string& spec);

// The mounts of another container as --volumes-from takes them: read-only
// if either side is, docker's Mode "" , --tmpfs ones left out.
std::vector<v1::MountSpec> InheritedMounts(const std::vector<v1::MountSpec>& mounts,
                                           const std::string& mode);

// The container's mounts in docker's precedence (see the file comment).
std::vector<v1::MountSpec> ComposeMounts(const std::vector<v1::MountSpec>& inherited,
                                         const std::vector<v1::MountSpec>& requested,
                                         const std::vector<std::string>& image_volumes);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_CONTAINER_MOUNTS_H_
