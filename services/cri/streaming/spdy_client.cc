#include "services/cri/streaming/spdy_client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace berth::cri::streaming {
namespace {

// A response head larger than this is not an upgrade answer.
constexpr size_t kMaxHead = 64 << 10;

int RemainingMs(absl::Time deadline) {
  return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(deadline - absl::Now()), 0, 1 << 30));
}

// Reads what is there into *buffer; false with *error at EOF, on timeout or
// on a failure.
bool ReadSome(int fd, absl::Time deadline, std::string* buffer, absl::Status* error) {
  pollfd pfd{fd, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, RemainingMs(deadline));
  if (ready < 0 && errno == EINTR) return true;
  if (ready <= 0) {
    *error = ready == 0 ? absl::DeadlineExceededError("upgrade: no answer in time")
                        : absl::ErrnoToStatus(errno, "upgrade: poll");
    return false;
  }
  char chunk[4096];
  const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) {
    *error =
        n == 0 ? absl::UnavailableError("upgrade: the server hung up") : absl::ErrnoToStatus(errno, "upgrade: read");
    return false;
  }
  buffer->append(chunk, static_cast<size_t>(n));
  return true;
}

absl::Status SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "upgrade: write");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// The body of a refusal, for the error: up to its Content-Length, or what
// comes before the server hangs up.
std::string RefusalBody(int fd, const HttpResponseHead& head, std::string body, absl::Time deadline) {
  size_t want = kMaxHead;
  if (size_t length = 0; absl::SimpleAtoi(head.Header("Content-Length"), &length)) want = std::min(length, kMaxHead);
  absl::Status ignored;
  while (body.size() < want && ReadSome(fd, deadline, &body, &ignored)) {
  }
  body.resize(std::min(body.size(), want));
  return std::string(absl::StripTrailingAsciiWhitespace(body));
}

}  // namespace

absl::StatusOr<SpdyConnection> UpgradeToSpdy(UniqueFd fd, const UpgradeRequest& request, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  if (absl::Status sent = SendAll(fd.get(), FormatUpgradeRequest(request)); !sent.ok()) return sent;
  std::string buffer;
  size_t head_end = std::string::npos;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > kMaxHead) return absl::InvalidArgumentError("upgrade: response head too large");
    absl::Status error;
    if (!ReadSome(fd.get(), deadline, &buffer, &error)) return error;
  }
  absl::StatusOr<HttpResponseHead> head = ParseResponseHead(std::string_view(buffer).substr(0, head_end + 4));
  if (!head.ok()) return head.status();
  std::string rest = buffer.substr(head_end + 4);
  if (head->status != 101) {
    return absl::FailedPreconditionError(absl::StrCat("upgrade refused: ", head->status, " ", head->reason, ": ",
                                                      RefusalBody(fd.get(), *head, std::move(rest), deadline)));
  }
  if (!absl::StrContains(absl::AsciiStrToLower(head->Header("Connection")), "upgrade") ||
      !absl::StrContains(absl::AsciiStrToLower(head->Header("Upgrade")), "spdy/3.1")) {
    return absl::FailedPreconditionError("upgrade: missing upgrade headers in response");
  }
  SpdyConnection connection;
  connection.protocol = head->Header(kStreamProtocolHeader);
  if (!connection.protocol.empty() &&
      std::find(request.protocols.begin(), request.protocols.end(), connection.protocol) == request.protocols.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("upgrade: the server chose ", connection.protocol, ", which was not offered"));
  }
  SpdySessionOptions options;
  options.server = false;
  connection.session = SpdySession::Start(std::move(fd), std::move(rest), options);
  return connection;
}

absl::StatusOr<SpdyConnection> ConnectSpdy(std::string_view url, const std::vector<std::string>& protocols,
                                           absl::Duration timeout) {
  absl::string_view rest(url.data(), url.size());
  if (!absl::ConsumePrefix(&rest, "http://")) {
    return absl::InvalidArgumentError(absl::StrCat("streaming url ", std::string(url), ": not http://"));
  }
  const size_t slash = rest.find('/');
  const absl::string_view authority = rest.substr(0, slash);
  UpgradeRequest request;
  request.host = std::string(authority);
  request.path = slash == absl::string_view::npos ? "/" : std::string(rest.substr(slash));
  request.protocols = protocols;

  std::string host(authority), port = "80";
  if (absl::StartsWith(authority, "[")) {  // [v6]:port
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return absl::InvalidArgumentError("streaming url: unclosed [");
    host = std::string(authority.substr(1, close - 1));
    if (authority.size() > close + 2 && authority[close + 1] == ':') port = std::string(authority.substr(close + 2));
  } else if (const size_t colon = authority.rfind(':'); colon != absl::string_view::npos) {
    host = std::string(authority.substr(0, colon));
    port = std::string(authority.substr(colon + 1));
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return absl::UnavailableError(absl::StrCat("streaming url: resolve ", host, ": ", gai_strerror(rc)));
  }
  absl::Status last = absl::UnavailableError(absl::StrCat("streaming url: no address for ", host));
  UniqueFd fd;
  for (addrinfo* ai = found; ai != nullptr && !fd.valid(); ai = ai->ai_next) {
    UniqueFd candidate(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (!candidate.valid()) {
      last = absl::ErrnoToStatus(errno, "streaming url: socket");
      continue;
    }
    if (::connect(candidate.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      last = absl::ErrnoToStatus(errno, absl::StrCat("streaming url: connect ", std::string(authority)));
      continue;
    }
    fd = std::move(candidate);
  }
  ::freeaddrinfo(found);
  if (!fd.valid()) return last;
  return UpgradeToSpdy(std::move(fd), request, timeout);
}

}  // namespace berth::cri::streaming
