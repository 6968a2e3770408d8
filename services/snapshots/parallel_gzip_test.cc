#include "services/snapshots/parallel_gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

namespace berth::snapshots {
namespace {

// Inflates one gzip member; fails the test unless it is exactly one member
// that ends where the data ends.
std::string InflateOneMember(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  int rc = Z_OK;
  char buffer[1 << 16];
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof(buffer);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - z.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END) << (z.msg ? z.msg : "");
  EXPECT_EQ(z.avail_in, 0u) << "data after the member";
  inflateEnd(&z);
  return out;
}

std::string Compress(const std::string& input, size_t write_size, int threads, size_t block) {
  std::string gz;
  ParallelGzip gzip(
      [&](const char* data, size_t size) {
        gz.append(data, size);
        return true;
      },
      threads, block);
  for (size_t at = 0; at < input.size(); at += write_size) {
    EXPECT_TRUE(gzip.Write(input.data() + at, std::min(write_size, input.size() - at)));
  }
  EXPECT_TRUE(gzip.Finish());
  return gz;
}

TEST(ParallelGzipTest, ManyBlocksMakeOneMemberThatInflatesToTheInput) {
  std::mt19937 random(7);
  std::string input;
  // Compressible text and incompressible bytes, across block boundaries.
  for (int i = 0; i < 20000; ++i) input += "line " + std::to_string(i) + " of a layer\n";
  for (int i = 0; i < 300000; ++i) input.push_back(static_cast<char>(random()));
  for (int threads : {1, 2, 4}) {
    for (size_t write_size : {size_t{1}, size_t{4096}, size_t{1} << 20}) {
      if (write_size == 1 && threads != 2) continue;  // slow; once is enough
      std::string gz = Compress(input, write_size, threads, 64 << 10);
      EXPECT_EQ(InflateOneMember(gz), input) << threads << " threads, writes of " << write_size;
    }
  }
}

TEST(ParallelGzipTest, EmptyInputIsAnEmptyMember) {
  std::string gz = Compress("", 1, 2, 1 << 20);
  EXPECT_EQ(InflateOneMember(gz), "");
}

TEST(ParallelGzipTest, ARefusingSinkStopsIt) {
  ParallelGzip gzip([](const char*, size_t) { return false; }, 2, 1024);
  std::string data(10000, 'x');
  bool ok = gzip.Write(data.data(), data.size());
  ok = ok && gzip.Finish();
  EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace berth::snapshots
