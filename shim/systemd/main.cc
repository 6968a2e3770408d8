// berth-systemd-scope: the shim's one way to systemd (the shim itself is
// static and stays small; sd-bus is a shared library). Short-lived: one
// call, it waits for systemd's job, and exits 0, or 1 with the error on
// stderr.
//
//   berth-systemd-scope start UNIT SLICE PID [NAME=VALUE...]
//   berth-systemd-scope set UNIT [NAME=VALUE...]
//   berth-systemd-scope stop UNIT

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "shim/systemd/bus.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: berth-systemd-scope start UNIT SLICE PID [NAME=VALUE...]\n"
               "       berth-systemd-scope set UNIT [NAME=VALUE...]\n"
               "       berth-systemd-scope stop UNIT\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 2) return Usage();
  const std::string& command = args[0];
  const std::string& unit = args[1];
  absl::Status status;
  auto manager = berth::systemd::Manager::Connect();
  if (!manager.ok()) {
    status = manager.status();
  } else if (command == "start" && args.size() >= 4) {
    int pid = 0;
    if (!absl::SimpleAtoi(args[3], &pid) || pid <= 0) return Usage();
    status = (*manager)->StartScope(unit, args[2], pid, {args.begin() + 4, args.end()});
  } else if (command == "set") {
    status = (*manager)->SetProperties(unit, {args.begin() + 2, args.end()});
  } else if (command == "stop" && args.size() == 2) {
    status = (*manager)->StopUnit(unit);
  } else {
    return Usage();
  }
  if (!status.ok()) {
    std::fprintf(stderr, "berth-systemd-scope: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
