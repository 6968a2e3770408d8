#ifndef BERTH_SERVICES_COMMON_NAMESPACES_NAMESPACE_H_
#define BERTH_SERVICES_COMMON_NAMESPACES_NAMESPACE_H_

// Namespaces keep one client's objects apart from another's, as
// containerd's do: the CLI and the Docker API work in "default", the CRI in
// "k8s.io". A client names its namespace in the gRPC metadata key
// berth-namespace; a service that scopes objects reads it with
// NamespaceOf. Content (blobs, layers) is shared by every namespace.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grpc {
class ClientContext;
class ServerContext;
}  // namespace grpc

namespace berth::namespaces {

inline constexpr char kMetadataKey[] = "berth-namespace";
inline constexpr char kDefault[] = "default";
inline constexpr char kKubernetes[] = "k8s.io";

// containerd's rule: labels of letters and digits joined by '.', '_' or
// '-', at most 76 characters.
absl::Status Validate(absl::string_view name);

// The caller's namespace: the metadata value, "default" when absent.
// INVALID_ARGUMENT for a malformed name or more than one value.
absl::StatusOr<std::string> NamespaceOf(const grpc::ServerContext& context);

// Sets the namespace on an outgoing call (none for "default" or empty, so
// that older services see exactly what they saw before).
void SetNamespace(grpc::ClientContext& context, const std::string& name);

}  // namespace berth::namespaces

#endif  // BERTH_SERVICES_COMMON_NAMESPACES_NAMESPACE_H_
