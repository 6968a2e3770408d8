#include "services/cri/streaming/port_forward_pairs.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace berth::cri::streaming {
namespace {

// The error stream tells the client why; then its end.
void Answer(const std::shared_ptr<SpdyStream>& error, const std::string& message) {
  if (error == nullptr) return;
  error->Write(message).IgnoreError();
  error->CloseWrite().IgnoreError();
}

}  // namespace

absl::StatusOr<PortForwardPair> PortForwardPairs::Next(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const absl::Time now = absl::Now();
    ExpireHalves(now);
    // Wake for the first half pair to expire, or the caller's deadline.
    absl::Time wake = deadline;
    for (const auto& [id, half] : halves_) wake = std::min(wake, half.deadline);
    absl::StatusOr<std::shared_ptr<SpdyStream>> stream =
        session_.AcceptStream(std::max(wake - now, absl::ZeroDuration()));
    if (absl::IsDeadlineExceeded(stream.status())) {
      if (absl::Now() >= deadline) return absl::DeadlineExceededError("port-forward: no new connection");
      continue;
    }
    if (!stream.ok()) return stream.status();
    PortForwardPair pair;
    if (Add(*std::move(stream), &pair)) return pair;
  }
}

void PortForwardPairs::ExpireHalves(absl::Time now) {
  for (auto it = halves_.begin(); it != halves_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    // The kubelet's words.
    Answer(it->second.error, absl::StrCat("(request=", it->first, ") timed out waiting for streams"));
    if (it->second.data != nullptr) it->second.data->Reset(RstStatus::kCancel);
    it = halves_.erase(it);
  }
}

bool PortForwardPairs::Add(std::shared_ptr<SpdyStream> stream, PortForwardPair* pair) {
  const std::string type = stream->Header("streamType");
  if (type != "data" && type != "error") {
    stream->Reset(RstStatus::kRefusedStream);
    return false;
  }
  std::string request_id = stream->Header("requestID");
  if (request_id.empty()) {
    // An old client: both halves come one after the other (ids 2 apart).
    request_id = std::to_string(type == "error" ? stream->id() : stream->id() - 2);
  }
  Half& half = halves_[request_id];
  if (half.data == nullptr && half.error == nullptr) half.deadline = absl::Now() + pair_timeout_;
  std::shared_ptr<SpdyStream>& slot = type == "data" ? half.data : half.error;
  if (slot != nullptr) {  // a second stream of one type for one request
    stream->Reset(RstStatus::kProtocolError);
    return false;
  }
  slot = std::move(stream);
  if (half.data == nullptr || half.error == nullptr) return false;

  pair->request_id = request_id;
  pair->data = std::move(half.data);
  pair->error = std::move(half.error);
  halves_.erase(request_id);
  const std::string port_text = pair->data->Header("port");
  if (!absl::SimpleAtoi(port_text, &pair->port) || pair->port < 1 || pair->port > 65535) {
    Answer(pair->error, absl::StrCat("error parsing port \"", port_text, "\""));
    pair->data->Reset(RstStatus::kCancel);
    return false;
  }
  return true;
}

}  // namespace berth::cri::streaming
