#include "services/common/http/body_pipe.h"

namespace berth::http {

void BodyPipe::Push(const char* data, size_t size) {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](BodyPipe* pipe) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pipe->mu_) {
        return pipe->reader_closed_ || pipe->aborted_ || pipe->buffered_ < pipe->max_buffered_;
      },
      this));
  if (reader_closed_ || aborted_) return;
  chunks_.emplace_back(data, size);
  buffered_ += size;
}

void BodyPipe::Finish() {
  absl::MutexLock lock(&mu_);
  finished_ = true;
}

void BodyPipe::Abort() {
  absl::MutexLock lock(&mu_);
  aborted_ = true;
}

bool BodyPipe::Read(std::string* chunk, size_t max) {
  chunk->clear();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](BodyPipe* pipe) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pipe->mu_) {
        return pipe->aborted_ || pipe->finished_ || !pipe->chunks_.empty();
      },
      this));
  if (aborted_) return false;
  // Gather what waits, up to max: the service gets few large messages.
  while (!chunks_.empty() && chunk->size() < max) {
    std::string& front = chunks_.front();
    size_t take = std::min(front.size(), max - chunk->size());
    chunk->append(front, 0, take);
    buffered_ -= take;
    if (take == front.size()) {
      chunks_.pop_front();
    } else {
      front.erase(0, take);
    }
  }
  return !chunk->empty();
}

bool BodyPipe::aborted() const {
  absl::MutexLock lock(&mu_);
  return aborted_;
}

void BodyPipe::CloseReader() {
  absl::MutexLock lock(&mu_);
  reader_closed_ = true;
  chunks_.clear();
  buffered_ = 0;
}

}  // namespace berth::http
