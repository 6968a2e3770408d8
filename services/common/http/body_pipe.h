#ifndef BERTH_SERVICES_COMMON_HTTP_BODY_PIPE_H_
#define BERTH_SERVICES_COMMON_HTTP_BODY_PIPE_H_

// A request body passed from the connection's thread (which receives it)
// to the handler's (which sends it on to a service) as it arrives, with a
// bound on what waits in between: an image load or `docker cp` of any size
// costs a few MiB, not its size.

#include <deque>
#include <string>

#include "absl/synchronization/mutex.h"

namespace berth::http {

class BodyPipe {
 public:
  explicit BodyPipe(size_t max_buffered = 4 << 20) : max_buffered_(max_buffered) {}

  // Connection side. Push blocks while the handler is behind; what comes
  // after the handler stopped reading is dropped.
  void Push(const char* data, size_t size);
  // The whole body arrived.
  void Finish();
  // The client went away in the middle.
  void Abort();

  // Handler side: up to max bytes; false at the end (or after Abort).
  bool Read(std::string* chunk, size_t max);
  bool aborted() const;
  // The handler returned: Push drops from now on.
  void CloseReader();

 private:
  mutable absl::Mutex mu_;
  std::deque<std::string> chunks_ ABSL_GUARDED_BY(mu_);
  size_t buffered_ ABSL_GUARDED_BY(mu_) = 0;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool aborted_ ABSL_GUARDED_BY(mu_) = false;
  bool reader_closed_ ABSL_GUARDED_BY(mu_) = false;
  const size_t max_buffered_;
};

}  // namespace berth::http

#endif  // BERTH_SERVICES_COMMON_HTTP_BODY_PIPE_H_
