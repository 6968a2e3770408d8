#ifndef BERTH_SERVICES_TASKS_DETACH_KEYS_H_
#define BERTH_SERVICES_TASKS_DETACH_KEYS_H_

// Docker's detach keys (--detach-keys, default ctrl-p,ctrl-q): parsed as
// docker's term.ToBytes does, and watched for in a terminal's input as
// docker's escape proxy does: the bytes of a partial match are held back
// and passed on when the match fails; a full match detaches.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::tasks {

constexpr const char* kDefaultDetachKeys = "ctrl-p,ctrl-q";

// "ctrl-p,ctrl-q" -> "\x10\x11"; keys are single characters or ctrl-X for
// X in a-z, @, [, \, ], ^, _. Empty means the default.
absl::StatusOr<std::string> ParseDetachKeys(const std::string& keys);

class DetachKeyFilter {
 public:
  explicit DetachKeyFilter(std::string sequence) : sequence_(std::move(sequence)) {}
  // The input to pass on. Once the sequence is complete, detached() is
  // true and the rest of data is dropped.
  std::string Feed(std::string_view data);
  bool detached() const { return detached_; }

 private:
  std::string sequence_;
  size_t matched_ = 0;
  bool detached_ = false;
};

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_DETACH_KEYS_H_
