#ifndef BERTH_SERVICES_COMMON_SERVER_SIGNALS_H_
#define BERTH_SERVICES_COMMON_SERVER_SIGNALS_H_

#include <csignal>
#include <initializer_list>
#include <string>

namespace berth::server {

// Blocks the given signals in the calling thread; call it in main before any
// thread starts so that every thread inherits the mask and only an explicit
// sigwait sees them (gRPC's threads must never run a handler).
void BlockSignals(std::initializer_list<int> signals);

// Waits for one of the given (blocked) signals; returns it.
int WaitForSignal(std::initializer_list<int> signals);

// The file berthd writes before it stops its services on purpose, and
// removes at its start: a service's SIGTERM is berthd's orderly stop only
// while it exists. The parent-death signal of a killed berthd is a SIGTERM
// too, and may come while the dying berthd still looks like our parent (its
// threads exit one by one), so the parent's pid cannot tell them apart.
inline std::string OrderlyStopMarker(const std::string& exec_root) {
  return exec_root + "/berthd.stopping";
}

}  // namespace berth::server

#endif  // BERTH_SERVICES_COMMON_SERVER_SIGNALS_H_
