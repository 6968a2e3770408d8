#include "services/docker/websocket.h"

#include <gtest/gtest.h>

namespace berth::docker::websocket {
namespace {

// A client frame: masked with mask, as RFC 6455 requires of clients.
std::string ClientFrame(uint8_t first, std::string_view payload, bool masked = true,
                        uint8_t mask0 = 0x37) {
  std::string frame;
  frame.push_back(static_cast<char>(first));
  uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    frame.push_back(static_cast<char>(mask_bit | 126));
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size()));
  } else {
    frame.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      frame.push_back(static_cast<char>(uint64_t{payload.size()} >> shift));
    }
  }
  uint8_t mask[4] = {mask0, 0xfa, 0x21, 0x3d};
  if (masked) frame.append(reinterpret_cast<const char*>(mask), 4);
  for (size_t i = 0; i < payload.size(); ++i) {
    frame.push_back(static_cast<char>(payload[i] ^ (masked ? mask[i % 4] : 0)));
  }
  return frame;
}

std::string DataOf(const std::vector<Event>& events) {
  std::string data;
  for (const Event& event : events) {
    if (event.kind == Event::kData) data += event.payload;
  }
  return data;
}

TEST(WebSocketTest, AcceptKeyIsTheRfcExample) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketTest, ServerFramesUseTheShortestLength) {
  EXPECT_EQ(Frame(kBinary, "hi"), std::string("\x82\x02hi", 4));
  std::string medium(300, 'x');
  std::string frame = Frame(kText, medium);
  EXPECT_EQ(frame.substr(0, 4), std::string("\x81\x7e\x01\x2c", 4));
  EXPECT_EQ(frame.size(), 304u);
  std::string large(70000, 'y');
  frame = Frame(kBinary, large);
  EXPECT_EQ(frame.substr(0, 10), std::string("\x82\x7f\x00\x00\x00\x00\x00\x01\x11\x70", 10));
  EXPECT_EQ(CloseFrame(kNormalClosure), std::string("\x88\x02\x03\xe8", 4));
}

TEST(WebSocketTest, DecodesMaskedDataInPieces) {
  std::string stream = ClientFrame(0x82, "hello ") + ClientFrame(0x81, "world");
  Decoder decoder;
  std::vector<Event> events;
  // One byte at a time: headers and payloads split anywhere.
  for (char c : stream) ASSERT_TRUE(decoder.Feed(std::string_view(&c, 1), &events));
  EXPECT_EQ(DataOf(events), "hello world");
  EXPECT_TRUE(decoder.AtFrameBoundary());
}

TEST(WebSocketTest, LongLengthsAndEmptyFrames) {
  std::string medium(1000, 'm');
  std::string large(70000, 'L');
  Decoder decoder;
  std::vector<Event> events;
  ASSERT_TRUE(decoder.Feed(ClientFrame(0x82, "") + ClientFrame(0x82, medium) +
                               ClientFrame(0x82, large),
                           &events));
  EXPECT_EQ(DataOf(events), medium + large);
}

TEST(WebSocketTest, FragmentsWithAPingBetween) {
  Decoder decoder;
  std::vector<Event> events;
  ASSERT_TRUE(decoder.Feed(ClientFrame(0x01, "frag") + ClientFrame(0x89, "p1") +
                               ClientFrame(0x00, "men") + ClientFrame(0x80, "ted"),
                           &events));
  EXPECT_EQ(DataOf(events), "fragmented");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].kind, Event::kPing);
  EXPECT_EQ(events[1].payload, "p1");
}

TEST(WebSocketTest, CloseCarriesItsCode) {
  Decoder decoder;
  std::vector<Event> events;
  ASSERT_TRUE(decoder.Feed(ClientFrame(0x88, std::string("\x03\xe8", 2) + "bye") +
                               ClientFrame(0x88, "") + ClientFrame(0x8A, "pong"),
                           &events));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, Event::kClose);
  EXPECT_EQ(events[0].code, 1000);
  EXPECT_EQ(events[0].payload, "bye");
  EXPECT_EQ(events[1].code, 0);
  EXPECT_EQ(events[2].kind, Event::kPong);
}

// Each broken stream fails with its close code, and stays failed (what
// came before the bad frame was delivered).
void ExpectFails(const std::string& stream, uint16_t code) {
  Decoder decoder(1 << 20);
  std::vector<Event> events;
  EXPECT_FALSE(decoder.Feed(stream, &events)) << decoder.error();
  EXPECT_EQ(decoder.error_code(), code) << decoder.error();
  // Nothing after the bad frame counts.
  events.clear();
  EXPECT_FALSE(decoder.Feed(ClientFrame(0x82, "more"), &events));
  EXPECT_TRUE(events.empty());
}

TEST(WebSocketTest, BadFramesFail) {
  ExpectFails(ClientFrame(0x82, "x", /*masked=*/false), kProtocolError);
  ExpectFails(ClientFrame(0xC2, "x"), kProtocolError);  // RSV1
  ExpectFails(ClientFrame(0x83, "x"), kProtocolError);  // opcode 3
  ExpectFails(ClientFrame(0x8B, "x"), kProtocolError);  // opcode 0xB
  ExpectFails(ClientFrame(0x80, "x"), kProtocolError);  // a continuation first
  ExpectFails(ClientFrame(0x01, "a") + ClientFrame(0x81, "b"), kProtocolError);
  ExpectFails(ClientFrame(0x09, "ping"), kProtocolError);  // a fragmented ping
  ExpectFails(ClientFrame(0x89, std::string(126, 'p')), kProtocolError);
  ExpectFails(ClientFrame(0x88, "x"), kProtocolError);  // a 1-byte close
  // Longer than the decoder allows, told before any payload arrives.
  ExpectFails(ClientFrame(0x82, std::string((1 << 20) + 1, 'b')).substr(0, 14), kMessageTooBig);
  // A 64-bit length with its top bit set.
  ExpectFails(std::string("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04", 14),
              kProtocolError);
  // Lengths not in their shortest form.
  ExpectFails(std::string("\x82\xfe\x00\x05\x01\x02\x03\x04", 8), kProtocolError);
}

TEST(WebSocketTest, TruncatedHeaderIsNotABoundary) {
  Decoder decoder;
  std::vector<Event> events;
  std::string frame = ClientFrame(0x82, std::string(300, 'z'));
  ASSERT_TRUE(decoder.Feed(frame.substr(0, 3), &events));
  EXPECT_FALSE(decoder.AtFrameBoundary());
  ASSERT_TRUE(decoder.Feed(frame.substr(3, 100), &events));
  EXPECT_FALSE(decoder.AtFrameBoundary());
  ASSERT_TRUE(decoder.Feed(frame.substr(103), &events));
  EXPECT_TRUE(decoder.AtFrameBoundary());
  EXPECT_EQ(DataOf(events), std::string(300, 'z'));
}

}  // namespace
}  // namespace berth::docker::websocket
