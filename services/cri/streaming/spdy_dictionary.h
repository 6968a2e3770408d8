#ifndef BERTH_SERVICES_CRI_STREAMING_SPDY_DICTIONARY_H_
#define BERTH_SERVICES_CRI_STREAMING_SPDY_DICTIONARY_H_

// The zlib dictionary SPDY/3 header blocks are compressed with (the SPDY/3
// draft, section 2.6.10.1): both ends prime deflate and inflate with it.

#include <string_view>

namespace berth::cri::streaming {

// 1423 bytes; its Adler-32, the dictionary id zlib checks, is 0xe3c6a7c2.
std::string_view SpdyHeaderDictionary();

}  // namespace berth::cri::streaming

#endif  // BERTH_SERVICES_CRI_STREAMING_SPDY_DICTIONARY_H_
