#ifndef BERTH_SERVICES_NETWORK_DNS_H_
#define BERTH_SERVICES_NETWORK_DNS_H_

// The name server of a user network, as docker's embedded DNS behaves:
// containers on the network resolve each other's names and aliases (A
// records), and those of the other networks they are connected to; every
// other question is forwarded to the host's resolvers (none for an
// --internal network: SERVFAIL).
// It listens on the network's gateway address, port 53 (UDP), which the
// containers' resolv.conf names.

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "services/common/base/unique_fd.h"

namespace berth::network {

class DnsResponder {
 public:
  // The IPv4 address (dotted) for a name the asking container (by its
  // address) can reach, if any.
  using Lookup = std::function<std::optional<std::string>(const std::string& name,
                                                          const std::string& client)>;

  DnsResponder(Lookup lookup, std::vector<std::string> upstreams)
      : lookup_(std::move(lookup)), upstreams_(std::move(upstreams)) {}
  ~DnsResponder();

  absl::Status Start(const std::string& address, int port = 53);
  bool running() const { return thread_.joinable(); }

  // One query in, one answer out (empty when nothing should be sent).
  // Public for tests.
  std::string Answer(const std::string& query, const std::string& client = "");

 private:
  void Serve();
  std::string Forward(const std::string& query);

  Lookup lookup_;
  std::vector<std::string> upstreams_;
  UniqueFd socket_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The nameservers of the host's resolv.conf.
std::vector<std::string> HostNameservers(const std::string& resolv_conf_text);

}  // namespace berth::network

#endif  // BERTH_SERVICES_NETWORK_DNS_H_
