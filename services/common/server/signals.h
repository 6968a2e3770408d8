#ifndef BERTH_SERVICES_COMMON_SERVER_SIGNALS_H_
#define BERTH_SERVICES_COMMON_SERVER_SIGNALS_H_

#include <csignal>
#include <initializer_list>

namespace berth::server {

// Blocks the given signals in the calling thread; call it in main before any
// thread starts so that every thread inherits the mask and only an explicit
// sigwait sees them (gRPC's threads must never run a handler).
void BlockSignals(std::initializer_list<int> signals);

// Waits for one of the given (blocked) signals; returns it.
int WaitForSignal(std::initializer_list<int> signals);

}  // namespace berth::server

#endif  // BERTH_SERVICES_COMMON_SERVER_SIGNALS_H_
