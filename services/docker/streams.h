#ifndef BERTH_SERVICES_DOCKER_STREAMS_H_
#define BERTH_SERVICES_DOCKER_STREAMS_H_

// What the long answers share: docker's stdio framing, and noticing a
// client that left while a gRPC stream waits for something to send.

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <grpcpp/client_context.h>

namespace berth::docker {

// docker's multiplexed stream frame: [stream, 0, 0, 0, size (big endian)]
// then the payload; stream 1 stdout, 2 stderr, 3 an error of the daemon's.
std::string MultiplexFrame(int stream, std::string_view payload);

inline constexpr char kRawStream[] = "application/vnd.docker.raw-stream";
inline constexpr char kMultiplexedStream[] = "application/vnd.docker.multiplexed-stream";

// True when the peer of a connected socket hung up.
bool PeerClosed(int fd);

// Cancels `context` when the client at `fd` goes away, for as long as it
// lives (a /wait or `logs -f` the CLI abandoned must not hold a call open).
class ClientWatch {
 public:
  ClientWatch(int fd, grpc::ClientContext* context);
  ~ClientWatch();
  ClientWatch(const ClientWatch&) = delete;
  ClientWatch& operator=(const ClientWatch&) = delete;

 private:
  // The destructor wakes the thread at once: a sleep it had to wait out
  // held every /wait answer back by up to 200 ms.
  std::mutex mu_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

// The client's end of an attach (attach, exec start, attach/ws): where its
// stdin comes from and its output goes, in the connection's own framing.
class AttachPeer {
 public:
  enum class Input { kData, kEnd, kGone };
  virtual ~AttachPeer() = default;
  // Blocks for the client's next stdin bytes: kEnd when its stdin ended
  // (a half-close), kGone when the client left or broke its protocol.
  virtual Input Read(std::string* data) = 0;
  // Output of stream 1 (stdout) or 2 (stderr); false when the client is gone.
  virtual bool Write(int stream, std::string_view payload) = 0;
  // The process ended (or detached): ends the connection, which wakes Read.
  virtual void Finish() = 0;
  // Read may be called again after kEnd (and tells kGone when the client
  // leaves); a raw socket's half-close is its last word.
  virtual bool ReadsAfterEnd() const { return false; }
};

// A hijacked socket: stdin as raw bytes (first those the client sent with
// its request), output raw for a tty, else in docker's multiplexed frames.
class RawAttachPeer : public AttachPeer {
 public:
  RawAttachPeer(int fd, std::string early_input, bool tty)
      : fd_(fd), early_(std::move(early_input)), tty_(tty) {}
  Input Read(std::string* data) override;
  bool Write(int stream, std::string_view payload) override;
  void Finish() override;

 private:
  int fd_;
  std::string early_;
  bool tty_;
};

}  // namespace berth::docker

#endif  // BERTH_SERVICES_DOCKER_STREAMS_H_
