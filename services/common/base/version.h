#ifndef BERTH_SERVICES_COMMON_BASE_VERSION_H_
#define BERTH_SERVICES_COMMON_BASE_VERSION_H_

namespace berth {

// Release of every binary built from this tree; they are installed together.
inline constexpr char kVersion[] = "0.1.0";
// Version of the gRPC API in proto/ (the v1 packages).
inline constexpr char kApiVersion[] = "1.0";

}  // namespace berth

#endif  // BERTH_SERVICES_COMMON_BASE_VERSION_H_
