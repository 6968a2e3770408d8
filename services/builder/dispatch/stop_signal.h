#ifndef BERTH_SERVICES_BUILDER_DISPATCH_STOP_SIGNAL_H_
#define BERTH_SERVICES_BUILDER_DISPATCH_STOP_SIGNAL_H_

// STOPSIGNAL's check, as docker's signal.ParseSignal: a non-zero number, or
// a Linux signal name with or without "SIG", any case ("SIGRTMIN+3").

#include <string>

#include "absl/status/status.h"

namespace berth::builder {

// InvalidArgument "invalid signal: X" otherwise.
absl::Status CheckStopSignal(const std::string& signal);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DISPATCH_STOP_SIGNAL_H_
