#include "services/images/transfers.h"

#include <algorithm>

namespace berth::images {

int TransferLimit::Limit() const { return std::max(1, limit_()); }

bool TransferLimit::HasRoom() const { return active_ < Limit(); }

void TransferLimit::Acquire() {
  absl::MutexLock lock(&mu_);
  // Re-evaluated whenever a slot is released: a raised limit lets waiters
  // in at the next release, a lowered one holds new transfers back.
  mu_.Await(absl::Condition(this, &TransferLimit::HasRoom));
  ++active_;
}

void TransferLimit::Release() {
  absl::MutexLock lock(&mu_);
  --active_;
}

Transfers::Transfers(size_t count, TransferLimit* limit, std::function<void(size_t)> job)
    : count_(count), limit_(limit), job_(std::move(job)) {
  size_t threads = std::min(count, static_cast<size_t>(limit_->Limit()));
  for (size_t t = 0; t < threads; ++t) threads_.emplace_back([this] { Work(); });
}

void Transfers::Join() {
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void Transfers::Work() {
  while (true) {
    size_t i;
    {
      absl::MutexLock lock(&mu_);
      if (next_ >= count_) return;
      i = next_++;
    }
    limit_->Acquire();
    TransferLimit::Slot slot(limit_);
    job_(i);
  }
}

}  // namespace berth::images
