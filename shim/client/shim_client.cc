#include "shim/client/shim_client.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "shim/framing.h"

namespace berth::shim {
namespace {

constexpr uint32_t kStream = 1;

absl::Status SetTimeout(int fd, absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return absl::OkStatus();
  timeval tv = absl::ToTimeval(timeout);
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
    return absl::ErrnoToStatus(errno, "shim socket timeout");
  }
  return absl::OkStatus();
}

absl::Status SendRequest(int fd, const std::string& method,
                         const google::protobuf::MessageLite& request) {
  v1::Request envelope;
  envelope.set_method(method);
  envelope.set_payload(request.SerializeAsString());
  return WriteFrame(fd, {kStream, FrameType::kRequest, 0, envelope.SerializeAsString()});
}

// The response frame of the call; errors carry the shim's status.
absl::StatusOr<std::string> ReadResponse(int fd, const std::string& method) {
  auto frame = ReadFrame(fd);
  if (!frame.ok()) {
    if (absl::IsOutOfRange(frame.status()) || absl::IsDataLoss(frame.status())) {
      return absl::UnavailableError(absl::StrCat("shim ", method, ": connection closed"));
    }
    if (absl::IsUnavailable(frame.status()) || absl::IsDeadlineExceeded(frame.status()) ||
        frame.status().message().find("Resource temporarily") != std::string::npos) {
      return absl::DeadlineExceededError(absl::StrCat("shim ", method, ": no answer in time"));
    }
    return frame.status();
  }
  v1::Response response;
  if (frame->type != FrameType::kResponse || !response.ParseFromString(frame->payload)) {
    return absl::InternalError(absl::StrCat("shim ", method, ": malformed response"));
  }
  if (response.code() != 0) {
    return absl::Status(static_cast<absl::StatusCode>(response.code()), response.message());
  }
  return response.payload();
}

}  // namespace

absl::StatusOr<UniqueFd> ConnectShim(const std::string& socket_path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError("shim socket path too long: " + socket_path);
  }
  std::strcpy(address.sun_path, socket_path.c_str());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return absl::ErrnoToStatus(errno, "socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return absl::UnavailableError(
        absl::StrCat("shim at ", socket_path, " is not reachable: ", std::strerror(errno)));
  }
  return fd;
}

absl::Status ShimClient::Call(const std::string& method,
                              const google::protobuf::MessageLite& request,
                              google::protobuf::MessageLite* response,
                              absl::Duration timeout) const {
  auto fd = ConnectShim(socket_path_);
  if (!fd.ok()) return fd.status();
  if (absl::Status status = SetTimeout(fd->get(), timeout); !status.ok()) return status;
  if (absl::Status status = SendRequest(fd->get(), method, request); !status.ok()) return status;
  auto payload = ReadResponse(fd->get(), method);
  if (!payload.ok()) return payload.status();
  if (response != nullptr && !response->ParseFromString(*payload)) {
    return absl::InternalError(absl::StrCat("shim ", method, ": malformed response payload"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ShimAttachment> ShimAttachment::Open(const std::string& socket_path,
                                                    const v1::AttachRequest& request) {
  auto fd = ConnectShim(socket_path);
  if (!fd.ok()) return fd.status();
  if (absl::Status status = SendRequest(fd->get(), "Attach", request); !status.ok()) return status;
  if (auto ack = ReadResponse(fd->get(), "Attach"); !ack.ok()) return ack.status();
  return ShimAttachment(*std::move(fd));
}

absl::StatusOr<std::optional<v1::IOFrame>> ShimAttachment::Next() {
  auto frame = ReadFrame(fd_.get());
  if (!frame.ok()) {
    return absl::UnavailableError(
        absl::StrCat("shim attach: ", frame.status().message()));
  }
  v1::IOFrame io;
  if (!io.ParseFromString(frame->payload)) return absl::InternalError("shim attach: bad frame");
  if (io.eof()) return std::nullopt;
  return io;
}

absl::Status ShimAttachment::WriteStdin(const std::string& data, bool eof) {
  v1::IOFrame io;
  io.set_fd(0);
  io.set_data(data);
  io.set_eof(eof);
  return WriteFrame(fd_.get(), {kStream, FrameType::kData,
                                static_cast<uint8_t>(eof ? kEndOfStream : 0),
                                io.SerializeAsString()});
}

void ShimAttachment::Cancel() { ::shutdown(fd_.get(), SHUT_RDWR); }

}  // namespace berth::shim
