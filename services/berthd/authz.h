#ifndef BERTH_SERVICES_BERTHD_AUTHZ_H_
#define BERTH_SERVICES_BERTHD_AUTHZ_H_

// Who is calling and what they may do. Local (unix socket) callers are
// trusted as root is by dockerd; remote callers are known by their client
// certificate, whose organisation (or common name) maps to a role.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/status/status.h"

namespace grpc {
class AuthContext;
}

namespace berth::berthd {

enum class Role { kNone, kViewer, kAdmin };

const char* RoleName(Role role);

struct PeerIdentity {
  // "local" for the unix socket; the certificate subject otherwise.
  std::string name;
  std::string common_name;
  std::vector<std::string> organizations;
  bool local = false;
};

// Attribute/value pairs of an RFC 2253 distinguished name ("CN=a,O=b"), with
// escaped characters (\, \+ ...) decoded.
std::vector<std::pair<std::string, std::string>> ParseDistinguishedName(std::string_view dn);

// The identity of a call from its gRPC auth context (a verified peer
// certificate for TCP with mutual TLS).
PeerIdentity IdentityFromAuthContext(const grpc::AuthContext& context, bool local);

// Maps an identity to a role. `roles` maps an organisation or common name to
// "admin" or "viewer"; when empty, the organisations "admin" and "viewer" are
// the roles of the same name (what deploy/gen-certs issues). Organisations are
// checked before the common name; the strongest role found wins.
Role MapRole(const PeerIdentity& identity, const std::map<std::string, std::string>& roles);

struct MethodPolicy {
  const google::protobuf::MethodDescriptor* method = nullptr;
  bool read_only = false;
};

// Finds "/package.Service/Method" in the linked API descriptors; nullptr
// method when unknown.
MethodPolicy LookupMethod(std::string_view path);

// PERMISSION_DENIED unless the role may call the method.
absl::Status Authorize(const PeerIdentity& identity, Role role, const MethodPolicy& policy);

// The value of the first field marked (berth.api.v1.audit_target) in the
// message or its set sub-messages; empty when there is none.
std::string AuditTarget(const google::protobuf::Message& message);

}  // namespace berth::berthd

#endif  // BERTH_SERVICES_BERTHD_AUTHZ_H_
