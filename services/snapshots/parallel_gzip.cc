#include "services/snapshots/parallel_gzip.h"

#include <zlib.h>

#include <algorithm>

namespace berth::snapshots {

ParallelGzip::ParallelGzip(Sink sink, int threads, size_t block_size)
    : sink_(std::move(sink)), block_size_(block_size) {
  if (threads <= 0) {
    threads = static_cast<int>(std::min(8u, std::max(1u, std::thread::hardware_concurrency())));
  }
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

ParallelGzip::~ParallelGzip() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
}

void ParallelGzip::Compress(Block& block) {
  z_stream z{};
  // Raw deflate: the one gzip header and trailer are written around all.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    block.failed = true;
    return;
  }
  block.output.resize(deflateBound(&z, block.input.size()) + 16);
  z.next_in = reinterpret_cast<Bytef*>(block.input.data());
  z.avail_in = static_cast<uInt>(block.input.size());
  z.next_out = reinterpret_cast<Bytef*>(block.output.data());
  z.avail_out = static_cast<uInt>(block.output.size());
  // A sync flush ends the block byte-aligned and not final, so the next
  // block's deflate data may follow it.
  int rc = deflate(&z, block.last ? Z_FINISH : Z_SYNC_FLUSH);
  block.failed = block.last ? rc != Z_STREAM_END : (rc != Z_OK || z.avail_in != 0);
  block.output.resize(block.output.size() - z.avail_out);
  deflateEnd(&z);
  block.crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(block.input.data()), block.input.size()));
}

void ParallelGzip::Work() {
  while (true) {
    std::shared_ptr<Block> block;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ParallelGzip* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return self->stopping_ || !self->queue_.empty();
          },
          this));
      if (queue_.empty()) return;
      block = queue_.front();
      queue_.pop_front();
    }
    Compress(*block);
    absl::MutexLock lock(&mu_);
    block->done = true;
  }
}

void ParallelGzip::Submit(bool last) {
  auto block = std::make_shared<Block>();
  size_t take = std::min(block_size_, pending_.size());
  block->input = pending_.substr(0, take);
  pending_.erase(0, take);
  block->last = last;
  total_in_ += block->input.size();
  in_flight_.push_back(block);
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(block));
}

bool ParallelGzip::Drain(bool all) {
  if (!header_written_) {
    static constexpr unsigned char kHeader[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    header_written_ = true;
    ok_ = ok_ && sink_(reinterpret_cast<const char*>(kHeader), sizeof(kHeader));
  }
  // Keep at most two blocks per worker in flight: memory stays bounded.
  while (!in_flight_.empty() && (all || in_flight_.size() > 2 * workers_.size())) {
    std::shared_ptr<Block> block = in_flight_.front();
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&block->done));
    }
    in_flight_.pop_front();
    if (block->failed) ok_ = false;
    if (!ok_) continue;
    crc_ = static_cast<uint32_t>(crc32_combine(crc_, block->crc, block->input.size()));
    ok_ = sink_(block->output.data(), block->output.size());
  }
  return ok_;
}

bool ParallelGzip::Write(const char* data, size_t size) {
  if (!ok_) return false;
  pending_.append(data, size);
  // The last block is only known at Finish: keep one block's worth back.
  while (pending_.size() > block_size_) Submit(false);
  return Drain(false);
}

bool ParallelGzip::Finish() {
  if (!ok_) return false;
  while (pending_.size() > block_size_) Submit(false);
  Submit(true);
  if (!Drain(true)) return false;
  unsigned char trailer[8];
  uint32_t size = static_cast<uint32_t>(total_in_);
  for (int i = 0; i < 4; ++i) {
    trailer[i] = static_cast<unsigned char>(crc_ >> (8 * i));
    trailer[4 + i] = static_cast<unsigned char>(size >> (8 * i));
  }
  ok_ = sink_(reinterpret_cast<const char*>(trailer), sizeof(trailer));
  return ok_;
}

}  // namespace berth::snapshots
