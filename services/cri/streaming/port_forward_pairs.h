#ifndef BERTH_SERVICES_CRI_STREAMING_PORT_FORWARD_PAIRS_H_
#define BERTH_SERVICES_CRI_STREAMING_PORT_FORWARD_PAIRS_H_

// The server's side of portforward.k8s.io: each forwarded connection is a
// pair of streams, streamType "error" and "data", carrying the same port
// and requestID headers, opened in either order. Pairs as the kubelet's
// port-forward handler pairs them, including its guess for clients too old
// to send requestID (the error stream's id, or the data stream's id - 2).

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/cri/streaming/spdy_session.h"

namespace berth::cri::streaming {

struct PortForwardPair {
  std::string request_id;
  int port = 0;
  std::shared_ptr<SpdyStream> data;
  std::shared_ptr<SpdyStream> error;  // where a failure to connect is written
};

class PortForwardPairs {
 public:
  // pair_timeout: how long half a pair waits for its other half (the
  // kubelet's stream creation timeout).
  explicit PortForwardPairs(SpdySession& session, absl::Duration pair_timeout = absl::Seconds(30))
      : session_(session), pair_timeout_(pair_timeout) {}

  // The next whole pair, waiting up to timeout (DEADLINE_EXCEEDED), or the
  // session's end (UNAVAILABLE). A half pair past pair_timeout, or a pair
  // with a port that is not a number in 1-65535, is answered on its error
  // stream and dropped; a stream of another type is reset.
  absl::StatusOr<PortForwardPair> Next(absl::Duration timeout);

 private:
  struct Half {
    std::shared_ptr<SpdyStream> data, error;
    absl::Time deadline;
  };
  void ExpireHalves(absl::Time now);
  // Takes one stream in; true with *pair set when it completes a pair.
  bool Add(std::shared_ptr<SpdyStream> stream, PortForwardPair* pair);

  SpdySession& session_;
  const absl::Duration pair_timeout_;
  std::map<std::string, Half> halves_;
};

}  // namespace berth::cri::streaming

#endif  // BERTH_SERVICES_CRI_STREAMING_PORT_FORWARD_PAIRS_H_
