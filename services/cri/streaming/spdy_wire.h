#ifndef BERTH_SERVICES_CRI_STREAMING_SPDY_WIRE_H_
#define BERTH_SERVICES_CRI_STREAMING_SPDY_WIRE_H_

// SPDY's integers: 32 bits, big-endian, in frames and header blocks alike.

#include <cstdint>
#include <string>
#include <string_view>

namespace berth::cri::streaming {

inline void AppendUint32(std::string* out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

// The caller checks that four bytes are there.
inline uint32_t Uint32At(std::string_view bytes, size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace berth::cri::streaming

#endif  // BERTH_SERVICES_CRI_STREAMING_SPDY_WIRE_H_
