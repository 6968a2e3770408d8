#include "services/images/transfers.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace berth::images {
namespace {

// A fake transfer: counts the calls running at once and keeps the peak.
class FakeFetch {
 public:
  void operator()(size_t i) {
    {
      absl::MutexLock lock(&mu_);
      ++running_;
      peak_ = std::max(peak_, running_);
      order_.push_back(i);
    }
    absl::SleepFor(absl::Milliseconds(20));
    absl::MutexLock lock(&mu_);
    --running_;
  }
  int peak() {
    absl::MutexLock lock(&mu_);
    return peak_;
  }
  std::vector<size_t> order() {
    absl::MutexLock lock(&mu_);
    return order_;
  }

 private:
  absl::Mutex mu_;
  int running_ = 0;
  int peak_ = 0;
  std::vector<size_t> order_;
};

TEST(TransfersTest, OnePullNeverExceedsTheLimit) {
  TransferLimit limit([] { return 3; });
  FakeFetch fetch;
  { Transfers transfers(10, &limit, [&](size_t i) { fetch(i); }); }
  EXPECT_EQ(fetch.peak(), 3);  // Reached, never passed.
  EXPECT_EQ(fetch.order().size(), 10u);
}

// dockerd's limit is the daemon's, not each pull's: three pulls at once
// still move two layers at a time in all.
TEST(TransfersTest, ConcurrentPullsShareOneLimit) {
  TransferLimit limit([] { return 2; });
  FakeFetch fetch;
  std::vector<std::thread> pulls;
  for (int p = 0; p < 3; ++p) {
    pulls.emplace_back([&] { Transfers transfers(6, &limit, [&](size_t i) { fetch(i); }); });
  }
  for (std::thread& pull : pulls) pull.join();
  EXPECT_EQ(fetch.peak(), 2);
  EXPECT_EQ(fetch.order().size(), 18u);
}

TEST(TransfersTest, ALimitOfOneTakesLayersInOrder) {
  TransferLimit limit([] { return 1; });
  FakeFetch fetch;
  { Transfers transfers(5, &limit, [&](size_t i) { fetch(i); }); }
  EXPECT_EQ(fetch.peak(), 1);
  EXPECT_EQ(fetch.order(), (std::vector<size_t>{0, 1, 2, 3, 4}));
}

// A reload changes the value the limit reads: later transfers follow it.
TEST(TransfersTest, AReloadAppliesToTransfersThatStartAfterIt) {
  std::atomic<int> configured{1};
  TransferLimit limit([&] { return configured.load(); });
  FakeFetch before;
  { Transfers transfers(4, &limit, [&](size_t i) { before(i); }); }
  EXPECT_EQ(before.peak(), 1);
  configured = 4;
  FakeFetch after;
  { Transfers transfers(8, &limit, [&](size_t i) { after(i); }); }
  EXPECT_EQ(after.peak(), 4);
  // A limit lowered while transfers wait holds the next ones back.
  configured = 2;
  FakeFetch lowered;
  { Transfers transfers(6, &limit, [&](size_t i) { lowered(i); }); }
  EXPECT_EQ(lowered.peak(), 2);
}

TEST(TransfersTest, ZeroOrNegativeMeansOne) {
  TransferLimit limit([] { return 0; });
  FakeFetch fetch;
  { Transfers transfers(3, &limit, [&](size_t i) { fetch(i); }); }
  EXPECT_EQ(fetch.peak(), 1);
  Transfers none(0, &limit, [&](size_t) { ADD_FAILURE() << "no job to run"; });
}

}  // namespace
}  // namespace berth::images
