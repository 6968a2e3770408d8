#include "services/builder/dispatch/expose_ports.h"

#include <arpa/inet.h>

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace berth::builder {
namespace {

absl::Status Invalid(const std::string& text) {
  return absl::InvalidArgumentError(text);
}

// Go's strconv.ParseUint(text, 10, 16): digits only, at most 65535.
bool ParsePort(const std::string& text, uint64_t* port) {
  if (text.empty() || text.size() > 5) return false;
  uint64_t value = 0;
  for (char ch : text) {
    if (!absl::ascii_isdigit(ch)) return false;
    value = value * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (value > 65535) return false;
  *port = value;
  return true;
}

// nat.ParsePortRange: "80" or "8000-8002"; words past a second "-" are
// ignored, as docker's strings.Split-and-index does.
bool ParsePortRange(const std::string& text, uint64_t* start, uint64_t* end) {
  if (text.empty()) return false;
  if (text.find('-') == std::string::npos) {
    if (!ParsePort(text, start)) return false;
    *end = *start;
    return true;
  }
  std::vector<std::string> parts = absl::StrSplit(text, '-');
  return ParsePort(parts[0], start) && ParsePort(parts[1], end) &&
         *end >= *start;
}

bool ValidIp(const std::string& ip) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, ip.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, ip.c_str(), buffer) == 1;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ExposedPortKeys(
    const std::string& spec) {
  // splitParts: ip (may hold colons), host port, container port.
  std::vector<std::string> parts = absl::StrSplit(spec, ':');
  size_t count = parts.size();
  std::string container_port = parts[count - 1];
  std::string host_port = count >= 2 ? parts[count - 2] : "";
  std::string raw_ip;
  if (count >= 3) {
    raw_ip = absl::StrJoin(parts.begin(), parts.end() - 2, ":");
  }

  // SplitProtoPort.
  std::string proto;
  std::vector<std::string> proto_parts = absl::StrSplit(container_port, '/');
  if (container_port.empty() || proto_parts[0].empty()) {
    container_port.clear();
  } else if (proto_parts.size() == 1 || proto_parts[1].empty()) {
    proto = "tcp";
    container_port = proto_parts[0];
  } else {
    proto = proto_parts[1];
    container_port = proto_parts[0];
  }

  std::string ip = raw_ip;
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') {
    ip = ip.substr(1, ip.size() - 2);
  }
  if (!ip.empty() && !ValidIp(ip)) {
    return Invalid(absl::StrCat("Invalid ip address: ", ip));
  }
  if (container_port.empty()) {
    return Invalid(absl::StrCat("No port specified: ", spec, "<empty>"));
  }
  uint64_t start = 0, end = 0;
  if (!ParsePortRange(container_port, &start, &end)) {
    return Invalid(absl::StrCat("Invalid containerPort: ", container_port));
  }
  uint64_t host_start = 0, host_end = 0;
  if (!host_port.empty() &&
      !ParsePortRange(host_port, &host_start, &host_end)) {
    return Invalid(absl::StrCat("Invalid hostPort: ", host_port));
  }
  if (!host_port.empty() && end - start != host_end - host_start &&
      end != start) {
    return Invalid(
        absl::StrCat("Invalid ranges specified for container and host Ports: ",
                     container_port, " and ", host_port));
  }
  std::string lower = absl::AsciiStrToLower(proto);
  if (lower != "tcp" && lower != "udp" && lower != "sctp") {
    return Invalid(absl::StrCat("Invalid proto: ", proto));
  }
  std::vector<std::string> keys;
  for (uint64_t port = start; port <= end; ++port) {
    keys.push_back(absl::StrCat(port, "/", lower));
  }
  return keys;
}

}  // namespace berth::builder
