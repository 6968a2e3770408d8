#include "services/cri/stream_tokens.h"

#include <openssl/rand.h>

#include "absl/strings/escaping.h"

namespace berth::cri {

absl::StatusOr<std::string> StreamTokens::Insert(StreamRequest request) {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("streaming: no random bytes for a token");
  }
  std::string token = absl::WebSafeBase64Escape(
      std::string(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
  absl::MutexLock lock(&mu_);
  absl::Time now = options_.now();
  DropExpiredLocked(now);
  while (entries_.size() >= options_.max_waiting && !order_.empty()) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  if (entries_.count(token) > 0) return absl::InternalError("streaming: token collision");
  order_.push_back(token);
  entries_.emplace(token, Entry{std::move(request), now + options_.ttl, std::prev(order_.end())});
  return token;
}

std::optional<StreamRequest> StreamTokens::Consume(const std::string& token) {
  absl::MutexLock lock(&mu_);
  DropExpiredLocked(options_.now());
  auto it = entries_.find(token);
  if (it == entries_.end()) return std::nullopt;
  StreamRequest request = std::move(it->second.request);
  order_.erase(it->second.order);
  entries_.erase(it);
  return request;
}

void StreamTokens::DropExpiredLocked(absl::Time now) {
  while (!order_.empty()) {
    auto it = entries_.find(order_.front());
    if (it != entries_.end() && it->second.expires > now) return;
    if (it != entries_.end()) entries_.erase(it);
    order_.pop_front();
  }
}

}  // namespace berth::cri
