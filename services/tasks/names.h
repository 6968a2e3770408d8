#ifndef BERTH_SERVICES_TASKS_NAMES_H_
#define BERTH_SERVICES_TASKS_NAMES_H_

// Container names made up as docker makes them: adjective_surname.

#include <functional>
#include <string>

namespace berth::tasks {

// A name for which in_use returns false; after a few collisions a digit is
// appended, as docker does.
std::string GenerateName(const std::function<bool(const std::string&)>& in_use);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_NAMES_H_
