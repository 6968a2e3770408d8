#include "shim/framing.h"

#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "gtest/gtest.h"
#include "services/common/base/unique_fd.h"

namespace berth::shim {
namespace {

struct SocketPair {
  SocketPair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    a.Reset(fds[0]);
    b.Reset(fds[1]);
  }
  UniqueFd a, b;
};

TEST(FramingTest, EncodesTheDocumentedHeader) {
  Frame frame{0x01020304, FrameType::kData, kEndOfStream, "hi"};
  std::string bytes = EncodeFrame(frame);
  EXPECT_EQ(bytes, std::string("\0\0\0\2\1\2\3\4\3\1hi", 12));
}

TEST(FramingTest, RoundTripsOverARealSocket) {
  SocketPair pair;
  std::string big(kMaxPayload, 'x');
  std::thread writer([&] {
    EXPECT_TRUE(WriteFrame(pair.a.get(), {1, FrameType::kRequest, 0, "create"}).ok());
    EXPECT_TRUE(WriteFrame(pair.a.get(), {1, FrameType::kData, kEndOfStream, big}).ok());
    pair.a.Reset();
  });
  auto first = ReadFrame(pair.b.get());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->payload, "create");
  EXPECT_EQ(first->type, FrameType::kRequest);
  auto second = ReadFrame(pair.b.get());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->payload.size(), big.size());
  EXPECT_EQ(second->flags, kEndOfStream);
  writer.join();
  EXPECT_EQ(ReadFrame(pair.b.get()).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(FramingTest, DecoderReassemblesByteByByte) {
  std::string stream = EncodeFrame({3, FrameType::kRequest, 0, "abc"}) +
                       EncodeFrame({3, FrameType::kResponse, kEndOfStream, ""}) +
                       EncodeFrame({5, FrameType::kData, 0, std::string(1000, 'z')});
  FrameDecoder decoder;
  std::vector<Frame> frames;
  for (char c : stream) {
    ASSERT_TRUE(decoder.Feed(&c, 1).ok());
    while (auto frame = decoder.Next()) frames.push_back(*std::move(frame));
  }
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].payload, "abc");
  EXPECT_EQ(frames[1].type, FrameType::kResponse);
  EXPECT_EQ(frames[1].payload, "");
  EXPECT_EQ(frames[2].stream_id, 5u);
  EXPECT_EQ(frames[2].payload.size(), 1000u);
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(FramingTest, RefusesOversizedAndUnknownFrames) {
  std::string oversized("\x7f\0\0\0\0\0\0\1\1\0", 10);
  FrameDecoder decoder;
  absl::Status status = decoder.Feed(oversized.data(), oversized.size());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("exceeds the limit"), std::string::npos);
  EXPECT_FALSE(decoder.Next().has_value());

  std::string unknown("\0\0\0\0\0\0\0\1\x09\0", 10);
  FrameDecoder other;
  EXPECT_FALSE(other.Feed(unknown.data(), unknown.size()).ok());

  SocketPair pair;
  ASSERT_EQ(::write(pair.a.get(), oversized.data(), oversized.size()), 10);
  EXPECT_EQ(ReadFrame(pair.b.get()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(WriteFrame(pair.a.get(), {1, FrameType::kData, 0, std::string(kMaxPayload + 1, 'x')}).ok());
}

TEST(FramingTest, PeerVanishingMidFrameIsDataLoss) {
  SocketPair pair;
  std::string bytes = EncodeFrame({1, FrameType::kRequest, 0, "truncated"});
  ASSERT_EQ(::write(pair.a.get(), bytes.data(), 14), 14);
  pair.a.Reset();
  EXPECT_EQ(ReadFrame(pair.b.get()).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace berth::shim
