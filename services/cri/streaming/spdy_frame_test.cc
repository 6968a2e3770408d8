#include "services/cri/streaming/spdy_frame.h"

#include <zlib.h>

#include <string>

#include "gtest/gtest.h"
#include "services/cri/streaming/spdy_dictionary.h"
#include "services/cri/streaming/spdy_headers.h"

namespace berth::cri::streaming {
namespace {

// Parses everything in bytes, expecting exactly one frame.
Frame ParseOne(FrameParser& parser, const std::string& bytes) {
  parser.Feed(bytes);
  Frame frame;
  absl::StatusOr<bool> got = parser.Next(&frame);
  EXPECT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got.ok() && *got);
  EXPECT_EQ(parser.buffered(), 0u);
  return frame;
}

std::string Encode(FrameEncoder& encoder, const Frame& frame) {
  absl::StatusOr<std::string> bytes = encoder.Encode(frame);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : "";
}

TEST(SpdyDictionaryTest, MatchesTheDraftsDictionaryId) {
  const std::string_view dictionary = SpdyHeaderDictionary();
  EXPECT_EQ(dictionary.size(), 1423u);
  EXPECT_EQ(adler32(1, reinterpret_cast<const Bytef*>(dictionary.data()), dictionary.size()), 0xe3c6a7c2u);
}

TEST(SpdyFrameTest, DataFrameWireLayout) {
  FrameEncoder encoder;
  const std::string bytes = Encode(encoder, DataFrame(5, "hi", true));
  EXPECT_EQ(bytes, std::string("\x00\x00\x00\x05\x01\x00\x00\x02hi", 10));
}

TEST(SpdyFrameTest, ControlFrameWireLayout) {
  FrameEncoder encoder;
  // 0x8003 = control, version 3; type 6; flags 0; length 4; ping id 7.
  EXPECT_EQ(Encode(encoder, PingFrame(7)), std::string("\x80\x03\x00\x06\x00\x00\x00\x04\x00\x00\x00\x07", 12));
  EXPECT_EQ(Encode(encoder, WindowUpdateFrame(3, 1000)),
            std::string("\x80\x03\x00\x09\x00\x00\x00\x08\x00\x00\x00\x03\x00\x00\x03\xe8", 16));
}

TEST(SpdyFrameTest, EveryTypeRoundTrips) {
  FrameEncoder encoder;
  FrameParser parser;

  Frame syn = SynStreamFrame(1, {{"streamType", "stdout"}, {"port", "80"}}, false);
  syn.priority = 3;
  Frame got = ParseOne(parser, Encode(encoder, syn));
  EXPECT_EQ(got.type, FrameType::kSynStream);
  EXPECT_EQ(got.stream_id, 1u);
  EXPECT_EQ(got.priority, 3);
  EXPECT_FALSE(got.fin());
  EXPECT_EQ(HeaderValue(got.headers, "streamType"), "stdout");
  EXPECT_EQ(got.headers[0].first, "streamtype");  // lowercase on the wire

  got = ParseOne(parser, Encode(encoder, SynReplyFrame(1, {}, true)));
  EXPECT_EQ(got.type, FrameType::kSynReply);
  EXPECT_TRUE(got.fin());
  EXPECT_TRUE(got.headers.empty());

  got = ParseOne(parser, Encode(encoder, DataFrame(1, std::string(70000, 'x'), false)));
  EXPECT_EQ(got.type, FrameType::kData);
  EXPECT_EQ(got.data.size(), 70000u);

  got = ParseOne(parser, Encode(encoder, RstStreamFrame(1, RstStatus::kCancel)));
  EXPECT_EQ(got.type, FrameType::kRstStream);
  EXPECT_EQ(got.status, static_cast<uint32_t>(RstStatus::kCancel));

  got = ParseOne(parser, Encode(encoder, SettingsFrame({{0, 7, 12345}, {1, 4, 100}})));
  ASSERT_EQ(got.settings.size(), 2u);
  EXPECT_EQ(got.settings[0].id, 7u);
  EXPECT_EQ(got.settings[0].value, 12345u);
  EXPECT_EQ(got.settings[1].flags, 1);

  got = ParseOne(parser, Encode(encoder, PingFrame(9)));
  EXPECT_EQ(got.ping_id, 9u);

  got = ParseOne(parser, Encode(encoder, GoAwayFrame(7, GoAwayStatus::kProtocolError)));
  EXPECT_EQ(got.type, FrameType::kGoAway);
  EXPECT_EQ(got.stream_id, 7u);
  EXPECT_EQ(got.status, 1u);

  Frame headers = SynReplyFrame(3, {{"a", std::string("x\0y", 3)}}, false);
  headers.type = FrameType::kHeaders;
  got = ParseOne(parser, Encode(encoder, headers));
  EXPECT_EQ(got.type, FrameType::kHeaders);
  EXPECT_EQ(HeaderValue(got.headers, "a"), "x");

  got = ParseOne(parser, Encode(encoder, WindowUpdateFrame(0, 65536)));
  EXPECT_EQ(got.type, FrameType::kWindowUpdate);
  EXPECT_EQ(got.stream_id, 0u);
  EXPECT_EQ(got.delta, 65536u);
}

TEST(SpdyFrameTest, ParserWaitsForWholeFramesFedByteByByte) {
  FrameEncoder encoder;
  const std::string bytes = Encode(encoder, SynStreamFrame(1, {{"streamtype", "error"}}, false)) +
                            Encode(encoder, DataFrame(1, "payload", true));
  FrameParser parser;
  std::vector<Frame> frames;
  for (char c : bytes) {
    parser.Feed(std::string_view(&c, 1));
    Frame frame;
    absl::StatusOr<bool> got = parser.Next(&frame);
    ASSERT_TRUE(got.ok()) << got.status();
    if (*got) frames.push_back(frame);
  }
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(HeaderValue(frames[0].headers, "streamtype"), "error");
  EXPECT_EQ(frames[1].data, "payload");
  EXPECT_TRUE(frames[1].fin());
}

// A header block made with zlib directly (not our compressor): the parser
// must inflate what any SPDY/3 peer's zlib makes with the dictionary.
TEST(SpdyHeadersTest, DecodesABlockZlibCompressedWithTheDictionary) {
  const std::string block = EncodeHeaderBlock({{"streamtype", "stdin"}, {"requestid", "0"}});
  z_stream zs{};
  ASSERT_EQ(deflateInit(&zs, Z_DEFAULT_COMPRESSION), Z_OK);
  const std::string_view dictionary = SpdyHeaderDictionary();
  ASSERT_EQ(deflateSetDictionary(&zs, reinterpret_cast<const Bytef*>(dictionary.data()), dictionary.size()), Z_OK);
  unsigned char out[512];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
  zs.avail_in = block.size();
  zs.next_out = out;
  zs.avail_out = sizeof(out);
  ASSERT_EQ(deflate(&zs, Z_SYNC_FLUSH), Z_OK);
  const std::string compressed(reinterpret_cast<char*>(out), sizeof(out) - zs.avail_out);
  deflateEnd(&zs);
  // The zlib header's FDICT bit and the dictionary's Adler-32 are there.
  ASSERT_GE(compressed.size(), 6u);
  EXPECT_NE(compressed[1] & 0x20, 0);
  EXPECT_EQ(compressed.substr(2, 4), std::string("\xe3\xc6\xa7\xc2", 4));

  HeaderDecompressor decompressor;
  absl::StatusOr<SpdyHeaders> headers = decompressor.Decompress(compressed);
  ASSERT_TRUE(headers.ok()) << headers.status();
  EXPECT_EQ(HeaderValue(*headers, "streamtype"), "stdin");
  EXPECT_EQ(HeaderValue(*headers, "requestid"), "0");

  // The wrong dictionary does not inflate it.
  HeaderDecompressor other;
  std::string corrupted = compressed;
  corrupted[5] ^= 1;
  EXPECT_FALSE(other.Decompress(corrupted).ok());
}

// One zlib stream spans the connection: the second block refers back to the
// first, so a fresh decompressor cannot read it alone but a running one can.
TEST(SpdyHeadersTest, BlocksShareOneStreamPerDirection) {
  HeaderCompressor compressor;
  HeaderDecompressor decompressor;
  const SpdyHeaders headers = {{"streamtype", "stdout"}, {"x-long", std::string(200, 'q')}};
  absl::StatusOr<std::string> first = compressor.Compress(headers);
  absl::StatusOr<std::string> second = compressor.Compress(headers);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_LT(second->size(), first->size());
  ASSERT_TRUE(decompressor.Decompress(*first).ok());
  absl::StatusOr<SpdyHeaders> again = decompressor.Decompress(*second);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(HeaderValue(*again, "x-long"), std::string(200, 'q'));
  HeaderDecompressor fresh;
  EXPECT_FALSE(fresh.Decompress(*second).ok());
}

// Bytes as the Go framer that kubectl, crictl and the kubelet use
// (moby/spdystream/spdy, zlib at best compression) wrote them, captured
// once: two SYN_STREAMs whose header blocks share one zlib stream (the
// second refers back into the first), a DATA with FIN, a PING, a GOAWAY.
TEST(SpdyFrameTest, ParsesFramesAsSpdystreamWritesThem) {
  const std::string bytes(
      "\x80\x03\x00\x01\x00\x00\x00\x29\x00\x00\x00\x01\x00\x00\x00\x00"
      "\x00\x00\x78\xf9\xe3\xc6\xa7\xc2\x62\x60\x60\x60\x04\xa7\xb3\x92"
      "\xa2\xd4\xc4\x5c\x68\x51\xc2\x9a\x0a\x0a\x68\x00\x00\x00\x00\xff"
      "\xff\x80\x03\x00\x01\x00\x00\x00\x2f\x00\x00\x00\x03\x00\x00\x00"
      "\x00\x00\x00\x02\xa5\x47\x0c\x29\x50\x29\x93\x08\x29\xb0\x8b\xc0"
      "\x79\xc3\xc2\xc0\xc2\x80\x81\x81\x81\xb3\x08\x12\xc1\x99\xa0\x84"
      "\xcf\x68\x00\x00\x00\x00\xff\xff\x00\x00\x00\x03\x01\x00\x00\x02"
      "\x68\x69\x80\x03\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01\x80\x03"
      "\x00\x07\x00\x00\x00\x08\x00\x00\x00\x02\x00\x00\x00\x00",
      142);
  FrameParser parser;
  parser.Feed(bytes);
  std::vector<Frame> frames;
  Frame frame;
  while (true) {
    absl::StatusOr<bool> got = parser.Next(&frame);
    ASSERT_TRUE(got.ok()) << got.status();
    if (!*got) break;
    frames.push_back(frame);
  }
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_EQ(frames[0].type, FrameType::kSynStream);
  EXPECT_EQ(frames[0].stream_id, 1u);
  EXPECT_EQ(frames[0].headers, (SpdyHeaders{{"streamtype", "error"}}));
  EXPECT_EQ(frames[1].stream_id, 3u);
  EXPECT_EQ(frames[1].headers.size(), 3u);
  EXPECT_EQ(HeaderValue(frames[1].headers, "streamType"), "data");
  EXPECT_EQ(HeaderValue(frames[1].headers, "port"), "8080");
  EXPECT_EQ(HeaderValue(frames[1].headers, "requestID"), "0");
  EXPECT_EQ(frames[2].type, FrameType::kData);
  EXPECT_EQ(frames[2].data, "hi");
  EXPECT_TRUE(frames[2].fin());
  EXPECT_EQ(frames[3].type, FrameType::kPing);
  EXPECT_EQ(frames[3].ping_id, 1u);
  EXPECT_EQ(frames[4].type, FrameType::kGoAway);
  EXPECT_EQ(frames[4].stream_id, 2u);
  EXPECT_EQ(frames[4].status, 0u);
  EXPECT_EQ(parser.buffered(), 0u);
}

TEST(SpdyHeadersTest, RefusesMalformedBlocks) {
  EXPECT_FALSE(DecodeHeaderBlock("").ok());
  std::string block = EncodeHeaderBlock({{"a", "1"}});
  EXPECT_TRUE(DecodeHeaderBlock(block).ok());
  EXPECT_FALSE(DecodeHeaderBlock(block.substr(0, block.size() - 1)).ok());
  EXPECT_FALSE(DecodeHeaderBlock(block + "x").ok());
  EXPECT_FALSE(DecodeHeaderBlock(EncodeHeaderBlock({{"a", "1"}, {"A", "2"}})).ok());
  // A count of 2^32-1 pairs in a few bytes is refused before any allocation.
  EXPECT_FALSE(DecodeHeaderBlock(std::string("\xff\xff\xff\xff", 4) + block.substr(4)).ok());
}

TEST(SpdyFrameTest, BadVersionBreaksTheParser) {
  FrameParser parser;
  parser.Feed(std::string("\x80\x02\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01", 12));
  Frame frame;
  EXPECT_FALSE(parser.Next(&frame).ok());
  // And stays broken: what follows is not trusted.
  FrameEncoder encoder;
  parser.Feed(Encode(encoder, PingFrame(1)));
  EXPECT_FALSE(parser.Next(&frame).ok());
}

TEST(SpdyFrameTest, OversizedLengthIsRefusedBeforeItsBytesArrive) {
  FrameParser parser(1024);
  parser.Feed(std::string("\x00\x00\x00\x01\x00\x00\x04\x01", 8));  // data, 1025 bytes
  Frame frame;
  EXPECT_FALSE(parser.Next(&frame).ok());
  FrameParser fine(1024);
  fine.Feed(std::string("\x00\x00\x00\x01\x00\x00\x04\x00", 8) + std::string(1024, 'a'));
  absl::StatusOr<bool> got = fine.Next(&frame);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got);
}

TEST(SpdyFrameTest, WrongLengthsAndZeroIdsAreProtocolErrors) {
  const std::string cases[] = {
      std::string("\x80\x03\x00\x06\x00\x00\x00\x05\x00\x00\x00\x01\x00", 13),              // ping of 5
      std::string("\x80\x03\x00\x03\x00\x00\x00\x04\x00\x00\x00\x01", 12),                  // short rst
      std::string("\x80\x03\x00\x03\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x05", 16),  // rst of id 0
      std::string("\x80\x03\x00\x09\x00\x00\x00\x08\x00\x00\x00\x01\x00\x00\x00\x00", 16),  // delta 0
      std::string("\x80\x03\x00\x04\x00\x00\x00\x04\x00\x00\x00\x02", 12),                  // 2 settings, none there
      std::string("\x00\x00\x00\x00\x00\x00\x00\x01x", 9),                                  // data on stream 0
      std::string("\x80\x03\x00\x02\x00\x00\x00\x06\x00\x00\x00\x01\x12\x34", 14),          // reply, bad zlib
  };
  for (const std::string& bytes : cases) {
    FrameParser parser;
    parser.Feed(bytes);
    Frame frame;
    EXPECT_FALSE(parser.Next(&frame).ok()) << testing::PrintToString(bytes);
  }
}

TEST(SpdyFrameTest, UnknownControlTypesAreSkipped) {
  FrameEncoder encoder;
  FrameParser parser;
  // NOOP (type 5) and type 0x42 with payloads, then a ping.
  parser.Feed(std::string("\x80\x03\x00\x05\x00\x00\x00\x02zz", 10));
  parser.Feed(std::string("\x80\x03\x00\x42\x00\x00\x00\x00", 8));
  Frame frame = ParseOne(parser, Encode(encoder, PingFrame(3)));
  EXPECT_EQ(frame.type, FrameType::kPing);
  EXPECT_EQ(frame.ping_id, 3u);
}

}  // namespace
}  // namespace berth::cri::streaming
