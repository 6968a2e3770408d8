#ifndef BERTH_SERVICES_COMMON_CONFIG_VALUES_H_
#define BERTH_SERVICES_COMMON_CONFIG_VALUES_H_

// Checks for the kinds of values daemon.json holds (addresses, sizes, URLs),
// strict enough that a typo fails at start-up instead of at first use.

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::config {

// A literal IPv4 or IPv6 address, no prefix, no brackets.
bool IsIpAddress(std::string_view text);

struct Cidr {
  bool ipv6 = false;
  int prefix = 0;
};

// "ADDRESS/PREFIX" with PREFIX 0..32 (IPv4) or 0..128 (IPv6). Host bits may
// be set, as in a bridge address like 172.30.0.1/16.
std::optional<Cidr> ParseCidr(std::string_view text);

// host, host:port, IP, [IPv6]:port, bare IPv6 (no scheme, no path).
bool IsHostPort(std::string_view text);

// A DNS name such as example.com or corp.example. (labels of letters,
// digits, '-' and '_'; a trailing dot allowed).
bool IsDomainName(std::string_view text);

// An http:// or https:// URL with a host and no credentials, query or
// fragment: what docker accepts as a registry mirror.
bool IsHttpUrl(std::string_view text);

// Docker's units.RAMInBytes: "512k", "10m", "1.5g", "32MiB", "100" → bytes
// (binary multipliers). Rejects negative, overflowing or malformed sizes.
absl::StatusOr<int64_t> ParseByteSize(std::string_view text);

// Names setrlimit knows, as docker spells them: core, cpu, nofile...
bool IsRlimitName(std::string_view name);

}  // namespace berth::config

#endif  // BERTH_SERVICES_COMMON_CONFIG_VALUES_H_
