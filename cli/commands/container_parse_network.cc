#include "cli/commands/container_parse.h"

#include <arpa/inet.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/commands/container_format.h"

namespace berth::cli {
namespace {

using berth::tasks::v1::PortBinding;

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

// Splits "a-b" (or "a") into a port range as nat.ParsePortRange does.
bool ParsePortRange(const std::string& text, uint32_t* start, uint32_t* end) {
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('-', 1));
  auto port = [](const std::string& value, uint32_t* out) {
    auto parsed = ParseGoUint(value, 16);
    if (!parsed.ok()) return false;
    *out = static_cast<uint32_t>(*parsed);
    return true;
  };
  if (!port(parts[0], start)) return false;
  if (parts.size() == 1) {
    *end = *start;
    return true;
  }
  return port(parts[1], end) && *end >= *start;
}

// "80/tcp" -> ("tcp", "80"); "80" -> ("tcp", "80").
std::pair<std::string, std::string> SplitProtoPort(const std::string& text) {
  size_t slash = text.find('/');
  if (slash == std::string::npos) return {"tcp", text};
  std::string proto = text.substr(slash + 1);
  return {proto.empty() ? "tcp" : proto, text.substr(0, slash)};
}

bool ValidProto(const std::string& proto) {
  std::string lower = absl::AsciiStrToLower(proto);
  return lower == "tcp" || lower == "udp" || lower == "sctp";
}

}  // namespace

absl::StatusOr<std::vector<PortBinding>> ParsePortSpec(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  size_t n = parts.size();
  std::string ip, host_port, container_port = parts[n - 1];
  if (n == 2) {
    host_port = parts[0];
  } else if (n >= 3) {
    ip = absl::StrJoin(parts.begin(), parts.end() - 2, ":");
    host_port = parts[n - 2];
  }
  auto [proto, port] = SplitProtoPort(container_port);
  if (!ip.empty() && ip[0] == '[') {
    if (ip.back() != ']') return Invalid(absl::StrCat("Invalid ip address ", ip, ": missing ']' in address"));
    ip = ip.substr(1, ip.size() - 2);
  }
  if (!ip.empty() && !IsIpAddress(ip)) return Invalid(absl::StrCat("invalid IP address: ", ip));
  if (port.empty()) return Invalid(absl::StrCat("no port specified: ", text, "<empty>"));
  uint32_t start = 0, end = 0, host_start = 0, host_end = 0;
  if (!ParsePortRange(port, &start, &end)) return Invalid(absl::StrCat("invalid containerPort: ", port));
  if (!host_port.empty() && !ParsePortRange(host_port, &host_start, &host_end)) {
    return Invalid(absl::StrCat("invalid hostPort: ", host_port));
  }
  if (!host_port.empty() && end - start != host_end - host_start && end != start) {
    return Invalid(absl::StrCat("invalid ranges specified for container and host Ports: ", port,
                                " and ", host_port));
  }
  if (!ValidProto(proto)) return Invalid(absl::StrCat("invalid proto: ", proto));
  std::vector<PortBinding> bindings;
  for (uint32_t i = 0; i <= end - start; ++i) {
    PortBinding binding;
    binding.set_host_ip(ip);
    binding.set_container_port(start + i);
    binding.set_protocol(absl::AsciiStrToLower(proto));
    // A host range for one container port: docker picks a free one of the
    // range; berth takes its first port.
    if (!host_port.empty()) binding.set_host_port(end == start ? host_start : host_start + i);
    bindings.push_back(binding);
  }
  return bindings;
}

absl::StatusOr<std::vector<std::string>> ParseExposedPorts(const std::string& text) {
  auto [proto, port] = SplitProtoPort(text);
  uint32_t start = 0, end = 0;
  if (!ParsePortRange(port, &start, &end)) {
    return Invalid(absl::StrCat("invalid range format for --expose: ", text));
  }
  if (!ValidProto(proto)) return Invalid(absl::StrCat("invalid proto: ", proto));
  std::vector<std::string> out;
  for (uint32_t p = start; p <= end; ++p) out.push_back(absl::StrCat(p, "/", absl::AsciiStrToLower(proto)));
  return out;
}

absl::StatusOr<std::string> ParseExtraHost(const std::string& text) {
  size_t sep = text.find('=');
  if (sep == std::string::npos) sep = text.find(':');
  std::string host = sep == std::string::npos ? "" : text.substr(0, sep);
  if (sep == std::string::npos || host.empty() || host.find(':') != std::string::npos) {
    return Invalid(absl::StrCat("bad format for add-host: ", GoQuote(text)));
  }
  std::string address = text.substr(sep + 1);
  if (address != "host-gateway") {
    if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
      address = address.substr(1, address.size() - 2);
    }
    auto canonical = ParseIpAddress(address);
    if (!canonical.ok()) return Invalid(absl::StrCat("invalid IP address in add-host: ", GoQuote(address)));
    address = *canonical;
  }
  return host + ":" + address;
}

bool IsIpAddress(const std::string& text) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, text.c_str(), buffer) == 1 || ::inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

absl::StatusOr<std::string> ParseIpAddress(const std::string& text) {
  std::string trimmed(absl::StripAsciiWhitespace(text));
  unsigned char buffer[16];
  char out[INET6_ADDRSTRLEN] = {};
  if (::inet_pton(AF_INET, trimmed.c_str(), buffer) == 1) {
    return std::string(::inet_ntop(AF_INET, buffer, out, sizeof(out)));
  }
  if (::inet_pton(AF_INET6, trimmed.c_str(), buffer) == 1) {
    return std::string(::inet_ntop(AF_INET6, buffer, out, sizeof(out)));
  }
  return Invalid(absl::StrCat("IP address is not correctly formatted: ", text));
}

}  // namespace berth::cli
