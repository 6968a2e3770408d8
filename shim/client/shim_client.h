#ifndef BERTH_SHIM_CLIENT_SHIM_CLIENT_H_
#define BERTH_SHIM_CLIENT_SHIM_CLIENT_H_

// The tasks service's side of a shim: one connection per call over the
// shim's socket (they are cheap, and a call never waits behind another),
// and the launch of a new shim.

#include <optional>
#include <string>

#include <google/protobuf/message_lite.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "berth/shim/v1/shim.pb.h"
#include "services/common/base/unique_fd.h"

namespace berth::shim {

class ShimClient {
 public:
  explicit ShimClient(std::string socket_path) : socket_path_(std::move(socket_path)) {}

  // A unary method. timeout bounds the whole call; InfiniteDuration for
  // Wait. Unavailable when the shim is gone.
  absl::Status Call(const std::string& method, const google::protobuf::MessageLite& request,
                    google::protobuf::MessageLite* response,
                    absl::Duration timeout = absl::Seconds(10)) const;

  const std::string& socket_path() const { return socket_path_; }

 private:
  std::string socket_path_;
};

// The stdio of a container, streamed by the shim until it exits.
class ShimAttachment {
 public:
  static absl::StatusOr<ShimAttachment> Open(const std::string& socket_path,
                                             const v1::AttachRequest& request);
  // The next output; nullopt once the process has exited and everything
  // it wrote was delivered.
  absl::StatusOr<std::optional<v1::IOFrame>> Next();
  absl::Status WriteStdin(const std::string& data, bool eof);
  // Unblocks Next() from another thread.
  void Cancel();

 private:
  explicit ShimAttachment(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

absl::StatusOr<UniqueFd> ConnectShim(const std::string& socket_path);

}  // namespace berth::shim

#endif  // BERTH_SHIM_CLIENT_SHIM_CLIENT_H_
