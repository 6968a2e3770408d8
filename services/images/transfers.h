#ifndef BERTH_SERVICES_IMAGES_TRANSFERS_H_
#define BERTH_SERVICES_IMAGES_TRANSFERS_H_

// How many layers the images service moves at once, as dockerd's transfer
// managers: every pull shares one limit (max-concurrent-downloads), every
// push another (max-concurrent-uploads). The limit is read whenever a
// transfer waits for a slot, so a reload applies to the transfers that
// start after it.

#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace berth::images {

class TransferLimit {
 public:
  explicit TransferLimit(std::function<int()> limit) : limit_(std::move(limit)) {}
  TransferLimit(const TransferLimit&) = delete;
  TransferLimit& operator=(const TransferLimit&) = delete;

  // A slot held for the life of the object.
  class Slot {
   public:
    explicit Slot(TransferLimit* owner) : owner_(owner) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { owner_->Release(); }

   private:
    TransferLimit* owner_;
  };

  // Blocks until fewer transfers than the limit run, then takes a slot.
  void Acquire();
  void Release();
  // The limit now, at least 1.
  int Limit() const;

 private:
  bool HasRoom() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  std::function<int()> limit_;
  mutable absl::Mutex mu_;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
};

// Runs job(0), job(1)… job(count-1) on background threads, starting them in
// that order (a pull unpacks layer i as soon as layers 0..i are in) and
// each inside a slot of limit. As many threads as the limit allowed when
// the transfers began, never more than count. The destructor waits for all.
class Transfers {
 public:
  Transfers(size_t count, TransferLimit* limit, std::function<void(size_t)> job);
  Transfers(const Transfers&) = delete;
  Transfers& operator=(const Transfers&) = delete;
  ~Transfers() { Join(); }
  void Join();

 private:
  void Work();

  size_t count_;
  TransferLimit* limit_;
  std::function<void(size_t)> job_;
  absl::Mutex mu_;
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> threads_;
};

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_TRANSFERS_H_
