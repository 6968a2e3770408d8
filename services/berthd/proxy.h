#ifndef BERTH_SERVICES_BERTHD_PROXY_H_
#define BERTH_SERVICES_BERTHD_PROXY_H_

// berthd's client endpoint forwards every call to the service that owns it
// without knowing each method: a generic gRPC proxy that passes the bytes of
// each message through, after authorising the caller from the method's
// read_only annotation, and that audits mutating calls.

#include <map>
#include <string>

#include <grpcpp/generic/async_generic_service.h>

#include "services/berthd/audit_log.h"
#include "services/berthd/backends.h"

namespace berth::berthd {

struct ProxyOptions {
  // Organisation/CN → role; empty for the defaults (see MapRole).
  std::map<std::string, std::string> roles;
  // --insecure-tcp: plaintext TCP callers (no certificate) act as admin.
  bool insecure_tcp = false;
};

class ProxyService final : public grpc::CallbackGenericService {
 public:
  ProxyService(const Backends* backends, AuditLog* audit, ProxyOptions options)
      : backends_(backends), audit_(audit), options_(std::move(options)) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override;

 private:
  const Backends* backends_;
  AuditLog* audit_;
  ProxyOptions options_;
};

}  // namespace berth::berthd

#endif  // BERTH_SERVICES_BERTHD_PROXY_H_
