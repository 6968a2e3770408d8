#ifndef BERTH_SERVICES_TASKS_VOLUME_RELEASE_H_
#define BERTH_SERVICES_TASKS_VOLUME_RELEASE_H_

// The one routine that gives a container's volumes back: at rm (and rm -v,
// --rm) and when a create fails half-way; and the notes of its starts and
// stops to the volumes' owner.

#include <string>

#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "berth/tasks/v1/tasks.pb.h"

namespace berth::tasks {

// Drops the container's registration on each of its volumes. With
// remove_anonymous (rm -v, --rm, a failed create), anonymous volumes go
// too, as docker's removeMountPoints does: every mount without a name of
// its own, those from --volumes-from included, but one that another
// container still uses stays (that refusal is no error). Named volumes
// always stay.
void ReleaseVolumes(berth::snapshots::v1::Volumes::StubInterface* volumes,
                    const std::string& container_id, const v1::ContainerSpec& spec,
                    bool remove_anonymous);

// Tells the volumes service that the container started with its volumes
// mounted (mounted) or stopped: docker's volume mount and unmount events.
// Best effort: a refusal is logged, the start or stop goes on.
void AnnounceVolumeMounts(berth::snapshots::v1::Volumes::StubInterface* volumes,
                          const std::string& container_id, const v1::ContainerSpec& spec,
                          bool mounted);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_VOLUME_RELEASE_H_
