// The initial metadata of a Tasks.Attach call: the tasks service sends it
// once the attach is in place (opened, or waiting for the next start), so a
// client can answer its own client only then, as dockerd answers its 101.
// A call that fails before that ends without it.

#ifndef BERTH_SERVICES_TASKS_ATTACH_METADATA_H_
#define BERTH_SERVICES_TASKS_ATTACH_METADATA_H_

#include <string_view>

namespace berth::tasks {

inline constexpr std::string_view kAttachRegisteredKey = "berth-attach-registered";

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_ATTACH_METADATA_H_
