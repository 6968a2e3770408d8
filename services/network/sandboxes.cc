#include "services/network/sandboxes.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/base/run_process.h"
#include "services/common/base/log.h"
#include "services/common/fs/fs_util.h"
#include "services/network/isolation.h"
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

// An IPv4 prefix, host byte order.
struct Prefix {
  uint32_t net = 0;
  uint32_t mask = 0;
};

bool Overlaps(const Prefix& a, const Prefix& b) {
  uint32_t common = a.mask & b.mask;
  return (a.net & common) == (b.net & common);
}

// "10.1.0.0/16" (no validation of the address beyond what it parses to).
std::optional<Prefix> ParsePrefix(const std::string& cidr) {
  size_t slash = cidr.find('/');
  int bits = 0;
  if (slash == std::string::npos || !absl::SimpleAtoi(cidr.substr(slash + 1), &bits) || bits < 0 ||
      bits > 32) {
    return std::nullopt;
  }
  uint32_t mask = bits == 0 ? 0 : ~0u << (32 - bits);
  return Prefix{ParseIp(cidr.substr(0, slash)) & mask, mask};
}

struct Route {
  std::string device;
  Prefix prefix;
};

// /proc/net/route ("Iface Destination Gateway Flags RefCnt Use Metric Mask
// ...", little-endian hex) without the default route, which overlaps
// everything.
std::vector<Route> ParseRoutes(const std::string& proc_net_route) {
  std::vector<Route> routes;
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
    if (mask == 0) continue;
    routes.push_back({std::string(fields[0]), {ntohl(destination), ntohl(mask)}});
  }
  return routes;
}

}  // namespace

absl::StatusOr<std::string> ChooseSubnet(const std::string& proc_net_route,
                                         const std::vector<std::string>& taken) {
  std::vector<Prefix> used;
  for (const Route& route : ParseRoutes(proc_net_route)) used.push_back(route.prefix);
  // Other networks' subnets count as routes: a bridge gets its route only
  // once its first container starts.
  for (const std::string& subnet : taken) {
    if (auto prefix = ParsePrefix(subnet)) used.push_back(*prefix);
  }
  std::vector<Prefix> candidates;
  for (uint32_t second = 17; second <= 31; ++second) {
    candidates.push_back({(172u << 24) | (second << 16), 0xffff0000u});
  }
  for (uint32_t third = 0; third < 256; third += 16) {
    candidates.push_back({(192u << 24) | (168u << 16) | (third << 8), 0xfffff000u});
  }
  for (const Prefix& candidate : candidates) {
    bool overlaps = false;
    for (const Prefix& other : used) overlaps |= Overlaps(candidate, other);
    if (!overlaps) return absl::StrCat(FormatIp(candidate.net), "/", __builtin_popcount(candidate.mask));
  }
  return absl::ResourceExhaustedError(
      "could not find an available, non-overlapping IPv4 address pool among the defaults to "
      "assign to the network");
}

std::vector<std::string> RouteConflicts(const std::string& proc_net_route, const std::string& subnet,
                                        const std::string& own_device) {
  std::vector<std::string> conflicts;
  std::optional<Prefix> prefix = ParsePrefix(subnet);
  if (!prefix) return conflicts;
  for (const Route& route : ParseRoutes(proc_net_route)) {
    if (route.device != own_device && Overlaps(*prefix, route.prefix)) conflicts.push_back(route.device);
  }
  return conflicts;
}

absl::Status Sandboxes::EnsureDefaultNetwork(const config::DaemonConfig& config) {
  if (auto existing = DefaultNetwork(); existing.ok()) {
    // Chosen to overlap no route back then; something else may have taken
    // the subnet since (another daemon's bridge, a VPN).
    for (const std::string& device : RouteConflicts(fs::ReadFileOrEmpty("/proc/net/route"),
                                                    existing->ipam(0).subnet(), existing->bridge())) {
      BERTH_LOG(Warn) << "the default network's subnet " << existing->ipam(0).subnet()
                      << " overlaps a route through " << device
                      << ": containers on it may be unreachable from the host (set bip, or remove "
                      << device << ")";
    }
    return absl::OkStatus();
  }
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

namespace {

// Every record of a query's first column (a serialised message); an
// unreadable one is skipped.
template <typename Message>
std::vector<Message> ReadRecords(store::Database* db, const char* query) {
  std::vector<Message> records;
  auto statement = db->Prepare(query);
  if (!statement.ok()) return records;
  while (true) {
    auto row = statement->Step();
    if (!row.ok() || !*row) break;
    Message record;
    if (record.ParseFromString(statement->ColumnBlob(0))) records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

std::vector<v1::Network> Sandboxes::AllNetworks() {
  return ReadRecords<v1::Network>(db_, "SELECT spec FROM networks ORDER BY name");
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
    auto taken = ParsePrefix(other);
    if (taken && Overlaps({base, mask}, *taken)) {
      return absl::AlreadyExistsError("Pool overlaps with other one on this address space");
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
  if (NetworkHasEndpoints(network->id())) {
    return absl::FailedPreconditionError(absl::StrCat("error while removing network: network ",
                                                      network->name(), " id ", network->id(),
                                                      " has active endpoints"));
  }
  absl::Status deleted = db_->Transaction([&](store::Database& db) {
    return db.Run("DELETE FROM networks WHERE id = ?1", network->id());
  });
  if (!deleted.ok()) return deleted;
  name_servers_.erase(network->id());
  // Stopped containers' connections to it lapse (docker: the network is
  // simply gone for them).
  db_->Run("DELETE FROM connections WHERE network_id = ?1", network->id()).IgnoreError();
  RemoveIsolation(*network).IgnoreError();
  isolated_.erase(network->id());
  // The bridge device goes with it (it holds no container any more).
  RunProcess({"/usr/sbin/ip", "link", "del", network->bridge()}, {}, "").IgnoreError();
  return absl::OkStatus();
}

void Sandboxes::EnsureNameServer(const v1::Network& network) {
  auto& server = name_servers_[network.id()];
  if (server != nullptr && server->running()) return;
  std::string id = network.id();
  // An internal network's containers have no way out, names included.
  std::vector<std::string> upstreams;
  if (!network.internal()) {
    upstreams = upstream_nameservers_.empty()
                    ? HostNameservers(fs::ReadFileOrEmpty("/etc/resolv.conf"))
                    : upstream_nameservers_;
  }
  server = std::make_unique<DnsResponder>(
      [this, id](const std::string& name, const std::string& client) {
        return LookupName(id, name, client);
      },
      std::move(upstreams));
  if (absl::Status status = server->Start(network.ipam(0).gateway()); !status.ok()) {
    server.reset();
  }
}

void Sandboxes::Reconcile() {
  absl::MutexLock lock(&mu_);
  for (const auto& network : AllNetworks()) {
    // Whatever a previous run left (maybe twice) goes; networks with
    // containers get theirs again.
    RemoveIsolation(network).IgnoreError();
    if (NetworkHasEndpoints(network.id())) {
      if (absl::Status status = Isolate(network); !status.ok()) {
        BERTH_LOG(Warn) << "network " << network.name() << ": " << status;
      }
    }
    if (network.name() != kDefaultNetwork) EnsureNameServer(network);
  }
}

std::vector<v1::Sandbox> Sandboxes::AllSandboxes() {
  return ReadRecords<v1::Sandbox>(db_, "SELECT spec FROM sandboxes");
}

std::optional<std::string> Sandboxes::LookupName(const std::string& network_id,
                                                 const std::string& name,
                                                 const std::string& client) {
  std::vector<v1::Sandbox> sandboxes = AllSandboxes();
  // The networks the asker is on: this one, and those it was connected to.
  std::set<std::string> networks = {network_id};
  for (const auto& sandbox : sandboxes) {
    bool asker = false;
    for (const auto& endpoint : sandbox.endpoints()) {
      const std::string& address = endpoint.ipv4_address();
      asker |= endpoint.network_id() == network_id && address.substr(0, address.find('/')) == client;
    }
    if (!asker) continue;
    for (const auto& endpoint : sandbox.endpoints()) networks.insert(endpoint.network_id());
  }
  std::optional<std::string> found;
  for (const auto& sandbox : sandboxes) {
    for (const auto& endpoint : sandbox.endpoints()) {
      if (networks.count(endpoint.network_id()) == 0) continue;
      bool match = absl::AsciiStrToLower(endpoint.container_name()) == name ||
                   endpoint.container_id().substr(0, 12) == name;
      for (const std::string& alias : endpoint.aliases()) match |= absl::AsciiStrToLower(alias) == name;
      if (!match) continue;
      const std::string& address = endpoint.ipv4_address();
      // This network's address first: it needs no other interface.
      if (endpoint.network_id() == network_id) return address.substr(0, address.find('/'));
      if (!found) found = address.substr(0, address.find('/'));
    }
  }
  return found;
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

json Sandboxes::Conflist(const v1::Network& network, bool with_ports, bool default_route) const {
  json ranges = json::array({json::array({{{"subnet", network.ipam(0).subnet()},
                                           {"gateway", network.ipam(0).gateway()}}})});
  json list = {{"cniVersion", "1.0.0"},
          {"name", "berth-" + network.name()},
          {"plugins",
           json::array({{{"type", "bridge"},
                         {"bridge", network.bridge()},
                         // --internal: no default route and the isolation
                         // rules: no way out of the network. Its bridge still
                         // has the gateway address, for the name server.
                         {"isGateway", true},
                         // The network's own rules (isolation.h) masquerade
                         // and let traffic through, once for every container.
                         {"ipMasq", false},
                         {"hairpinMode", true},
                         {"ipam",
                          {{"type", "host-local"},
                           {"ranges", ranges},
                           {"routes", network.internal() || !default_route ? json::array()
                                                         : json::array({{{"dst", "0.0.0.0/0"}}})},
                           {"dataDir", data_dir_ + "/ipam"}}}}})}};
  if (with_ports) {
    json portmap = {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}, {"snat", true}};
    list["plugins"].push_back(portmap);
  }
  return list;
}

json Sandboxes::PerContainerRulesConflist(const v1::Network& network, bool with_ports) const {
  json list = Conflist(network, with_ports);
  list["plugins"][0]["ipMasq"] = !network.internal();
  list["plugins"].push_back({{"type", "firewall"}, {"iptablesAdminChainName", kAdminChain}});
  return list;
}

absl::Status Sandboxes::AllocatePorts(const std::string& container_id,
                                      v1::CreateSandboxRequest* request) {
  // Ports other sandboxes publish.
  std::set<std::pair<int, std::string>> taken;
  for (const v1::Sandbox& other : AllSandboxes()) {
    if (other.container_id() == container_id) continue;
    for (const auto& port : other.ports()) taken.insert({static_cast<int>(port.host_port()), port.protocol()});
  }
  // Sandboxes being made meanwhile.
  for (const auto& [other, pending] : pending_) {
    if (other == container_id) continue;
    for (const auto& port : pending.ports) taken.insert({static_cast<int>(port.host_port()), port.protocol()});
  }
  for (auto& port : *request->mutable_ports()) {
    if (port.protocol().empty()) port.set_protocol("tcp");
    if (port.host_port() == 0) {
      int chosen = EphemeralPort(port.protocol());
      for (int tries = 0; tries < 8 && taken.count({chosen, port.protocol()}) > 0; ++tries) {
        chosen = EphemeralPort(port.protocol());
      }
      if (chosen == 0 || taken.count({chosen, port.protocol()}) > 0) {
        return absl::ResourceExhaustedError("no free host port");
      }
      taken.insert({chosen, port.protocol()});
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
  v1::CreateSandboxRequest request = original;
  const std::string& id = request.container_id();
  if (id.empty() || id.find('/') != std::string::npos || id.find("..") != std::string::npos) {
    return absl::InvalidArgumentError("sandbox: bad container id");
  }
  ContainerLocks::Scoped container(&container_locks_, id);
  absl::MutexLock lock(&mu_);
  // Until stored (or given up), others see its networks and ports here.
  PendingScope pending(this, id);
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
  pending_[id].ports = request.ports();
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
  auto lo = CniAddUnlocked(loopback, runtime);
  if (!lo.ok()) {
    RemoveNetns(sandbox.netns_path()).IgnoreError();
    return lo.status();
  }
  if (mode != "none") {
    Attachment primary{&*network, "eth0", request.container_name(), request.aliases(), request.ports()};
    auto endpoint = AddEndpoint(sandbox, primary);
    if (!endpoint.ok()) {
      RemoveNetns(sandbox.netns_path()).IgnoreError();
      ReleaseIsolationIfUnused(network->id(), id);
      return endpoint.status();
    }
    sandbox.set_cni_result(endpoint->cni_result());
    *sandbox.add_endpoints() = *std::move(endpoint);
    *sandbox.mutable_ports() = request.ports();
    if (absl::Status status = AttachConnections(&sandbox); !status.ok()) {
      // Undone as a whole: the record names every endpoint made so far.
      StoreSandbox(sandbox).IgnoreError();
      RemoveLocked(id).IgnoreError();
      return status;
    }
  }
  absl::Status stored = StoreSandbox(sandbox);
  if (!stored.ok()) {
    RemoveLocked(id).IgnoreError();
    return stored;
  }
  return sandbox;
}

absl::StatusOr<v1::Endpoint> Sandboxes::AddEndpoint(const v1::Sandbox& sandbox,
                                                     const Attachment& attachment) {
  const v1::Network& network = *attachment.network;
  // Its rules stay while the ADD runs unlocked and until the sandbox is
  // stored, whoever else leaves the network meanwhile.
  pending_[sandbox.container_id()].networks.insert(network.id());
  if (absl::Status status = Isolate(network); !status.ok()) return status;
  CniRuntime runtime;
  runtime.container_id = sandbox.container_id();
  runtime.netns = sandbox.netns_path();
  runtime.ifname = attachment.ifname;
  runtime.ports = CniPorts(attachment.ports);
  json conflist = Conflist(network, !attachment.ports.empty(), attachment.ifname == "eth0");
  auto result = CniAddUnlocked(conflist, runtime);
  if (!result.ok()) return result.status();
  if (network.name() != kDefaultNetwork) EnsureNameServer(network);
  v1::Endpoint endpoint;
  endpoint.set_container_id(sandbox.container_id());
  endpoint.set_container_name(attachment.container_name);
  endpoint.set_network_id(network.id());
  endpoint.set_endpoint_id(fs::RandomHex(32));
  endpoint.set_interface_name(attachment.ifname);
  *endpoint.mutable_aliases() = attachment.aliases;
  endpoint.set_cni_result(result->dump());
  endpoint.set_cni_conflist(conflist.dump());
  const json& ips = result->value("ips", json::array());
  if (!ips.empty()) {
    endpoint.set_ipv4_address(ips[0].value("address", ""));
    endpoint.set_gateway(ips[0].value("gateway", ""));
  }
  for (const json& interface : result->value("interfaces", json::array())) {
    if (interface.value("name", "") == attachment.ifname) {
      endpoint.set_mac_address(interface.value("mac", ""));
    }
  }
  return endpoint;
}

absl::Status Sandboxes::DelEndpoint(const v1::Sandbox& sandbox, const v1::Endpoint& endpoint,
                                    bool primary) {
  auto network = FindNetwork(endpoint.network_id());
  if (!network.ok()) return absl::OkStatus();  // removed with its bridge
  // Records from before endpoints kept their own result: the sandbox's.
  const std::string& kept = endpoint.cni_result().empty() && primary ? sandbox.cni_result()
                                                                     : endpoint.cni_result();
  json result = json::parse(kept, nullptr, false);
  CniRuntime runtime;
  runtime.container_id = sandbox.container_id();
  runtime.netns = sandbox.netns_path();
  runtime.ifname = endpoint.interface_name().empty() ? "eth0" : endpoint.interface_name();
  bool with_ports = primary && !sandbox.ports().empty();
  if (with_ports) runtime.ports = CniPorts(sandbox.ports());
  // DEL runs the plugins ADD ran; endpoints that kept no list are older
  // than it and were made with per-container rules.
  json conflist = json::parse(endpoint.cni_conflist(), nullptr, false);
  if (endpoint.cni_conflist().empty() || conflist.is_discarded()) {
    conflist = PerContainerRulesConflist(*network, with_ports);
  }
  return CniDelUnlocked(conflist, runtime, result.is_discarded() ? json() : result);
}

absl::StatusOr<json> Sandboxes::CniAddUnlocked(const json& conflist, const CniRuntime& runtime) {
  mu_.Unlock();
  auto result = cni_.Add(conflist, runtime);
  mu_.Lock();
  return result;
}

absl::Status Sandboxes::CniDelUnlocked(const json& conflist, const CniRuntime& runtime,
                                       const json& result) {
  mu_.Unlock();
  absl::Status status = cni_.Del(conflist, runtime, result);
  mu_.Lock();
  return status;
}

bool Sandboxes::NetworkHasEndpoints(const std::string& network_id, const std::string& except) {
  for (const auto& [container_id, pending] : pending_) {
    if (container_id != except && pending.networks.count(network_id) > 0) return true;
  }
  for (const auto& sandbox : AllSandboxes()) {
    for (const auto& endpoint : sandbox.endpoints()) {
      if (endpoint.network_id() == network_id) return true;
    }
  }
  return false;
}

absl::Status Sandboxes::Isolate(const v1::Network& network) {
  if (isolated_.count(network.id()) > 0) return absl::OkStatus();
  if (!chains_ready_ || (network.internal() && !input_chain_ready_)) {
    if (absl::Status status = EnsureIsolationChains(network.internal()); !status.ok()) return status;
    chains_ready_ = true;
    input_chain_ready_ |= network.internal();
  }
  if (absl::Status status = AddIsolationRules(network); !status.ok()) return status;
  isolated_.insert(network.id());
  return absl::OkStatus();
}

void Sandboxes::ReleaseIsolationIfUnused(const std::string& network_id,
                                         const std::string& container_id) {
  if (NetworkHasEndpoints(network_id, container_id)) return;
  auto network = FindNetwork(network_id);
  if (!network.ok()) return;
  if (isolated_.count(network_id) == 0) return;
  if (absl::Status status = DeleteIsolationRules(*network); !status.ok()) {
    BERTH_LOG(Warn) << "network " << network->name() << ": " << status;
  }
  isolated_.erase(network_id);
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

absl::Status Sandboxes::StoreSandbox(const v1::Sandbox& sandbox) {
  return db_->Transaction([&](store::Database& db) {
    return db.Run(
        "INSERT OR REPLACE INTO sandboxes (container_id, netns_path, mode, spec) VALUES (?1, ?2, ?3, ?4)",
        sandbox.container_id(), sandbox.netns_path(), sandbox.mode(), sandbox.SerializeAsString());
  });
}

absl::Status Sandboxes::Remove(const std::string& container_id, const std::string& endpoint_id,
                               bool container_removed) {
  ContainerLocks::Scoped container(&container_locks_, container_id);
  absl::MutexLock lock(&mu_);
  if (container_removed) {
    db_->Run("DELETE FROM connections WHERE container_id = ?1", container_id).IgnoreError();
  }
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
  if (sandbox.ok() && sandbox->mode() != "none") {
    // Connected networks first, the primary (eth0, with the ports) last.
    for (int i = sandbox->endpoints_size() - 1; i >= 0; --i) {
      absl::Status status = DelEndpoint(*sandbox, sandbox->endpoints(i), i == 0);
      if (!status.ok() && first.ok()) first = status;
    }
  }
  if (absl::Status removed = RemoveNetns(netns); !removed.ok() && first.ok()) first = removed;
  absl::Status deleted = db_->Transaction([&](store::Database& db) {
    return db.Run("DELETE FROM sandboxes WHERE container_id = ?1", container_id);
  });
  if (!deleted.ok() && first.ok()) first = deleted;
  if (sandbox.ok()) {
    for (const auto& endpoint : sandbox->endpoints()) {
      ReleaseIsolationIfUnused(endpoint.network_id(), container_id);
    }
  }
  if (!sandbox.ok() && absl::IsNotFound(sandbox.status()) && first.ok()) return sandbox.status();
  return first;
}

}  // namespace berth::network
