#ifndef BERTH_SERVICES_COMMON_BASE_RUN_PROCESS_H_
#define BERTH_SERVICES_COMMON_BASE_RUN_PROCESS_H_

// Runs a short-lived program to completion: argv (a bare name is looked up
// in PATH), exactly the environment given, `input` on its stdin; its exit
// code, stdout and stderr come back. Safe to call from a multi-threaded
// process (the child only dup2s, closes and execs).

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth {

struct ProcessResult {
  // 128 + signal when killed, as a shell reports it; 127 when exec failed.
  int exit_code = 0;
  std::string out;
  std::string err;
};

absl::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         const std::vector<std::string>& env,
                                         const std::string& input = "");

// This process's own environment, for a program that should inherit it.
std::vector<std::string> InheritedEnvironment();

}  // namespace berth

#endif  // BERTH_SERVICES_COMMON_BASE_RUN_PROCESS_H_
