#ifndef BERTH_SERVICES_TASKS_COMMIT_CONFIG_H_
#define BERTH_SERVICES_TASKS_COMMIT_CONFIG_H_

// What commit takes from a container besides its files: the image config
// it carries forward and the paths its layer leaves out.

#include <string>
#include <vector>

#include "berth/tasks/v1/tasks.pb.h"

namespace berth::tasks {

// The "config" object of the committed image as JSON: the image's config
// with the container's own settings over it (command, entrypoint,
// environment, working directory, user, labels, exposed ports, stop
// signal), as docker commits c.Config. The variables the runtime adds
// (HOSTNAME, TERM for a TTY) are not kept.
std::string CommitConfigJson(const v1::Container& container);

// Paths (relative to the root) the new layer leaves out, with what is
// below them: the init files, the mount points of /dev, /proc and /sys
// (the shim makes them where the image has none; docker keeps them in its
// init layer) and every mount point of a volume, bind or tmpfs.
std::vector<std::string> CommitExcludes(const v1::Container& container);

// docker's history "created_by" of a commit: the container's Cmd.
std::string CommitCreatedBy(const v1::Container& container);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_COMMIT_CONFIG_H_
