#include "services/cri/streaming/spdy_session.h"

#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace berth::cri::streaming {
namespace {

std::pair<UniqueFd, UniqueFd> SocketPair() {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// The far end spoken frame by frame, to play a peer our sessions are not:
// spdystream (no windows), a window-keeping peer, a broken one.
class RawPeer {
 public:
  // Takes the SETTINGS every session starts with.
  explicit RawPeer(UniqueFd fd) : fd_(std::move(fd)) {
    std::optional<Frame> settings = Next();
    EXPECT_TRUE(settings.has_value());
    if (!settings) return;
    EXPECT_EQ(settings->type, FrameType::kSettings);
    EXPECT_EQ(settings->settings.size(), 1u);
    for (const Setting& setting : settings->settings) {
      EXPECT_EQ(setting.id, static_cast<uint32_t>(SettingId::kInitialWindowSize));
      EXPECT_EQ(setting.value, 65536u);
    }
  }

  void Send(const Frame& frame) {
    absl::StatusOr<std::string> bytes = encoder_.Encode(frame);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    SendBytes(*bytes);
  }
  void SendBytes(const std::string& bytes) {
    ASSERT_EQ(::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }
  // The next frame, or nullopt at EOF or after timeout (eof() tells which).
  std::optional<Frame> Next(absl::Duration timeout = absl::Seconds(5)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (true) {
      Frame frame;
      absl::StatusOr<bool> got = parser_.Next(&frame);
      EXPECT_TRUE(got.ok()) << got.status();
      if (!got.ok()) return std::nullopt;
      if (*got) return frame;
      pollfd pfd{fd_.get(), POLLIN, 0};
      const int wait_ms = static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now())));
      if (::poll(&pfd, 1, wait_ms) <= 0) return std::nullopt;
      char buffer[65536];
      const ssize_t n = ::recv(fd_.get(), buffer, sizeof(buffer), 0);
      if (n <= 0) {
        eof_ = true;
        return std::nullopt;
      }
      parser_.Feed(std::string_view(buffer, static_cast<size_t>(n)));
    }
  }
  // The next frame that is not a WINDOW_UPDATE.
  std::optional<Frame> NextSkippingUpdates(absl::Duration timeout = absl::Seconds(5)) {
    while (true) {
      std::optional<Frame> frame = Next(timeout);
      if (!frame || frame->type != FrameType::kWindowUpdate) return frame;
    }
  }
  // Opens stream id (odd: we are the client) and takes the SYN_REPLY.
  void OpenStream(uint32_t id, const std::string& type) {
    Send(SynStreamFrame(id, {{"streamType", type}}, false));
    std::optional<Frame> reply = Next();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->type, FrameType::kSynReply);
    EXPECT_EQ(reply->stream_id, id);
  }
  bool eof() const { return eof_; }
  int fd() const { return fd_.get(); }
  void Close() { fd_.Reset(); }

 private:
  UniqueFd fd_;
  FrameEncoder encoder_;
  FrameParser parser_;
  bool eof_ = false;
};

// All of a stream that must end well.
std::string ReadAllOk(SpdyStream& stream) {
  absl::StatusOr<std::string> all = ReadToEnd(stream);
  EXPECT_TRUE(all.ok()) << all.status();
  return all.ok() ? *all : "";
}

std::string Pattern(size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return data;
}

SpdySessionOptions ClientOptions() {
  SpdySessionOptions options;
  options.server = false;
  return options;
}

TEST(SpdySessionTest, ClientAndServerExchangeStreamsBothWays) {
  auto [a, b] = SocketPair();
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "");
  std::unique_ptr<SpdySession> client = SpdySession::Start(std::move(b), "", ClientOptions());

  absl::StatusOr<std::shared_ptr<SpdyStream>> opened = client->OpenStream({{"streamType", "stdin"}});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ((*opened)->id(), 1u);
  ASSERT_TRUE((*opened)->Write("hello").ok());
  ASSERT_TRUE((*opened)->CloseWrite().ok());

  absl::StatusOr<std::shared_ptr<SpdyStream>> accepted = server->AcceptStream(absl::Seconds(5));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ((*accepted)->Header("streamtype"), "stdin");
  EXPECT_EQ(ReadAllOk(**accepted), "hello");
  // Half closed: the server still answers on it.
  ASSERT_TRUE((*accepted)->Write("world").ok());
  ASSERT_TRUE((*accepted)->CloseWrite().ok());
  EXPECT_EQ(ReadAllOk(**opened), "world");

  // And the server opens one (an even id) that the client accepts.
  absl::StatusOr<std::shared_ptr<SpdyStream>> pushed = server->OpenStream({{"streamType", "data"}});
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ((*pushed)->id(), 2u);
  absl::StatusOr<std::shared_ptr<SpdyStream>> taken = client->AcceptStream(absl::Seconds(5));
  ASSERT_TRUE(taken.ok()) << taken.status();
  EXPECT_EQ((*taken)->Header("streamType"), "data");
  ASSERT_TRUE((*pushed)->Write("x").ok());
  ASSERT_TRUE((*pushed)->CloseWrite().ok());
  EXPECT_EQ(ReadAllOk(**taken), "x");

  client->Close();
  EXPECT_TRUE(server->WaitEnded(absl::Seconds(5)));
  EXPECT_TRUE(server->end_status().ok()) << server->end_status();
}

TEST(SpdySessionTest, LargeTransfersBothWaysWithWindows) {
  auto [a, b] = SocketPair();
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "");
  std::unique_ptr<SpdySession> client = SpdySession::Start(std::move(b), "", ClientOptions());
  const std::string up = Pattern(3 << 20), down = Pattern(2 << 20 | 17);

  absl::StatusOr<std::shared_ptr<SpdyStream>> opened = client->OpenStream({{"streamType", "stdout"}});
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::thread writer([&] {
    EXPECT_TRUE((*opened)->Write(up).ok());
    EXPECT_TRUE((*opened)->CloseWrite().ok());
  });
  absl::StatusOr<std::shared_ptr<SpdyStream>> accepted = server->AcceptStream(absl::Seconds(5));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  std::thread answer([&] {
    EXPECT_TRUE((*accepted)->Write(down).ok());
    EXPECT_TRUE((*accepted)->CloseWrite().ok());
  });
  const std::string got_up = ReadAllOk(**accepted);
  const std::string got_down = ReadAllOk(**opened);
  writer.join();
  answer.join();
  EXPECT_TRUE(got_up == up) << got_up.size() << " bytes";
  EXPECT_TRUE(got_down == down) << got_down.size() << " bytes";
}

TEST(SpdySessionTest, WaitForStreamTypesCollectsTheNamedStreams) {
  auto [a, b] = SocketPair();
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "");
  std::unique_ptr<SpdySession> client = SpdySession::Start(std::move(b), "", ClientOptions());
  std::thread opener([&] {
    for (const char* type : {"error", "bogus", "stdout", "stderr"}) {
      EXPECT_TRUE(client->OpenStream({{"streamType", type}}).ok()) << type;
    }
  });
  absl::StatusOr<std::map<std::string, std::shared_ptr<SpdyStream>>> streams =
      WaitForStreamTypes(*server, {"error", "stdout", "stderr"}, absl::Seconds(5));
  opener.join();
  ASSERT_TRUE(streams.ok()) << streams.status();
  ASSERT_EQ(streams->size(), 3u);
  EXPECT_EQ(streams->at("error")->id(), 1u);
  EXPECT_EQ(streams->at("stdout")->id(), 5u);
  EXPECT_EQ(streams->at("stderr")->id(), 7u);

  // A stream the client never opens: the kubelet's timeout and words.
  absl::StatusOr<std::map<std::string, std::shared_ptr<SpdyStream>>> missing =
      WaitForStreamTypes(*server, {"stdin"}, absl::Milliseconds(200));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(missing.status()));
  EXPECT_EQ(missing.status().message(), "timed out waiting for client to create streams");
}

// A peer that announces window 0 gets nothing until its WINDOW_UPDATE, then
// exactly what the update allows.
TEST(SpdySessionTest, SenderBlockedAtWindowZeroResumesOnWindowUpdate) {
  auto [a, b] = SocketPair();
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "");
  RawPeer peer(std::move(b));
  peer.Send(SettingsFrame({{0, static_cast<uint32_t>(SettingId::kInitialWindowSize), 0}}));
  peer.OpenStream(1, "stdout");
  absl::StatusOr<std::shared_ptr<SpdyStream>> stream = server->AcceptStream(absl::Seconds(5));
  ASSERT_TRUE(stream.ok()) << stream.status();

  std::atomic<bool> written{false};
  std::thread writer([&] {
    EXPECT_TRUE((*stream)->Write("abc").ok());
    written = true;
  });
  EXPECT_FALSE(peer.Next(absl::Milliseconds(300)).has_value());
  EXPECT_FALSE(peer.eof());
  EXPECT_FALSE(written);

  peer.Send(WindowUpdateFrame(1, 2));
  std::optional<Frame> data = peer.Next();
  ASSERT_TRUE(data.has_value());
  EXPECT_EQ(data->type, FrameType::kData);
  EXPECT_EQ(data->data, "ab");
  EXPECT_FALSE(peer.Next(absl::Milliseconds(200)).has_value());
  EXPECT_FALSE(written);

  peer.Send(WindowUpdateFrame(1, 100));
  data = peer.Next();
  ASSERT_TRUE(data.has_value());
  EXPECT_EQ(data->data, "c");
  writer.join();
  EXPECT_TRUE(written);
}

// The session window (3.1) holds a sender back too, across streams.
TEST(SpdySessionTest, SessionWindowLimitsAllStreams) {
  auto [a, b] = SocketPair();
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "");
  RawPeer peer(std::move(b));
  peer.Send(SettingsFrame({{0, static_cast<uint32_t>(SettingId::kInitialWindowSize), 1 << 20}}));
  peer.OpenStream(1, "stdout");
  absl::StatusOr<std::shared_ptr<SpdyStream>> stream = server->AcceptStream(absl::Seconds(5));
  ASSERT_TRUE(stream.ok());
  std::thread writer([&] { EXPECT_TRUE((*stream)->Write(Pattern(100000)).ok()); });
  size_t received = 0;
  while (std::optional<Frame> frame = peer.Next(absl::Milliseconds(300))) received += frame->data.size();
  EXPECT_EQ(received, static_cast<size_t>(kDefaultInitialWindow));
  peer.Send(WindowUpdateFrame(0, 100000));
  while (received < 100000) {
    std::optional<Frame> frame = peer.Next();
    ASSERT_TRUE(frame.has_value());
    received += frame->data.size();
  }
  writer.join();
  EXPECT_EQ(received, 100000u);
}

// spdystream (kubectl, crictl) keeps no windows and sends no updates: past
// 64 KiB a sender must go on regardless.
TEST(SpdySessionTest, PeerWithoutWindowsIsNotWaitedFor) {
  auto [a, b] = SocketPair();
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "");
  RawPeer peer(std::move(b));
  peer.OpenStream(1, "stdout");
  absl::StatusOr<std::shared_ptr<SpdyStream>> stream = server->AcceptStream(absl::Seconds(5));
  ASSERT_TRUE(stream.ok());
  const std::string data = Pattern(300 << 10);
  std::thread writer([&] {
    EXPECT_TRUE((*stream)->Write(data).ok());
    EXPECT_TRUE((*stream)->CloseWrite().ok());
  });
  std::string received;
  bool fin = false;
  while (!fin) {
    std::optional<Frame> frame = peer.Next();
    ASSERT_TRUE(frame.has_value());
    ASSERT_EQ(frame->type, FrameType::kData);
    received += frame->data;
    fin = frame->fin();
  }
  writer.join();
  EXPECT_TRUE(received == data);
}

TEST(SpdySessionTest, ConsumingSendsWindowUpdates) {
  auto [a, b] = SocketPair();
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "");
  RawPeer peer(std::move(b));
  peer.OpenStream(1, "stdin");
  absl::StatusOr<std::shared_ptr<SpdyStream>> stream = server->AcceptStream(absl::Seconds(5));
  ASSERT_TRUE(stream.ok());
  peer.Send(DataFrame(1, Pattern(40000), false));
  size_t read = 0;
  while (read < 40000) {
    absl::StatusOr<std::string> chunk = (*stream)->Read(1 << 20);
    ASSERT_TRUE(chunk.ok());
    read += chunk->size();
  }
  bool stream_update = false, session_update = false;
  for (int i = 0; i < 2; ++i) {
    std::optional<Frame> update = peer.Next();
    ASSERT_TRUE(update.has_value());
    ASSERT_EQ(update->type, FrameType::kWindowUpdate);
    EXPECT_EQ(update->delta, 40000u);
    (update->stream_id == 0 ? session_update : stream_update) = true;
  }
  EXPECT_TRUE(stream_update);
  EXPECT_TRUE(session_update);
}

// A peer sending far more than is read (spdystream ignores our windows) is
// paused, not buffered without bound, and nothing is lost.
TEST(SpdySessionTest, ReaderPausesOnAFullStreamAndLosesNothing) {
  auto [a, b] = SocketPair();
  SpdySessionOptions options;
  options.max_buffered_per_stream = 64 << 10;
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "", options);
  RawPeer peer(std::move(b));
  peer.OpenStream(1, "stdin");
  absl::StatusOr<std::shared_ptr<SpdyStream>> stream = server->AcceptStream(absl::Seconds(5));
  ASSERT_TRUE(stream.ok());
  const std::string data = Pattern(2 << 20);
  std::thread sender([&] {
    for (size_t at = 0; at < data.size(); at += 32 << 10) {
      peer.Send(DataFrame(1, data.substr(at, 32 << 10), at + (32 << 10) >= data.size()));
    }
  });
  absl::SleepFor(absl::Milliseconds(200));
  std::string received = ReadAllOk(**stream);
  sender.join();
  EXPECT_TRUE(received == data) << received.size();
}

TEST(SpdySessionTest, PingsFromThePeerAreEchoed) {
  auto [a, b] = SocketPair();
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "");
  RawPeer peer(std::move(b));
  // An even id is a reply to a ping of the server's own: not echoed.
  peer.Send(PingFrame(2));
  peer.Send(PingFrame(7));
  std::optional<Frame> pong = peer.Next();
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(pong->type, FrameType::kPing);
  EXPECT_EQ(pong->ping_id, 7u);
}

TEST(SpdySessionTest, ResetByThePeerFailsReadsAndWrites) {
  auto [a, b] = SocketPair();
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "");
  std::unique_ptr<SpdySession> client = SpdySession::Start(std::move(b), "", ClientOptions());
  absl::StatusOr<std::shared_ptr<SpdyStream>> opened = client->OpenStream({{"streamType", "stdin"}});
  ASSERT_TRUE(opened.ok());
  absl::StatusOr<std::shared_ptr<SpdyStream>> accepted = server->AcceptStream(absl::Seconds(5));
  ASSERT_TRUE(accepted.ok());
  ASSERT_TRUE((*accepted)->Write("before").ok());
  EXPECT_EQ(*(*opened)->Read(), "before");
  (*opened)->Reset(RstStatus::kCancel);
  absl::StatusOr<std::string> read = (*accepted)->Read();
  EXPECT_TRUE(absl::IsAborted(read.status())) << read.status();
  EXPECT_TRUE(absl::IsAborted((*accepted)->Write("after")));
  // The session itself goes on.
  EXPECT_TRUE(client->OpenStream({{"streamType", "stdout"}}).ok());
}

TEST(SpdySessionTest, PeerHangingUpEndsStreamsAndAccept) {
  auto [a, b] = SocketPair();
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "");
  RawPeer peer(std::move(b));
  peer.OpenStream(1, "stdin");
  absl::StatusOr<std::shared_ptr<SpdyStream>> stream = server->AcceptStream(absl::Seconds(5));
  ASSERT_TRUE(stream.ok());
  peer.Send(DataFrame(1, "last words", false));
  peer.Close();
  EXPECT_EQ(*(*stream)->Read(), "last words");
  absl::StatusOr<std::string> after = (*stream)->Read();
  EXPECT_TRUE(absl::IsUnavailable(after.status())) << after.status();  // no FIN came
  EXPECT_TRUE(absl::IsUnavailable(server->AcceptStream(absl::Seconds(1)).status()));
  EXPECT_TRUE(server->ended());
  EXPECT_FALSE((*stream)->Write("x").ok());
}

TEST(SpdySessionTest, CloseSendsGoAwayAndHangsUp) {
  auto [a, b] = SocketPair();
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "");
  RawPeer peer(std::move(b));
  peer.OpenStream(1, "error");
  ASSERT_TRUE(server->AcceptStream(absl::Seconds(5)).ok());
  std::thread closer([&] { server->Close(); });
  std::optional<Frame> goaway = peer.Next();
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->type, FrameType::kGoAway);
  EXPECT_EQ(goaway->status, static_cast<uint32_t>(GoAwayStatus::kOk));
  EXPECT_EQ(goaway->stream_id, 1u);
  EXPECT_FALSE(peer.Next().has_value());
  EXPECT_TRUE(peer.eof());
  peer.Close();
  closer.join();
  EXPECT_TRUE(server->end_status().ok());
}

TEST(SpdySessionTest, DataForAStreamNeverOpenedIsRefused) {
  auto [a, b] = SocketPair();
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "");
  RawPeer peer(std::move(b));
  peer.Send(DataFrame(9, "who?", false));
  std::optional<Frame> rst = peer.Next();
  ASSERT_TRUE(rst.has_value());
  EXPECT_EQ(rst->type, FrameType::kRstStream);
  EXPECT_EQ(rst->stream_id, 9u);
  EXPECT_EQ(rst->status, static_cast<uint32_t>(RstStatus::kInvalidStream));
  // Still alive: a stream opens.
  peer.OpenStream(1, "stdin");
}

// Each malformed input ends the session with GOAWAY PROTOCOL_ERROR and a
// hang-up; a ping first proves the session was alive until then.
TEST(SpdySessionTest, MalformedFramesEndTheSessionWithGoAway) {
  const std::string cases[] = {
      std::string("\x80\x02\x00\x06\x00\x00\x00\x04\x00\x00\x00\x03", 12),      // version 2
      std::string("\x00\x00\x00\x01\x00\x10\x00\x00", 8),                       // 1 MiB payload, limit 64 KiB
      std::string("\x80\x03\x00\x06\x00\x00\x00\x05\x00\x00\x00\x03\x00", 13),  // ping of 5 bytes
      std::string("\x80\x03\x00\x01\x00\x00\x00\x0c\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x12\x34", 20),  // bad zlib
      std::string("\x80\x03\x00\x01\x00\x00\x00\x0a\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00",
                  18),  // even id from a client
  };
  for (const std::string& bad : cases) {
    SCOPED_TRACE(testing::PrintToString(bad));
    auto [a, b] = SocketPair();
    SpdySessionOptions options;
    options.max_frame_payload = 64 << 10;
    std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "", options);
    RawPeer peer(std::move(b));
    peer.Send(PingFrame(1));
    std::optional<Frame> pong = peer.Next();
    ASSERT_TRUE(pong.has_value());
    EXPECT_EQ(pong->type, FrameType::kPing);

    peer.SendBytes(bad);
    std::optional<Frame> goaway = peer.Next();
    ASSERT_TRUE(goaway.has_value());
    EXPECT_EQ(goaway->type, FrameType::kGoAway);
    EXPECT_EQ(goaway->status, static_cast<uint32_t>(GoAwayStatus::kProtocolError));
    EXPECT_FALSE(peer.Next().has_value());
    EXPECT_TRUE(peer.eof());
    EXPECT_TRUE(server->WaitEnded(absl::Seconds(5)));
    EXPECT_FALSE(server->end_status().ok());
  }
}

TEST(SpdySessionTest, UnknownControlFrameTypesAreIgnored) {
  auto [a, b] = SocketPair();
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "");
  RawPeer peer(std::move(b));
  peer.SendBytes(
      std::string("\x80\x03\x00\x0a\x00\x00\x00\x03"
                  "abc",
                  11));                                                // CREDENTIAL
  peer.SendBytes(std::string("\x80\x03\x00\x63\x00\x00\x00\x00", 8));  // type 99
  peer.Send(PingFrame(5));
  std::optional<Frame> pong = peer.Next();
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(pong->type, FrameType::kPing);
  EXPECT_FALSE(server->ended());
}

TEST(SpdySessionTest, IdleTimeoutResetsStreamsAndEndsTheSession) {
  auto [a, b] = SocketPair();
  SpdySessionOptions options;
  options.idle_timeout = absl::Milliseconds(300);
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), "", options);
  RawPeer peer(std::move(b));
  peer.OpenStream(1, "stdout");
  absl::StatusOr<std::shared_ptr<SpdyStream>> stream = server->AcceptStream(absl::Seconds(5));
  ASSERT_TRUE(stream.ok());
  // Pings (kubectl sends one every 5 s) keep it going past the timeout.
  for (int i = 0; i < 6; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    peer.Send(PingFrame(2 * i + 1));
    std::optional<Frame> pong = peer.Next();
    ASSERT_TRUE(pong.has_value());
    EXPECT_EQ(pong->type, FrameType::kPing);
  }
  EXPECT_FALSE(server->ended());

  std::optional<Frame> rst = peer.Next();
  ASSERT_TRUE(rst.has_value());
  EXPECT_EQ(rst->type, FrameType::kRstStream);
  EXPECT_EQ(rst->stream_id, 1u);
  std::optional<Frame> goaway = peer.Next();
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->type, FrameType::kGoAway);
  EXPECT_FALSE(peer.Next().has_value());
  EXPECT_TRUE(peer.eof());
  EXPECT_TRUE(server->WaitEnded(absl::Seconds(5)));
  EXPECT_TRUE(absl::IsDeadlineExceeded(server->end_status())) << server->end_status();
  EXPECT_TRUE(absl::IsAborted((*stream)->Read().status()));
}

TEST(SpdySessionTest, EarlyBytesAreTheFirstFrames) {
  auto [a, b] = SocketPair();
  FrameEncoder encoder;
  absl::StatusOr<std::string> ping = encoder.Encode(PingFrame(11));
  ASSERT_TRUE(ping.ok());
  std::unique_ptr<SpdySession> server = SpdySession::Start(std::move(a), *ping);
  RawPeer peer(std::move(b));
  std::optional<Frame> pong = peer.Next();
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(pong->ping_id, 11u);
}

}  // namespace
}  // namespace berth::cri::streaming
