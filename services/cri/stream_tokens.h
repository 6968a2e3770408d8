#ifndef BERTH_SERVICES_CRI_STREAM_TOKENS_H_
#define BERTH_SERVICES_CRI_STREAM_TOKENS_H_

// The requests Exec, Attach and PortForward answered with a URL, until the
// client comes for them: each token is single-use and expires after a
// minute, as the kubelet's streaming request cache (at most 1000 waiting;
// the oldest go first when full). A token is 8 random bytes in base64url,
// as the kubelet makes them.

#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "k8s/cri/runtime/v1/api.pb.h"

namespace berth::cri {

using StreamRequest = std::variant<runtime::v1::ExecRequest, runtime::v1::AttachRequest,
                                   runtime::v1::PortForwardRequest>;

class StreamTokens {
 public:
  struct Options {
    absl::Duration ttl = absl::Minutes(1);
    size_t max_waiting = 1000;
    std::function<absl::Time()> now = [] { return absl::Now(); };
  };
  StreamTokens() : StreamTokens(Options()) {}
  explicit StreamTokens(Options options) : options_(std::move(options)) {}

  // A fresh token for request.
  absl::StatusOr<std::string> Insert(StreamRequest request);
  // The request, once: nullopt for a token unknown, used or expired.
  std::optional<StreamRequest> Consume(const std::string& token);

 private:
  struct Entry {
    StreamRequest request;
    absl::Time expires;
    std::list<std::string>::iterator order;
  };
  void DropExpiredLocked(absl::Time now);

  const Options options_;
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_;
  std::list<std::string> order_;  // oldest first
};

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_STREAM_TOKENS_H_
