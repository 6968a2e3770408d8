#include "services/network/sandboxes.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/fs/fs_util.h"
#include "services/network/netns.h"

namespace berth::network {
namespace {

using nlohmann::json;

constexpr const char* kDefaultNetwork = "bridge";
constexpr const char* kDefaultBridge = "berth0";

uint32_t ParseIp(const std::string& text) {
  in_addr address{};
  ::inet_pton(AF_INET, text.c_str(), &address);
  return ntohl(address.s_addr);
}

std::string FormatIp(uint32_t ip) {
  in_addr address{htonl(ip)};
  char buffer[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &address, buffer, sizeof(buffer));
  return buffer;
}

// Is host:port free to listen on? (Published ports are DNAT rules, not
// sockets; a port the host already serves would be shadowed silently.)
bool PortFree(const std::string& host_ip, int port, const std::string& protocol) {
  int fd = ::socket(AF_INET, (protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = host_ip.empty() ? INADDR_ANY : htonl(ParseIp(host_ip));
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return ok;
}

int EphemeralPort(const std::string& protocol) {
  int fd = ::socket(AF_INET, (protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  socklen_t length = sizeof(address);
  int port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  if (fd >= 0) ::close(fd);
  return port;
}

std::vector<CniPort> CniPorts(const google::protobuf::RepeatedPtrField<v1::PortMapping>& ports) {
  std::vector<CniPort> out;
  for (const auto& port : ports) {
    out.push_back({port.host_ip(), static_cast<int>(port.host_port()),
                   static_cast<int>(port.container_port()), port.protocol()});
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> ChooseSubnet(const std::string& proc_net_route,
                                         const std::vector<std::string>& taken) {
  // Routes: "Iface Destination Gateway Flags RefCnt Use Metric Mask ..." in
  // little-endian hex.
  std::vector<std::pair<uint32_t, uint32_t>> routes;
  bool header = true;
  for (absl::string_view line : absl::StrSplit(proc_net_route, '\n', absl::SkipEmpty())) {
    if (header) {
      header = false;
      continue;
    }
    std::vector<absl::string_view> fields = absl::StrSplit(line, '\t', absl::SkipWhitespace());
    if (fields.size() < 8) continue;
    uint32_t destination = 0, mask = 0;
    if (!absl::SimpleHexAtoi(fields[1], &destination) || !absl::SimpleHexAtoi(fields[7], &mask)) continue;
    if (mask == 0) continue;  // the default route overlaps everything
    routes.emplace_back(ntohl(destination), ntohl(mask));
  }
  // Other networks' subnets count as routes: a bridge gets its route only
  // once its first container starts.
  for (const std::string& subnet : taken) {
    size_t slash = subnet.find('/');
    int bits = 0;
    if (slash == std::string::npos || !absl::SimpleAtoi(subnet.substr(slash + 1), &bits)) continue;
    routes.emplace_back(ParseIp(subnet.substr(0, slash)), bits == 0 ? 0 : ~0u << (32 - bits));
  }
  std::vector<std::pair<uint32_t, uint32_t>> candidates;
  for (uint32_t second = 17; second <= 31; ++second) {
    candidates.emplace_back((172u << 24) | (second << 16), 0xffff0000u);
  }
  for (uint32_t third = 0; third < 256; third += 16) {
    candidates.emplace_back((192u << 24) | (168u << 16) | (third << 8), 0xfffff000u);
  }
  for (const auto& [net, mask] : candidates) {
    bool overlaps = false;
    for (const auto& [route, route_mask] : routes) {
      uint32_t common = mask & route_mask;
      if ((net & common) == (route & common)) overlaps = true;
    }
    if (!overlaps) {
      int bits = __builtin_popcount(mask);
      return absl::StrCat(FormatIp(net), "/", bits);
    }
  }
  return absl::ResourceExhaustedError(
      "could not find an available, non-overlapping IPv4 address pool among the defaults to "
      "assign to the network");
}

absl::Status Sandboxes::EnsureDefaultNetwork(const config::DaemonConfig& config) {
  if (DefaultNetwork().ok()) return absl::OkStatus();
  v1::Network network;
  network.set_id(fs::RandomHex(32));
  network.set_name(kDefaultNetwork);
  network.set_driver("bridge");
  network.set_scope("local");
  // berth0 for the host's berthd; another instance (its own exec root)
  // gets a device of its own, named as docker names user bridges.
  network.set_bridge(exec_root_ == "/run/berth" ? kDefaultBridge : "br-" + network.id().substr(0, 12));
  auto* ipam = network.add_ipam();
  if (!config.bip.empty()) {
    // bip is the bridge's own address with the prefix: 172.30.0.1/16.
    std::vector<std::string> parts = absl::StrSplit(config.bip, '/');
    int bits = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &bits) || bits < 8 || bits > 30 ||
        ParseIp(parts[0]) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("bip \"", config.bip, "\" is not an address/prefix"));
    }
    uint32_t mask = bits == 0 ? 0 : ~0u << (32 - bits);
    ipam->set_subnet(absl::StrCat(FormatIp(ParseIp(parts[0]) & mask), "/", bits));
    ipam->set_gateway(parts[0]);
  } else {
    auto subnet = ChooseSubnet(fs::ReadFileOrEmpty("/proc/net/route"), TakenSubnets());
    if (!subnet.ok()) return subnet.status();
    ipam->set_subnet(*subnet);
    ipam->set_gateway(FormatIp(ParseIp(subnet->substr(0, subnet->find('/'))) + 1));
  }
  int64_t now = absl::ToUnixSeconds(absl::Now());
  network.mutable_created_at()->set_seconds(now);
  return db_->Transaction([&](store::Database& db) {
    return db.Run("INSERT INTO networks (id, name, driver, spec, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                  network.id(), network.name(), network.driver(), network.SerializeAsString(), now);
  });
}

std::vector<v1::Network> Sandboxes::AllNetworks() {
  std::vector<v1::Network> networks;
  auto statement = db_->Prepare("SELECT spec FROM networks ORDER BY name");
  if (!statement.ok()) return networks;
  while (true) {
    auto row = statement->Step();
    if (!row.ok() || !*row) break;
    v1::Network network;
    if (network.ParseFromString(statement->ColumnBlob(0))) networks.push_back(std::move(network));
  }
  return networks;
}

std::vector<std::string> Sandboxes::TakenSubnets() {
  std::vector<std::string> subnets;
  for (const auto& network : AllNetworks()) {
    for (const auto& ipam : network.ipam()) subnets.push_back(ipam.subnet());
  }
  return subnets;
}

absl::StatusOr<v1::Network> Sandboxes::FindNetwork(const std::string& ref) {
  std::vector<v1::Network> networks = AllNetworks();
  for (const auto& network : networks) {
    if (network.id() == ref || network.name() == ref) return network;
  }
  const v1::Network* match = nullptr;
  for (const auto& network : networks) {
    if (ref.size() >= 3 && network.id().rfind(ref, 0) == 0) {
      if (match != nullptr) return absl::FailedPreconditionError("network " + ref + " is ambiguous");
      match = &network;
    }
  }
  if (match == nullptr) return absl::NotFoundError("network " + ref + " not found");
  return *match;
}

absl::StatusOr<v1::Network> Sandboxes::CreateNetwork(const v1::CreateNetworkRequest& request) {
  absl::MutexLock lock(&mu_);
  const std::string& name = request.name();
  if (name.empty() || name.find('/') != std::string::npos || name.size() > 64) {
    return absl::InvalidArgumentError(absl::StrCat("invalid network name \"", name, "\""));
  }
  if (!request.driver().empty() && request.driver() != "bridge") {
    return absl::UnimplementedError(absl::StrCat("network driver \"", request.driver(),
                                                 "\" is not supported (bridge)"));
  }
  if (name == "none" || name == "host" || FindNetwork(name).ok()) {
    return absl::AlreadyExistsError(absl::StrCat("network with name ", name, " already exists"));
  }
  v1::Network network;
  network.set_id(fs::RandomHex(32));
  network.set_name(name);
  network.set_driver("bridge");
  network.set_scope("local");
  network.set_internal(request.internal());
  network.set_bridge("br-" + network.id().substr(0, 12));
  *network.mutable_labels() = request.labels();
  *network.mutable_options() = request.options();
  auto* ipam = network.add_ipam();
  std::string subnet = request.ipam_size() > 0 ? request.ipam(0).subnet() : "";
  std::string gateway = request.ipam_size() > 0 ? request.ipam(0).gateway() : "";
  if (subnet.empty()) {
    if (!gateway.empty()) return absl::InvalidArgumentError("a gateway needs a --subnet");
    auto chosen = ChooseSubnet(fs::ReadFileOrEmpty("/proc/net/route"), TakenSubnets());
    if (!chosen.ok()) return chosen.status();
    subnet = *chosen;
  }
  std::vector<std::string> parts = absl::StrSplit(subnet, '/');
  int bits = 0;
  in_addr probe{};
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &bits) || bits < 8 || bits > 30 ||
      ::inet_pton(AF_INET, parts[0].c_str(), &probe) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("invalid subnet ", subnet, ": invalid CIDR address"));
  }
  uint32_t mask = ~0u << (32 - bits);
  uint32_t base = ParseIp(parts[0]) & mask;
  // Overlap with another network's subnet is refused, as docker does.
  for (const std::string& other : TakenSubnets()) {
    size_t slash = other.find('/');
    int other_bits = 0;
    if (slash == std::string::npos || !absl::SimpleAtoi(other.substr(slash + 1), &other_bits)) continue;
    uint32_t other_mask = ~0u << (32 - other_bits);
    uint32_t common = mask & other_mask;
    if ((base & common) == (ParseIp(other.substr(0, slash)) & common)) {
      return absl::AlreadyExistsError(absl::StrCat("Pool overlaps with other one on this address space"));
    }
  }
  if (gateway.empty()) {
    gateway = FormatIp(base + 1);
  } else if ((ParseIp(gateway) & mask) != base) {
    return absl::InvalidArgumentError(absl::StrCat("no matching subnet for gateway ", gateway));
  }
  ipam->set_subnet(absl::StrCat(FormatIp(base), "/", bits));
  ipam->set_gateway(gateway);
  int64_t now = absl::ToUnixSeconds(absl::Now());
  network.mutable_created_at()->set_seconds(now);
  absl::Status stored = db_->Transaction([&](store::Database& db) {
    return db.Run("INSERT INTO networks (id, name, driver, spec, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                  network.id(), network.name(), network.driver(), network.SerializeAsString(), now);
  });
  if (!stored.ok()) return stored;
  return network;
}

absl::Status Sandboxes::RemoveNetwork(const std::string& ref) {
  absl::MutexLock lock(&mu_);
  auto network = FindNetwork(ref);
  if (!network.ok()) return network.status();
  if (network->name() == kDefaultNetwork) {
    return absl::PermissionDeniedError(
        absl::StrCat(network->name(), " is a pre-defined network and cannot be removed"));
  }
  auto statement = db_->Prepare("SELECT spec FROM sandboxes");
  if (!statement.ok()) return statement.status();
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    v1::Sandbox sandbox;
    if (!sandbox.ParseFromString(statement->ColumnBlob(0))) continue;
    for (const auto& endpoint : sandbox.endpoints()) {
      if (endpoint.network_id() == network->id()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "error while removing network: network ", network->name(), " id ", network->id(),
            " has active endpoints"));
      }
    }
  }
  absl::Status deleted = db_->Transaction([&](store::Database& db) {
    return db.Run("DELETE FROM networks WHERE id = ?1", network->id());
  });
  if (!deleted.ok()) return deleted;
  name_servers_.erase(network->id());
  // The bridge device goes with it (it holds no container any more).
  RunProcess({"/usr/sbin/ip", "link", "del", network->bridge()}, {}, "").IgnoreError();
  return absl::OkStatus();
}

void Sandboxes::EnsureNameServer(const v1::Network& network) {
  auto& server = name_servers_[network.id()];
  if (server != nullptr && server->running()) return;
  std::string id = network.id();
  server = std::make_unique<DnsResponder>(
      [this, id](const std::string& name) { return LookupName(id, name); },
      HostNameservers(fs::ReadFileOrEmpty("/etc/resolv.conf")));
  if (absl::Status status = server->Start(network.ipam(0).gateway()); !status.ok()) {
    server.reset();
  }
}

void Sandboxes::StartNameServers() {
  absl::MutexLock lock(&mu_);
  for (const auto& network : AllNetworks()) {
    if (network.name() != kDefaultNetwork && !network.internal()) EnsureNameServer(network);
  }
}

std::optional<std::string> Sandboxes::LookupName(const std::string& network_id,
                                                 const std::string& name) {
  auto statement = db_->Prepare("SELECT spec FROM sandboxes");
  if (!statement.ok()) return std::nullopt;
  while (true) {
    auto row = statement->Step();
    if (!row.ok() || !*row) break;
    v1::Sandbox sandbox;
    if (!sandbox.ParseFromString(statement->ColumnBlob(0))) continue;
    for (const auto& endpoint : sandbox.endpoints()) {
      if (endpoint.network_id() != network_id) continue;
      bool match = absl::AsciiStrToLower(endpoint.container_name()) == name ||
                   endpoint.container_id().substr(0, 12) == name;
      for (const std::string& alias : endpoint.aliases()) match |= absl::AsciiStrToLower(alias) == name;
      if (match) {
        const std::string& address = endpoint.ipv4_address();
        return address.substr(0, address.find('/'));
      }
    }
  }
  return std::nullopt;
}

absl::StatusOr<v1::Network> Sandboxes::DefaultNetwork() {
  auto statement = db_->Prepare("SELECT spec FROM networks WHERE name = ?1");
  if (!statement.ok()) return statement.status();
  statement->Bind(1, kDefaultNetwork);
  auto row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError("no default network");
  v1::Network network;
  if (!network.ParseFromString(statement->ColumnBlob(0))) {
    return absl::DataLossError("unreadable record of the default network");
  }
  return network;
}

json Sandboxes::Conflist(const v1::Network& network, bool with_ports) const {
  json ranges = json::array({json::array({{{"subnet", network.ipam(0).subnet()},
                                           {"gateway", network.ipam(0).gateway()}}})});
  json list = {{"cniVersion", "1.0.0"},
          {"name", "berth-" + network.name()},
          {"plugins",
           json::array({{{"type", "bridge"},
                         {"bridge", network.bridge()},
                         // --internal: no gateway, no masquerade, no default route:
                         // no way out of the network.
                         {"isGateway", !network.internal()},
                         {"ipMasq", !network.internal()},
                         {"hairpinMode", true},
                         {"ipam",
                          {{"type", "host-local"},
                           {"ranges", ranges},
                           {"routes", network.internal() ? json::array()
                                                         : json::array({{{"dst", "0.0.0.0/0"}}})},
                           {"dataDir", data_dir_ + "/ipam"}}}},
                        {{"type", "firewall"}}})}};
  if (with_ports) {
    json portmap = {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}, {"snat", true}};
    list["plugins"].insert(list["plugins"].begin() + 1, portmap);
  }
  return list;
}

absl::Status Sandboxes::AllocatePorts(const std::string& container_id,
                                      v1::CreateSandboxRequest* request) {
  // Ports other sandboxes publish.
  std::set<std::pair<int, std::string>> taken;
  auto statement = db_->Prepare("SELECT container_id, spec FROM sandboxes");
  if (!statement.ok()) return statement.status();
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    v1::Sandbox other;
    if (statement->ColumnText(0) == container_id || !other.ParseFromString(statement->ColumnBlob(1))) continue;
    for (const auto& port : other.ports()) taken.insert({static_cast<int>(port.host_port()), port.protocol()});
  }
  for (auto& port : *request->mutable_ports()) {
    if (port.protocol().empty()) port.set_protocol("tcp");
    if (port.host_port() == 0) {
      int chosen = EphemeralPort(port.protocol());
      if (chosen == 0) return absl::ResourceExhaustedError("no free host port");
      port.set_host_port(static_cast<uint32_t>(chosen));
      continue;
    }
    std::string where = absl::StrCat(port.host_ip().empty() ? "0.0.0.0" : port.host_ip(), ":", port.host_port());
    if (taken.count({static_cast<int>(port.host_port()), port.protocol()}) > 0 ||
        !PortFree(port.host_ip(), static_cast<int>(port.host_port()), port.protocol())) {
      return absl::AlreadyExistsError(
          absl::StrCat("Bind for ", where, " failed: port is already allocated"));
    }
    taken.insert({static_cast<int>(port.host_port()), port.protocol()});
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Sandbox> Sandboxes::Create(const v1::CreateSandboxRequest& original) {
  absl::MutexLock lock(&mu_);
  v1::CreateSandboxRequest request = original;
  const std::string& id = request.container_id();
  if (id.empty() || id.find('/') != std::string::npos || id.find("..") != std::string::npos) {
    return absl::InvalidArgumentError("sandbox: bad container id");
  }
  std::string mode = request.mode().empty() || request.mode() == "default" ? "bridge" : request.mode();
  absl::StatusOr<v1::Network> network = absl::NotFoundError("");
  if (mode != "none") {
    network = FindNetwork(mode);
    if (!network.ok()) return network.status();
  }
  if (mode == "none" && request.ports_size() > 0) {
    return absl::InvalidArgumentError("conflicting options: port publishing and the container type network mode");
  }
  // A sandbox left from before (the tasks service restarted between start
  // and exit): undo it first.
  RemoveLocked(id).IgnoreError();
  if (absl::Status status = AllocatePorts(id, &request); !status.ok()) return status;
  std::string dir = exec_root_ + "/netns";
  if (absl::Status status = fs::MakeDirectories(dir, 0755); !status.ok()) return status;
  v1::Sandbox sandbox;
  sandbox.set_container_id(id);
  sandbox.set_mode(mode);
  sandbox.set_netns_path(dir + "/" + id);
  sandbox.set_hostname(request.hostname());
  if (absl::Status status = CreateNetns(sandbox.netns_path()); !status.ok()) return status;
  CniRuntime runtime;
  runtime.container_id = id;
  runtime.netns = sandbox.netns_path();
  json loopback = {{"cniVersion", "1.0.0"}, {"name", "berth-loopback"},
                   {"plugins", json::array({{{"type", "loopback"}}})}};
  auto lo = cni_.Add(loopback, runtime);
  if (!lo.ok()) {
    RemoveNetns(sandbox.netns_path()).IgnoreError();
    return lo.status();
  }
  if (mode != "none") {
    runtime.ports = CniPorts(request.ports());
    auto result = cni_.Add(Conflist(*network, !request.ports().empty()), runtime);
    if (!result.ok()) {
      RemoveNetns(sandbox.netns_path()).IgnoreError();
      return result.status();
    }
    sandbox.set_cni_result(result->dump());
    if (network->name() != kDefaultNetwork) EnsureNameServer(*network);
    auto* endpoint = sandbox.add_endpoints();
    endpoint->set_container_id(id);
    endpoint->set_container_name(request.container_name());
    endpoint->set_network_id(network->id());
    endpoint->set_endpoint_id(fs::RandomHex(32));
    endpoint->set_interface_name("eth0");
    *endpoint->mutable_aliases() = request.aliases();
    const json& ips = result->value("ips", json::array());
    if (!ips.empty()) {
      endpoint->set_ipv4_address(ips[0].value("address", ""));
      endpoint->set_gateway(ips[0].value("gateway", ""));
    }
    for (const json& interface : result->value("interfaces", json::array())) {
      if (interface.value("name", "") == "eth0") endpoint->set_mac_address(interface.value("mac", ""));
    }
    *sandbox.mutable_ports() = request.ports();
  }
  absl::Status stored = db_->Transaction([&](store::Database& db) {
    return db.Run("INSERT INTO sandboxes (container_id, netns_path, mode, spec) VALUES (?1, ?2, ?3, ?4)",
                  id, sandbox.netns_path(), mode, sandbox.SerializeAsString());
  });
  if (!stored.ok()) {
    RemoveLocked(id).IgnoreError();
    return stored;
  }
  return sandbox;
}

absl::StatusOr<v1::Sandbox> Sandboxes::Get(const std::string& container_id) {
  auto statement = db_->Prepare("SELECT spec FROM sandboxes WHERE container_id = ?1");
  if (!statement.ok()) return statement.status();
  statement->Bind(1, container_id);
  auto row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("no sandbox for container ", container_id));
  v1::Sandbox sandbox;
  if (!sandbox.ParseFromString(statement->ColumnBlob(0))) {
    return absl::DataLossError("unreadable sandbox record");
  }
  return sandbox;
}

absl::Status Sandboxes::Remove(const std::string& container_id, const std::string& endpoint_id) {
  absl::MutexLock lock(&mu_);
  if (!endpoint_id.empty()) {
    auto sandbox = Get(container_id);
    if (!sandbox.ok()) return sandbox.status();
    if (sandbox->endpoints_size() > 0 && sandbox->endpoints(0).endpoint_id() != endpoint_id) {
      return absl::OkStatus();  // a newer start's sandbox: not ours to remove
    }
  }
  return RemoveLocked(container_id);
}

absl::Status Sandboxes::RemoveLocked(const std::string& container_id) {
  auto sandbox = Get(container_id);
  std::string netns = exec_root_ + "/netns/" + container_id;
  absl::Status first;
  if (sandbox.ok() && sandbox->mode() != "none" && sandbox->endpoints_size() > 0) {
    auto network = FindNetwork(sandbox->endpoints(0).network_id());
    json result = json::parse(sandbox->cni_result(), nullptr, false);
    if (network.ok()) {
      CniRuntime runtime;
      runtime.container_id = container_id;
      runtime.netns = netns;
      runtime.ports = CniPorts(sandbox->ports());
      first = cni_.Del(Conflist(*network, !sandbox->ports().empty()), runtime,
                       result.is_discarded() ? json() : result);
    }
  }
  if (absl::Status removed = RemoveNetns(netns); !removed.ok() && first.ok()) first = removed;
  absl::Status deleted = db_->Transaction([&](store::Database& db) {
    return db.Run("DELETE FROM sandboxes WHERE container_id = ?1", container_id);
  });
  if (!deleted.ok() && first.ok()) first = deleted;
  if (!sandbox.ok() && absl::IsNotFound(sandbox.status()) && first.ok()) return sandbox.status();
  return first;
}

}  // namespace berth::network
