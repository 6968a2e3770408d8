#include "services/cri/streaming/spdy_session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"

namespace berth::cri::streaming {
namespace {

absl::Status SessionOver(const absl::Status& why) {
  if (why.ok()) return absl::UnavailableError("spdy: the connection ended");
  return absl::UnavailableError(absl::StrCat("spdy: the connection ended: ", why.message()));
}

absl::Status StreamReset(const SpdyStream& stream, RstStatus status, bool by_peer) {
  return absl::AbortedError(absl::StrCat("spdy stream ", stream.id(), ": reset by ", by_peer ? "the peer" : "us",
                                         " (status ", static_cast<int>(status), ")"));
}

std::chrono::steady_clock::time_point Deadline(absl::Duration timeout) {
  return std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
}

}  // namespace

SpdyStream::SpdyStream(SpdySession* session, uint32_t id, SpdyHeaders headers, int64_t send_window)
    : session_(session), id_(id), headers_(std::move(headers)), send_window_(send_window) {}

absl::StatusOr<std::string> SpdyStream::Read(size_t max_bytes) { return session_->ReadStream(*this, max_bytes); }
absl::Status SpdyStream::Write(std::string_view data) { return session_->WriteStream(*this, data); }
absl::Status SpdyStream::CloseWrite() { return session_->CloseStream(*this); }
void SpdyStream::Reset(RstStatus status) { session_->ResetStream(*this, status); }

SpdySession::SpdySession(UniqueFd fd, SpdySessionOptions options)
    : fd_(std::move(fd)),
      options_(options),
      parser_(options.max_frame_payload),
      next_stream_id_(options.server ? 2 : 1) {}

std::unique_ptr<SpdySession> SpdySession::Start(UniqueFd fd, std::string early_bytes, SpdySessionOptions options) {
  // Frames are small and each goes out in one write: Nagle would hold a
  // SYN_REPLY or a short DATA behind the peer's delayed ACK (40 ms). Go's
  // net package (kubectl, the kubelet) sets the same. Fails harmlessly on a
  // unix socket.
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  std::unique_ptr<SpdySession> session(new SpdySession(std::move(fd), options));
  // Says that we keep windows: a peer of our own then keeps them from the
  // first byte. spdystream ignores SETTINGS.
  session
      ->SendFrame(SettingsFrame(
          {{0, static_cast<uint32_t>(SettingId::kInitialWindowSize), static_cast<uint32_t>(kDefaultInitialWindow)}}))
      .IgnoreError();
  session->NoteActivity();
  SpdySession* raw = session.get();
  session->reader_ = std::thread([raw, early = std::move(early_bytes)]() mutable { raw->ReadLoop(std::move(early)); });
  return session;
}

SpdySession::~SpdySession() {
  Close();
  if (reader_.joinable()) reader_.join();
}

void SpdySession::Close() {
  bool send_goaway = false;
  uint32_t last_peer = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return;
    closing_ = true;
    send_goaway = !ended_ && !goaway_sent_;
    goaway_sent_ = true;
    last_peer = last_peer_stream_id_;
    cv_.notify_all();  // a reading thread paused on a full stream lets go
  }
  if (send_goaway) {
    // A writer stuck on a peer that stopped reading holds the lock: then
    // the connection is cut without a GOAWAY.
    // (Polled: timed_mutex's try_lock_for is what TSan cannot follow.)
    std::unique_lock<std::mutex> write_lock(write_mu_, std::defer_lock);
    for (int tries = 0; tries < 100 && !write_lock.try_lock(); ++tries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (write_lock.owns_lock() && SendFrameLocked(GoAwayFrame(last_peer, GoAwayStatus::kOk)).ok()) {
      write_lock.unlock();
      ::shutdown(fd_.get(), SHUT_WR);
      WaitEnded(options_.close_linger);
    }
  }
  ::shutdown(fd_.get(), SHUT_RDWR);
  std::lock_guard<std::mutex> lock(mu_);
  EndLocked(absl::OkStatus());
}

bool SpdySession::ended() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ended_;
}

absl::Status SpdySession::end_status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return end_status_;
}

bool SpdySession::WaitEnded(absl::Duration timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, Deadline(timeout), [&] { return ended_; });
}

void SpdySession::EndLocked(absl::Status status) {
  if (ended_) return;
  ended_ = true;
  end_status_ = std::move(status);
  cv_.notify_all();
}

void SpdySession::ReadLoop(std::string early_bytes) {
  parser_.Feed(early_bytes);
  absl::Status end;
  while (true) {
    Frame frame;
    absl::StatusOr<bool> got = parser_.Next(&frame);
    if (got.ok() && *got) {
      absl::Status handled = Handle(frame);
      if (!handled.ok()) got = handled;
    }
    if (!got.ok()) {
      // A session error: GOAWAY PROTOCOL_ERROR and hang up, as the draft says.
      uint32_t last_peer = 0;
      {
        std::lock_guard<std::mutex> lock(mu_);
        goaway_sent_ = true;
        last_peer = last_peer_stream_id_;
      }
      SendFrame(GoAwayFrame(last_peer, GoAwayStatus::kProtocolError)).IgnoreError();
      ::shutdown(fd_.get(), SHUT_RDWR);
      end = got.status();
      break;
    }
    if (*got) {
      NoteActivity();
      continue;
    }
    if (const int wait_ms = PollMs(); wait_ms >= 0) {
      pollfd pfd{fd_.get(), POLLIN, 0};
      const int ready = ::poll(&pfd, 1, wait_ms);
      if (ready < 0 && errno != EINTR) {
        end = absl::ErrnoToStatus(errno, "spdy: poll");
        break;
      }
      if (ready == 0 && PollMs() == 0) {
        end = EndIdle();
        break;
      }
      if (ready <= 0) continue;
    }
    char buffer[64 << 10];
    const ssize_t n = ::recv(fd_.get(), buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      std::lock_guard<std::mutex> lock(mu_);
      // Our own shutdown in Close is an orderly end, not a failure.
      end = closing_ ? absl::OkStatus() : absl::ErrnoToStatus(err, "spdy: read");
      break;
    }
    if (n == 0) {
      // The peer hung up: nothing more can come, so what we would send is
      // lost too. Hang up as well (a peer lingering in Close stops waiting).
      ::shutdown(fd_.get(), SHUT_RDWR);
      break;
    }
    parser_.Feed(std::string_view(buffer, static_cast<size_t>(n)));
  }
  std::lock_guard<std::mutex> lock(mu_);
  EndLocked(std::move(end));
}

void SpdySession::NoteActivity() {
  last_activity_ns_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
}

int SpdySession::PollMs() const {
  if (options_.idle_timeout <= absl::ZeroDuration()) return -1;
  const int64_t idle_ns =
      std::chrono::steady_clock::now().time_since_epoch().count() - last_activity_ns_.load(std::memory_order_relaxed);
  const int64_t left_ms = absl::ToInt64Milliseconds(options_.idle_timeout - absl::Nanoseconds(idle_ns));
  return static_cast<int>(std::clamp<int64_t>(left_ms, 0, 1 << 30));
}

absl::Status SpdySession::EndIdle() {
  std::vector<uint32_t> reset;
  uint32_t last_peer = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, stream] : streams_) {
      stream->reset_ = RstStatus::kCancel;
      reset.push_back(id);
    }
    streams_.clear();
    goaway_sent_ = true;
    last_peer = last_peer_stream_id_;
    cv_.notify_all();
  }
  for (uint32_t id : reset) SendFrame(RstStreamFrame(id, RstStatus::kCancel)).IgnoreError();
  SendFrame(GoAwayFrame(last_peer, GoAwayStatus::kOk)).IgnoreError();
  ::shutdown(fd_.get(), SHUT_RDWR);
  return absl::DeadlineExceededError(absl::StrCat("spdy: idle for ", absl::FormatDuration(options_.idle_timeout)));
}

absl::Status SpdySession::Handle(Frame& frame) {
  switch (frame.type) {
    case FrameType::kData:
      return HandleData(frame);
    case FrameType::kSynStream:
      return HandleSynStream(frame);
    case FrameType::kSynReply:
    case FrameType::kHeaders:
      HandleReplyOrHeaders(frame);
      return absl::OkStatus();
    case FrameType::kRstStream:
      HandleRst(frame);
      return absl::OkStatus();
    case FrameType::kSettings:
      return HandleSettings(frame);
    case FrameType::kPing:
      // The peer's pings (odd ids from a client, even from a server) come
      // back unchanged; replies to ours need nothing.
      if (IsPeerStreamId(frame.ping_id)) SendFrame(PingFrame(frame.ping_id)).IgnoreError();
      return absl::OkStatus();
    case FrameType::kGoAway:
      HandleGoAway(frame);
      return absl::OkStatus();
    case FrameType::kWindowUpdate:
      return HandleWindowUpdate(frame);
  }
  return absl::OkStatus();
}

absl::Status SpdySession::HandleSynStream(Frame& frame) {
  const uint32_t id = frame.stream_id;
  const bool unidirectional = (frame.flags & kFlagUnidirectional) != 0;
  std::shared_ptr<SpdyStream> stream;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!IsPeerStreamId(id) || id <= last_peer_stream_id_) {
      return absl::InvalidArgumentError(absl::StrCat("spdy: SYN_STREAM with id ", id, " after ", last_peer_stream_id_,
                                                     " (ids must rise, ", options_.server ? "odd" : "even", ")"));
    }
    last_peer_stream_id_ = id;
    if (!goaway_sent_ && !closing_) {
      stream = std::make_shared<SpdyStream>(this, id, std::move(frame.headers), peer_initial_window_);
      stream->replied_ = true;
      stream->remote_fin_ = frame.fin();
      stream->local_fin_ = unidirectional;
      streams_[id] = stream;
    }
  }
  if (stream == nullptr) return SendFrame(RstStreamFrame(id, RstStatus::kRefusedStream));
  // Answered before anyone can write to it: spdystream drops DATA that
  // comes before the SYN_REPLY. A unidirectional stream gets no reply.
  if (!unidirectional) {
    if (absl::Status sent = SendFrame(SynReplyFrame(id, {}, false)); !sent.ok()) return absl::OkStatus();
  }
  std::lock_guard<std::mutex> lock(mu_);
  accept_queue_.push_back(stream);
  ForgetIfDoneLocked(*stream);
  cv_.notify_all();
  return absl::OkStatus();
}

absl::Status SpdySession::HandleData(Frame& frame) {
  const uint32_t id = frame.stream_id;
  std::unique_lock<std::mutex> lock(mu_);
  auto it = streams_.find(id);
  if (it == streams_.end()) {
    // Data for a stream that is over is dropped; for one never opened it is
    // the draft's INVALID_STREAM.
    const bool never_opened = IsPeerStreamId(id) ? id > last_peer_stream_id_ : id >= next_stream_id_;
    lock.unlock();
    if (never_opened) SendFrame(RstStreamFrame(id, RstStatus::kInvalidStream)).IgnoreError();
    return absl::OkStatus();
  }
  std::shared_ptr<SpdyStream> stream = it->second;
  if (stream->remote_fin_) {
    stream->reset_ = RstStatus::kStreamAlreadyClosed;
    streams_.erase(it);
    cv_.notify_all();
    lock.unlock();
    SendFrame(RstStreamFrame(id, RstStatus::kStreamAlreadyClosed)).IgnoreError();
    return absl::OkStatus();
  }
  // A peer that ignores windows is slowed here instead (see the header).
  cv_.wait(lock, [&] {
    return stream->inbox_.size() < options_.max_buffered_per_stream || stream->reset_ || closing_ || ended_;
  });
  if (stream->reset_ || closing_ || ended_) return absl::OkStatus();
  stream->inbox_ += frame.data;
  if (frame.fin()) {
    stream->remote_fin_ = true;
    ForgetIfDoneLocked(*stream);
  }
  cv_.notify_all();
  return absl::OkStatus();
}

void SpdySession::HandleReplyOrHeaders(const Frame& frame) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = streams_.find(frame.stream_id);
  if (it == streams_.end()) return;
  std::shared_ptr<SpdyStream> stream = it->second;
  if (frame.type == FrameType::kSynReply) stream->replied_ = true;
  if (frame.fin()) {
    stream->remote_fin_ = true;
    ForgetIfDoneLocked(*stream);
  }
  cv_.notify_all();
}

void SpdySession::HandleRst(const Frame& frame) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = streams_.find(frame.stream_id);
  if (it == streams_.end()) return;
  it->second->reset_ = static_cast<RstStatus>(frame.status);
  it->second->reset_by_peer_ = true;
  streams_.erase(it);
  cv_.notify_all();
}

absl::Status SpdySession::HandleSettings(const Frame& frame) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Setting& setting : frame.settings) {
    if (setting.id != static_cast<uint32_t>(SettingId::kInitialWindowSize)) continue;
    if (setting.value > kMaxWindow) {
      return absl::InvalidArgumentError(absl::StrCat("spdy: initial window ", setting.value, " past 2^31-1"));
    }
    // A new initial window moves every open stream's window by the change.
    const int64_t change = int64_t{setting.value} - peer_initial_window_;
    for (auto& [id, stream] : streams_) stream->send_window_ += change;
    peer_initial_window_ = setting.value;
    peer_keeps_windows_ = true;
  }
  cv_.notify_all();
  return absl::OkStatus();
}

absl::Status SpdySession::HandleWindowUpdate(const Frame& frame) {
  std::unique_lock<std::mutex> lock(mu_);
  peer_keeps_windows_ = true;
  cv_.notify_all();
  if (frame.stream_id == 0) {
    session_send_window_ += frame.delta;
    if (session_send_window_ > kMaxWindow) {
      return absl::InvalidArgumentError("spdy: the session's window grew past 2^31-1");
    }
    return absl::OkStatus();
  }
  auto it = streams_.find(frame.stream_id);
  if (it == streams_.end()) return absl::OkStatus();
  std::shared_ptr<SpdyStream> stream = it->second;
  stream->send_window_ += frame.delta;
  if (stream->send_window_ <= kMaxWindow) return absl::OkStatus();
  stream->reset_ = RstStatus::kFlowControlError;
  streams_.erase(it);
  lock.unlock();
  SendFrame(RstStreamFrame(frame.stream_id, RstStatus::kFlowControlError)).IgnoreError();
  return absl::OkStatus();
}

void SpdySession::HandleGoAway(const Frame& frame) {
  std::lock_guard<std::mutex> lock(mu_);
  goaway_received_ = true;
  // Streams we opened past the last one the peer took will never be served.
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (!IsPeerStreamId(it->first) && it->first > frame.stream_id) {
      it->second->reset_ = RstStatus::kRefusedStream;
      it->second->reset_by_peer_ = true;
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
  cv_.notify_all();
}

void SpdySession::ForgetIfDoneLocked(const SpdyStream& stream) {
  if (stream.local_fin_ && stream.remote_fin_) streams_.erase(stream.id_);
}

absl::Status SpdySession::SendFrame(const Frame& frame) {
  std::lock_guard<std::mutex> lock(write_mu_);
  return SendFrameLocked(frame);
}

absl::Status SpdySession::SendFrameLocked(const Frame& frame) {
  absl::StatusOr<std::string> bytes = encoder_.Encode(frame);
  if (!bytes.ok()) return bytes.status();
  std::string_view rest = *bytes;
  while (!rest.empty()) {
    // send, not write: MSG_NOSIGNAL keeps a peer that hung up from raising
    // SIGPIPE in a process (or test) that did not block it.
    const ssize_t n = ::send(fd_.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const absl::Status failed = absl::ErrnoToStatus(errno, "spdy: write");
      ::shutdown(fd_.get(), SHUT_RDWR);
      std::lock_guard<std::mutex> lock(mu_);
      EndLocked(failed);
      return SessionOver(failed);
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  NoteActivity();
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<SpdyStream>> SpdySession::AcceptStream(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, Deadline(timeout),
                 [&] { return !accept_queue_.empty() || ended_ || closing_ || goaway_received_; });
  if (!accept_queue_.empty()) {
    std::shared_ptr<SpdyStream> stream = std::move(accept_queue_.front());
    accept_queue_.pop_front();
    return stream;
  }
  if (ended_ || closing_) return SessionOver(end_status_);
  if (goaway_received_) return absl::UnavailableError("spdy: the peer sent GOAWAY");
  return absl::DeadlineExceededError(absl::StrCat("spdy: no new stream within ", absl::FormatDuration(timeout)));
}

absl::StatusOr<std::shared_ptr<SpdyStream>> SpdySession::OpenStream(SpdyHeaders headers, absl::Duration reply_timeout) {
  std::shared_ptr<SpdyStream> stream;
  {
    std::lock_guard<std::mutex> write_lock(write_mu_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ended_ || closing_) return SessionOver(end_status_);
      if (goaway_received_) return absl::UnavailableError("spdy: the peer sent GOAWAY");
      stream = std::make_shared<SpdyStream>(this, next_stream_id_, headers, peer_initial_window_);
      next_stream_id_ += 2;
      streams_[stream->id_] = stream;
    }
    if (absl::Status sent = SendFrameLocked(SynStreamFrame(stream->id_, std::move(headers), false)); !sent.ok()) {
      return sent;
    }
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, Deadline(reply_timeout), [&] { return stream->replied_ || stream->reset_ || ended_; });
  // Replied, then perhaps reset at once: it was opened, and its reads say
  // the rest.
  if (stream->replied_) return stream;
  if (stream->reset_) return StreamReset(*stream, *stream->reset_, stream->reset_by_peer_);
  if (ended_) return SessionOver(end_status_);
  lock.unlock();
  ResetStream(*stream, RstStatus::kCancel);
  return absl::DeadlineExceededError(
      absl::StrCat("spdy: no SYN_REPLY for stream ", stream->id_, " within ", absl::FormatDuration(reply_timeout)));
}

absl::StatusOr<std::string> SpdySession::ReadStream(SpdyStream& stream, size_t max_bytes) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !stream.inbox_.empty() || stream.remote_fin_ || stream.reset_ || ended_; });
  if (stream.inbox_.empty()) {
    if (stream.reset_) return StreamReset(stream, *stream.reset_, stream.reset_by_peer_);
    if (stream.remote_fin_) return std::string();
    return SessionOver(end_status_);
  }
  const size_t n = std::min(std::max<size_t>(max_bytes, 1), stream.inbox_.size());
  std::string out = stream.inbox_.substr(0, n);
  stream.inbox_.erase(0, n);
  // Give back what was read once half a window's worth has been, so that a
  // peer keeping windows never waits on a reader that keeps up.
  std::vector<Frame> updates;
  stream.consumed_unacked_ += static_cast<int64_t>(n);
  session_consumed_unacked_ += static_cast<int64_t>(n);
  if (stream.consumed_unacked_ >= kDefaultInitialWindow / 2) {
    if (!stream.remote_fin_ && !stream.reset_) {
      updates.push_back(WindowUpdateFrame(stream.id_, static_cast<uint32_t>(stream.consumed_unacked_)));
    }
    stream.consumed_unacked_ = 0;
  }
  if (session_consumed_unacked_ >= kDefaultInitialWindow / 2) {
    updates.push_back(WindowUpdateFrame(0, static_cast<uint32_t>(session_consumed_unacked_)));
    session_consumed_unacked_ = 0;
  }
  cv_.notify_all();  // the reading thread may be paused on this stream
  const bool over = ended_ || closing_;
  lock.unlock();
  if (!over) {
    for (const Frame& update : updates) SendFrame(update).IgnoreError();
  }
  return out;
}

absl::Status SpdySession::WriteStream(SpdyStream& stream, std::string_view data) {
  while (!data.empty()) {
    size_t n = std::min(data.size(), options_.max_data_frame);
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] {
        return ended_ || closing_ || stream.reset_ || stream.local_fin_ || !peer_keeps_windows_ ||
               (stream.send_window_ > 0 && session_send_window_ > 0);
      });
      if (stream.reset_) return StreamReset(stream, *stream.reset_, stream.reset_by_peer_);
      if (stream.local_fin_) {
        return absl::FailedPreconditionError(absl::StrCat("spdy stream ", stream.id_, ": write after close"));
      }
      if (ended_ || closing_) return SessionOver(end_status_);
      if (peer_keeps_windows_) {
        n = static_cast<size_t>(std::min<int64_t>(n, std::min(stream.send_window_, session_send_window_)));
      }
      // Counted even while the peer keeps no windows, so that they are
      // right should it start to.
      stream.send_window_ -= static_cast<int64_t>(n);
      session_send_window_ -= static_cast<int64_t>(n);
    }
    if (absl::Status sent = SendFrame(DataFrame(stream.id_, std::string(data.substr(0, n)), false)); !sent.ok()) {
      return sent;
    }
    data.remove_prefix(n);
  }
  return absl::OkStatus();
}

absl::Status SpdySession::CloseStream(SpdyStream& stream) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stream.reset_) return StreamReset(stream, *stream.reset_, stream.reset_by_peer_);
    if (stream.local_fin_) return absl::OkStatus();
    if (ended_) return SessionOver(end_status_);
    stream.local_fin_ = true;
    ForgetIfDoneLocked(stream);
    cv_.notify_all();
  }
  return SendFrame(DataFrame(stream.id_, "", true));
}

void SpdySession::ResetStream(SpdyStream& stream, RstStatus status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stream.reset_ || ended_ || (stream.local_fin_ && stream.remote_fin_)) return;
    stream.reset_ = status;
    streams_.erase(stream.id_);
    cv_.notify_all();
  }
  SendFrame(RstStreamFrame(stream.id_, status)).IgnoreError();
}

absl::StatusOr<std::string> ReadToEnd(SpdyStream& stream, size_t max_bytes) {
  std::string all;
  while (true) {
    absl::StatusOr<std::string> chunk = stream.Read();
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) return all;
    all += *chunk;
    if (all.size() > max_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("spdy stream ", stream.id(), ": more than ", max_bytes, " bytes"));
    }
  }
}

absl::StatusOr<std::map<std::string, std::shared_ptr<SpdyStream>>> WaitForStreamTypes(
    SpdySession& session, const std::vector<std::string>& types, absl::Duration timeout) {
  const std::set<std::string> wanted(types.begin(), types.end());
  const absl::Time deadline = absl::Now() + timeout;
  std::map<std::string, std::shared_ptr<SpdyStream>> streams;
  while (streams.size() < wanted.size()) {
    absl::StatusOr<std::shared_ptr<SpdyStream>> stream = session.AcceptStream(deadline - absl::Now());
    if (absl::IsDeadlineExceeded(stream.status())) {
      // The kubelet's words, which kubectl shows.
      return absl::DeadlineExceededError("timed out waiting for client to create streams");
    }
    if (!stream.ok()) return stream.status();
    const std::string type = (*stream)->Header("streamType");
    if (wanted.count(type) == 0 || streams.count(type) > 0) {
      (*stream)->Reset(RstStatus::kRefusedStream);
      continue;
    }
    streams[type] = *std::move(stream);
  }
  return streams;
}

}  // namespace berth::cri::streaming
