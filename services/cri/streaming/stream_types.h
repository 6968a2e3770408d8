#ifndef BERTH_SERVICES_CRI_STREAMING_STREAM_TYPES_H_
#define BERTH_SERVICES_CRI_STREAMING_STREAM_TYPES_H_

// The headers that name a stream's role in remotecommand and port-forward
// sessions (k8s.io/api/core/v1), for both ends.

namespace berth::cri::streaming {

inline constexpr char kStreamTypeHeader[] = "streamType";
inline constexpr char kStreamTypeError[] = "error";
inline constexpr char kStreamTypeStdin[] = "stdin";
inline constexpr char kStreamTypeStdout[] = "stdout";
inline constexpr char kStreamTypeStderr[] = "stderr";
inline constexpr char kStreamTypeResize[] = "resize";
inline constexpr char kStreamTypeData[] = "data";
inline constexpr char kPortHeader[] = "port";
inline constexpr char kPortForwardRequestIdHeader[] = "requestID";

}  // namespace berth::cri::streaming

#endif  // BERTH_SERVICES_CRI_STREAMING_STREAM_TYPES_H_
