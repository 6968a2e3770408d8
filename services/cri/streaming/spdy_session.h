#ifndef BERTH_SERVICES_CRI_STREAMING_SPDY_SESSION_H_
#define BERTH_SERVICES_CRI_STREAMING_SPDY_SESSION_H_

// A SPDY/3.1 session over a connected socket, after the HTTP upgrade: the
// kubelet-style server end (the client opens streams with odd ids, we
// answer each SYN_STREAM with a SYN_REPLY at once, as the kubelet's
// httpstream does) or the client end (berth's own tests).
//
// One thread per session (a connection, not a stream) reads and dispatches
// frames; any thread may write. Frames go out whole under one lock, so
// streams can be written from several threads at once. Streaming sessions
// are few and short next to containers, so a thread each is affordable;
// folding the reading into an event loop would change only ReadLoop.
//
// Flow control (3.1: per stream and per session, 64 KiB to start): we send
// WINDOW_UPDATEs as the reader consumes, announce that in a SETTINGS frame
// first thing, and honour the peer's windows once it shows it keeps them
// (a SETTINGS INITIAL_WINDOW_SIZE or a WINDOW_UPDATE). The Go clients and
// the kubelet (moby/spdystream) never send either and ignore ours: a sender
// that waited for their window would stop for good after 64 KiB. Their data
// is held back instead by the reading thread pausing when a stream holds
// max_buffered_per_stream unread bytes (a peer keeping windows never gets
// there).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/base/unique_fd.h"
#include "services/cri/streaming/spdy_frame.h"

namespace berth::cri::streaming {

class SpdySession;

struct SpdySessionOptions {
  // The server accepts odd (client-made) stream ids and makes even ones.
  bool server = true;
  // A frame with a longer payload ends the session (GOAWAY PROTOCOL_ERROR).
  uint32_t max_frame_payload = 1 << 20;
  // DATA frames we send carry at most this much.
  size_t max_data_frame = 32 << 10;
  // Unread bytes a stream may hold before the reading thread waits.
  size_t max_buffered_per_stream = 1 << 20;
  // After our GOAWAY, how long Close waits for the peer to hang up before
  // cutting the connection (so that nothing we wrote is lost to a reset).
  absl::Duration close_linger = absl::Seconds(2);
  // With no frame either way for this long, every stream is reset and the
  // session ends with GOAWAY, as spdystream's idle timeout does (the
  // kubelet's and containerd's stream idle timeout, 4 h by default).
  // Zero: never.
  absl::Duration idle_timeout = absl::ZeroDuration();
};

// One stream. Handed out as shared_ptr, but it must not outlive its session.
class SpdyStream {
 public:
  uint32_t id() const { return id_; }
  // The headers of the SYN_STREAM that opened it.
  const SpdyHeaders& headers() const { return headers_; }
  std::string Header(std::string_view name) const { return HeaderValue(headers_, name); }

  // Up to max_bytes the peer sent, waiting for them; "" once the peer has
  // finished (FIN) and everything is read. An error when the stream was
  // reset or the connection ended before the peer's FIN.
  absl::StatusOr<std::string> Read(size_t max_bytes = 32 << 10);
  // Sends all of data (in frames, within the peer's windows when it keeps
  // them). An error once the stream is reset, finished or the session over.
  absl::Status Write(std::string_view data);
  // Our FIN: the peer reads to its end. Reading stays possible.
  absl::Status CloseWrite();
  // RST_STREAM: both directions end at once.
  void Reset(RstStatus status = RstStatus::kCancel);

  // Made by the session only (public for make_shared).
  SpdyStream(SpdySession* session, uint32_t id, SpdyHeaders headers, int64_t send_window);

 private:
  friend class SpdySession;

  SpdySession* const session_;
  const uint32_t id_;
  const SpdyHeaders headers_;
  // Guarded by the session's mu_.
  std::string inbox_;
  bool remote_fin_ = false;
  bool local_fin_ = false;
  bool replied_ = false;  // a stream we opened: its SYN_REPLY came
  std::optional<RstStatus> reset_;
  bool reset_by_peer_ = false;
  int64_t send_window_;
  int64_t consumed_unacked_ = 0;  // read, not yet returned in a WINDOW_UPDATE
};

class SpdySession {
 public:
  // Starts the reading thread. early_bytes: what was read past the HTTP
  // upgrade, the start of the peer's first frames.
  static std::unique_ptr<SpdySession> Start(UniqueFd fd, std::string early_bytes, SpdySessionOptions options = {});
  // Close(), then waits for the reading thread.
  ~SpdySession();
  SpdySession(const SpdySession&) = delete;
  SpdySession& operator=(const SpdySession&) = delete;

  // The next stream the peer opened (already answered), waiting up to
  // timeout. DEADLINE_EXCEEDED on timeout; UNAVAILABLE once the session is
  // over or the peer sent GOAWAY and no stream is left waiting.
  absl::StatusOr<std::shared_ptr<SpdyStream>> AcceptStream(absl::Duration timeout);
  // Opens a stream and waits for the peer's SYN_REPLY (data sent before it
  // would be dropped by spdystream).
  absl::StatusOr<std::shared_ptr<SpdyStream>> OpenStream(SpdyHeaders headers,
                                                         absl::Duration reply_timeout = absl::Seconds(30));
  // GOAWAY (OK), then waits up to close_linger for the peer to hang up, and
  // closes. Streams then fail. Safe to call twice.
  void Close();

  // Whether the connection has ended (peer hung up, a protocol error, Close),
  // and why: OK for an orderly end.
  bool ended() const;
  absl::Status end_status() const;
  // Waits until the connection ends; false on timeout.
  bool WaitEnded(absl::Duration timeout) const;

 private:
  friend class SpdyStream;

  SpdySession(UniqueFd fd, SpdySessionOptions options);
  void ReadLoop(std::string early_bytes);
  absl::Status Handle(Frame& frame);
  absl::Status HandleSynStream(Frame& frame);
  absl::Status HandleData(Frame& frame);
  absl::Status HandleSettings(const Frame& frame);
  absl::Status HandleWindowUpdate(const Frame& frame);
  void HandleRst(const Frame& frame);
  void HandleGoAway(const Frame& frame);
  void HandleReplyOrHeaders(const Frame& frame);

  // Encodes and writes one frame; a failed write ends the session.
  absl::Status SendFrame(const Frame& frame);
  absl::Status SendFrameLocked(const Frame& frame);  // write_mu_ held
  // With mu_ held: drops a stream whose both directions are over.
  void ForgetIfDoneLocked(const SpdyStream& stream);
  bool IsPeerStreamId(uint32_t id) const { return (id % 2 == 1) == options_.server; }
  void EndLocked(absl::Status status);
  // The idle timeout struck: resets every stream, GOAWAY, hang up.
  absl::Status EndIdle();
  void NoteActivity();
  // How long the reading thread may wait for bytes: -1 without an idle
  // timeout, else until it strikes (0 once it has).
  int PollMs() const;

  // Stream operations, called by SpdyStream.
  absl::StatusOr<std::string> ReadStream(SpdyStream& stream, size_t max_bytes);
  absl::Status WriteStream(SpdyStream& stream, std::string_view data);
  absl::Status CloseStream(SpdyStream& stream);
  void ResetStream(SpdyStream& stream, RstStatus status);

  UniqueFd fd_;
  const SpdySessionOptions options_;
  FrameParser parser_;  // the reading thread's alone

  // Taken before mu_ when both are. Close tries it for a second only: it
  // must not wait for ever behind a write to a peer that stopped reading.
  std::mutex write_mu_;
  FrameEncoder encoder_;
  uint32_t next_stream_id_;  // ids must rise in the order SYN_STREAMs go out

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<uint32_t, std::shared_ptr<SpdyStream>> streams_;
  std::deque<std::shared_ptr<SpdyStream>> accept_queue_;
  uint32_t last_peer_stream_id_ = 0;
  bool peer_keeps_windows_ = false;
  int64_t peer_initial_window_ = kDefaultInitialWindow;
  int64_t session_send_window_ = kDefaultInitialWindow;
  int64_t session_consumed_unacked_ = 0;
  bool goaway_sent_ = false;
  bool goaway_received_ = false;
  bool closing_ = false;
  bool ended_ = false;
  absl::Status end_status_;

  // steady_clock nanoseconds of the last frame sent or received.
  std::atomic<int64_t> last_activity_ns_{0};

  std::thread reader_;
};

// Everything the peer sends on stream up to its FIN. An error when the
// stream is reset or the session ends first, or past max_bytes.
absl::StatusOr<std::string> ReadToEnd(SpdyStream& stream, size_t max_bytes = 64 << 20);

// What a kubelet handler waits for: one stream of each streamType named
// (error, stdin, stdout, stderr, resize...) within timeout (the kubelet
// allows 30 s), keyed by type. Streams of other types are reset.
absl::StatusOr<std::map<std::string, std::shared_ptr<SpdyStream>>> WaitForStreamTypes(
    SpdySession& session, const std::vector<std::string>& types, absl::Duration timeout);

}  // namespace berth::cri::streaming

#endif  // BERTH_SERVICES_CRI_STREAMING_SPDY_SESSION_H_
