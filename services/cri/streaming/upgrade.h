#ifndef BERTH_SERVICES_CRI_STREAMING_UPGRADE_H_
#define BERTH_SERVICES_CRI_STREAMING_UPGRADE_H_

// The HTTP/1.1 request that turns a connection into a SPDY/3.1 session, as
// the kubelet's streaming server answers it (k8s.io/apimachinery httpstream):
//   Connection: Upgrade, Upgrade: SPDY/3.1, and one or more
//   X-Stream-Protocol-Version offers (repeated or comma-separated), in the
//   client's order of preference.
// The answer is 101 with the chosen X-Stream-Protocol-Version; no common
// protocol is 403 with X-Accepted-Stream-Protocol-Versions; no offer, or no
// upgrade headers, is 400. Pure functions: the transport is the caller's.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::cri::streaming {

inline constexpr char kStreamProtocolHeader[] = "X-Stream-Protocol-Version";
inline constexpr char kAcceptedProtocolsHeader[] = "X-Accepted-Stream-Protocol-Versions";
inline constexpr char kSpdy31[] = "SPDY/3.1";

// remotecommand's subprotocols, newest first (the kubelet's order).
inline constexpr char kRemoteCommandV4[] = "v4.channel.k8s.io";
inline constexpr char kRemoteCommandV3[] = "v3.channel.k8s.io";
inline constexpr char kRemoteCommandV2[] = "v2.channel.k8s.io";
inline constexpr char kRemoteCommandV1[] = "channel.k8s.io";
inline constexpr char kPortForwardV1[] = "portforward.k8s.io";
std::vector<std::string> RemoteCommandProtocols();

using HttpHeaderList = std::vector<std::pair<std::string, std::string>>;

struct UpgradeAnswer {
  int status = 0;        // 101, or 400 / 403
  std::string protocol;  // the one chosen, for 101
  HttpHeaderList headers;
  std::string body;  // text/plain, for a refusal
  bool ok() const { return status == 101; }
};

// Server side. request_headers as received (names in any case).
UpgradeAnswer NegotiateSpdyUpgrade(const HttpHeaderList& request_headers,
                                   const std::vector<std::string>& server_protocols);
// The answer as bytes, for a server that writes to the socket itself.
std::string FormatUpgradeAnswer(const UpgradeAnswer& answer);

struct HttpRequestHead {
  std::string method;
  std::string target;  // "/exec/TOKEN"
  HttpHeaderList headers;
};
// Parses a request head, the bytes up to and including the blank line, for
// a server that reads the socket itself.
absl::StatusOr<HttpRequestHead> ParseRequestHead(std::string_view head);

// Client side.
struct UpgradeRequest {
  std::string method = "POST";  // kubectl and crictl POST exec/attach/portforward
  std::string host;             // Host header, "127.0.0.1:10010"
  std::string path;             // "/exec/TOKEN"
  std::vector<std::string> protocols;
};
std::string FormatUpgradeRequest(const UpgradeRequest& request);

struct HttpResponseHead {
  int status = 0;
  std::string reason;
  HttpHeaderList headers;
  // The first value of a header (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};
// Parses a response head, the bytes up to and including the blank line.
absl::StatusOr<HttpResponseHead> ParseResponseHead(std::string_view head);

}  // namespace berth::cri::streaming

#endif  // BERTH_SERVICES_CRI_STREAMING_UPGRADE_H_
