#ifndef BERTH_SERVICES_CRI_STREAMING_TERMINAL_SIZE_H_
#define BERTH_SERVICES_CRI_STREAMING_TERMINAL_SIZE_H_

// The resize stream of a TTY exec or attach (v3 and later): one JSON
// object per change, {"Width":80,"Height":24}, as kubectl's encoder writes
// them (a newline after each) and the kubelet's decoder reads them (field
// names in any case, whitespace or nothing between objects).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace berth::cri::streaming {

struct TerminalSize {
  uint16_t width = 0;
  uint16_t height = 0;
  bool operator==(const TerminalSize& other) const { return width == other.width && height == other.height; }
};

std::string EncodeTerminalSize(const TerminalSize& size);

class TerminalSizeDecoder {
 public:
  // Appends the sizes that bytes complete to *sizes. An error for what is
  // not a size: the kubelet stops reading the stream there, and so should
  // the caller.
  absl::Status Feed(std::string_view bytes, std::vector<TerminalSize>* sizes);

 private:
  std::string pending_;
};

}  // namespace berth::cri::streaming

#endif  // BERTH_SERVICES_CRI_STREAMING_TERMINAL_SIZE_H_
