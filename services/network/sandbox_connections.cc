// docker network connect/disconnect: endpoints beyond a container's first
// network. A connection is kept (table connections) so that the container
// is attached again at each start, until disconnect or its removal.

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/network/sandboxes.h"

namespace berth::network {
namespace {

// eth<N> after the highest one in use (a disconnect leaves a gap).
std::string NextInterface(const v1::Sandbox& sandbox) {
  int next = 0;
  for (const auto& endpoint : sandbox.endpoints()) {
    int index = 0;
    absl::string_view name = endpoint.interface_name();
    if (absl::ConsumePrefix(&name, "eth") && absl::SimpleAtoi(name, &index)) next = std::max(next, index + 1);
  }
  return absl::StrCat("eth", next);
}

}  // namespace

std::vector<Sandboxes::Connection> Sandboxes::Connections(const std::string& container_id) {
  std::vector<Connection> connections;
  auto statement = db_->Prepare(
      "SELECT network_id, container_name, aliases FROM connections WHERE container_id = ?1 "
      "ORDER BY rowid");
  if (!statement.ok()) return connections;
  statement->Bind(1, container_id);
  while (true) {
    auto row = statement->Step();
    if (!row.ok() || !*row) break;
    Connection connection;
    connection.network_id = statement->ColumnText(0);
    connection.container_name = statement->ColumnText(1);
    for (absl::string_view alias : absl::StrSplit(statement->ColumnText(2), ',', absl::SkipEmpty())) {
      connection.aliases.Add(std::string(alias));
    }
    connections.push_back(std::move(connection));
  }
  return connections;
}

absl::Status Sandboxes::ForgetConnection(const std::string& container_id,
                                         const std::string& network_id) {
  return db_->Transaction([&](store::Database& db) {
    return db.Run("DELETE FROM connections WHERE container_id = ?1 AND network_id = ?2", container_id,
                  network_id);
  });
}

absl::Status Sandboxes::AttachConnections(v1::Sandbox* sandbox) {
  for (const Connection& connection : Connections(sandbox->container_id())) {
    auto network = FindNetwork(connection.network_id);
    if (!network.ok()) {
      ForgetConnection(sandbox->container_id(), connection.network_id).IgnoreError();
      continue;
    }
    bool attached = false;
    for (const auto& endpoint : sandbox->endpoints()) attached |= endpoint.network_id() == network->id();
    if (attached) continue;
    Attachment attachment{&*network, NextInterface(*sandbox),
                          connection.container_name, connection.aliases, {}};
    auto endpoint = AddEndpoint(*sandbox, attachment);
    if (!endpoint.ok()) {
      return absl::Status(endpoint.status().code(), absl::StrCat("connect to network ", network->name(),
                                                                 ": ", endpoint.status().message()));
    }
    *sandbox->add_endpoints() = *std::move(endpoint);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Endpoint> Sandboxes::Connect(const v1::ConnectRequest& request) {
  const std::string& id = request.container_id();
  if (id.empty()) return absl::InvalidArgumentError("network connect: no container");
  ContainerLocks::Scoped container(&container_locks_, id);
  absl::MutexLock lock(&mu_);
  // The endpoint counts for its network until stored (AddEndpoint).
  PendingScope pending(this, id);
  if (request.network() == "host" || request.network() == "none") {
    return absl::InvalidArgumentError(
        "container cannot be disconnected from host network or connected to host network");
  }
  auto network = FindNetwork(request.network());
  if (!network.ok()) return network.status();
  if (!request.ipv4_address().empty()) {
    return absl::UnimplementedError("network connect --ip is not supported");
  }
  for (const Connection& connection : Connections(id)) {
    if (connection.network_id == network->id()) {
      return absl::AlreadyExistsError(absl::StrCat("endpoint with name ", request.container_name(),
                                                   " already exists in network ", network->name()));
    }
  }
  auto sandbox = Get(id);
  v1::Endpoint endpoint;
  if (sandbox.ok()) {
    if (sandbox->mode() == "none") {
      return absl::FailedPreconditionError(
          "container cannot be connected to multiple networks with one of the networks in private "
          "(none) mode");
    }
    for (const auto& existing : sandbox->endpoints()) {
      if (existing.network_id() == network->id()) {
        return absl::AlreadyExistsError(absl::StrCat("endpoint with name ", request.container_name(),
                                                     " already exists in network ", network->name()));
      }
    }
    Attachment attachment{&*network, NextInterface(*sandbox),
                          request.container_name(), request.aliases(), {}};
    auto added = AddEndpoint(*sandbox, attachment);
    if (!added.ok()) {
      ReleaseIsolationIfUnused(network->id(), id);
      return added.status();
    }
    endpoint = *added;
    *sandbox->add_endpoints() = endpoint;
    if (absl::Status status = StoreSandbox(*sandbox); !status.ok()) {
      DelEndpoint(*sandbox, endpoint, false).IgnoreError();
      return status;
    }
  }
  absl::Status stored = db_->Transaction([&](store::Database& db) {
    return db.Run(
        "INSERT INTO connections (container_id, network_id, container_name, aliases) "
        "VALUES (?1, ?2, ?3, ?4)",
        id, network->id(), request.container_name(), absl::StrJoin(request.aliases(), ","));
  });
  if (!stored.ok()) return stored;
  return endpoint;
}

absl::Status Sandboxes::Disconnect(const v1::DisconnectRequest& request) {
  const std::string& id = request.container_id();
  ContainerLocks::Scoped container(&container_locks_, id);
  absl::MutexLock lock(&mu_);
  auto network = FindNetwork(request.network());
  if (!network.ok()) {
    // -f: a network already gone is no error (docker's force).
    if (request.force() && absl::IsNotFound(network.status())) return absl::OkStatus();
    return network.status();
  }
  bool connected = false;
  for (const Connection& connection : Connections(id)) connected |= connection.network_id == network->id();
  auto sandbox = Get(id);
  int index = -1;
  if (sandbox.ok()) {
    for (int i = 0; i < sandbox->endpoints_size(); ++i) {
      if (sandbox->endpoints(i).network_id() == network->id()) index = i;
    }
  }
  if (index == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "container ", id, " was started on network ", network->name(),
        ": disconnecting a container from the network it was started on is not supported"));
  }
  if (!connected && index < 0) {
    return absl::NotFoundError(
        absl::StrCat("container ", id, " is not connected to network ", network->name()));
  }
  if (index > 0) {
    v1::Endpoint endpoint = sandbox->endpoints(index);
    absl::Status deleted = DelEndpoint(*sandbox, endpoint, false);
    if (!deleted.ok() && !request.force()) return deleted;
    sandbox->mutable_endpoints()->DeleteSubrange(index, 1);
    if (absl::Status status = StoreSandbox(*sandbox); !status.ok()) return status;
    ReleaseIsolationIfUnused(network->id(), id);
  }
  return ForgetConnection(id, network->id());
}

absl::Status Sandboxes::RenameEndpoints(const std::string& container_id, const std::string& name) {
  ContainerLocks::Scoped container(&container_locks_, container_id);
  absl::MutexLock lock(&mu_);
  if (name.empty()) return absl::InvalidArgumentError("rename: no name");
  absl::Status renamed = db_->Transaction([&](store::Database& db) {
    return db.Run("UPDATE connections SET container_name = ?2 WHERE container_id = ?1", container_id,
                  name);
  });
  if (!renamed.ok()) return renamed;
  auto sandbox = Get(container_id);
  // Not running: its endpoints are made with the new name at its start.
  if (absl::IsNotFound(sandbox.status())) return absl::OkStatus();
  if (!sandbox.ok()) return sandbox.status();
  for (auto& endpoint : *sandbox->mutable_endpoints()) endpoint.set_container_name(name);
  return StoreSandbox(*sandbox);
}

}  // namespace berth::network
