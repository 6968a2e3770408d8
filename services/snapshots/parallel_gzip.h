#ifndef BERTH_SERVICES_SNAPSHOTS_PARALLEL_GZIP_H_
#define BERTH_SERVICES_SNAPSHOTS_PARALLEL_GZIP_H_

// gzip on every core, as pigz makes it: the input in blocks, each
// compressed on a worker thread as raw deflate ending in a sync flush (the
// last one finished), joined in order under one gzip header with the CRCs
// combined. The result is one ordinary gzip member any reader takes.
// Compressing a layer is most of a commit's or a build step's time.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace berth::snapshots {

class ParallelGzip {
 public:
  using Sink = std::function<bool(const char* data, size_t size)>;

  // threads 0: the machine's cores (at most 8).
  explicit ParallelGzip(Sink sink, int threads = 0, size_t block_size = size_t{1} << 20);
  ~ParallelGzip();
  ParallelGzip(const ParallelGzip&) = delete;
  ParallelGzip& operator=(const ParallelGzip&) = delete;

  // False once the sink refused output or compression failed.
  bool Write(const char* data, size_t size);
  bool Finish();

 private:
  struct Block {
    std::string input;
    std::string output;
    uint32_t crc = 0;
    bool last = false;
    bool done = false;
    bool failed = false;
  };

  void Submit(bool last);
  // Hands finished blocks to the sink in order; with `all`, waits for every one.
  bool Drain(bool all);
  void Work();
  static void Compress(Block& block);

  Sink sink_;
  size_t block_size_;
  std::string pending_;
  bool ok_ = true;
  bool header_written_ = false;
  uint32_t crc_ = 0;
  uint64_t total_in_ = 0;
  // Submitted and not yet handed to the sink, in order.
  std::deque<std::shared_ptr<Block>> in_flight_;

  absl::Mutex mu_;
  std::deque<std::shared_ptr<Block>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_PARALLEL_GZIP_H_
