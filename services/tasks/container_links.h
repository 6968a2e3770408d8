#ifndef BERTH_SERVICES_TASKS_CONTAINER_LINKS_H_
#define BERTH_SERVICES_TASKS_CONTAINER_LINKS_H_

// docker's legacy links (--link NAME[:ALIAS], HostConfig.Links) on the
// default bridge: at each start the linked container's address goes into
// /etc/hosts under the alias, its hostname and its name, and its exposed
// ports, name and environment into ALIAS_* variables, as dockerd 20.10
// writes them. Pure: the task manager looks the containers up.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/tasks/v1/tasks.pb.h"

namespace berth::tasks {

struct Link {
  std::string name;   // the linked container's name, no leading "/"
  std::string alias;  // its name when none was given
};

// "NAME[:ALIAS]" (a leading "/" on either is dropped), docker's error
// otherwise.
absl::StatusOr<Link> ParseLink(const std::string& text);

// "IP\tALIAS HOSTNAME NAME" (NAME left out when it is the alias).
std::string LinkHostsLine(const Link& link, const v1::Container& linked);

// ALIAS_NAME=/PARENT/ALIAS, ALIAS_PORT*, ALIAS_ENV_* (HOME and PATH left
// out), ALIAS upper-cased with '-' as '_'.
std::vector<std::string> LinkEnv(const Link& link, const std::string& parent_name,
                                 const v1::Container& linked);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_CONTAINER_LINKS_H_
