#ifndef BERTH_SERVICES_DOCKER_ACCESS_H_
#define BERTH_SERVICES_DOCKER_ACCESS_H_

// Who may call the Docker API, and the record of what they changed: the
// rules of berthd's gRPC endpoint. A unix socket is local root access; a
// TCP client is known by its verified certificate, whose organisation (or
// common name, per authorization-roles) is its role: admin may call
// everything, viewer only GET and HEAD. Every mutating call (any other
// method, or a GET that writes: attach/ws) is appended to berthd's audit log.

#include <map>
#include <optional>
#include <string>

#include "services/berthd/audit_log.h"
#include "services/common/http/http_server.h"
#include "services/docker/router.h"

namespace berth::docker {

struct AccessOptions {
  // Certificate organisation or common name → admin | viewer.
  std::map<std::string, std::string> roles;
  // TCP without TLS was explicitly allowed: its callers are admin.
  bool insecure_tcp = false;
};

class AccessControl {
 public:
  // audit may be null (no record kept).
  AccessControl(const Router* router, berthd::AuditLog* audit, AccessOptions options)
      : router_(router), audit_(audit), options_(std::move(options)) {}

  // Before the body: a 403 for a caller whose role does not allow the call
  // (recorded), nothing otherwise.
  std::optional<http::HttpResponse> Admit(const http::HttpRequest& request) const;
  // After the handler: records a mutating call with its outcome.
  void Record(const http::HttpRequest& request, const http::HttpResponse& response) const;

  // GET and HEAD, except the ones that write (attach over a websocket).
  static bool ReadOnly(const http::HttpRequest& request);
  // The canonical code name berthd's log has for an HTTP status.
  static std::string CodeFor(int status);

 private:
  struct Caller {
    std::string identity;
    std::string role;
  };
  Caller Identify(const http::HttpRequest& request) const;
  // body_target: the target the bodies name, when the path and query do not.
  void Write(const http::HttpRequest& request, const Caller& caller, int status,
             const std::string& message, const std::string& body_target) const;

  const Router* router_;
  berthd::AuditLog* audit_;
  AccessOptions options_;
};

}  // namespace berth::docker

#endif  // BERTH_SERVICES_DOCKER_ACCESS_H_
