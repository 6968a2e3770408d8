#ifndef BERTH_SERVICES_IMAGES_REGISTRY_CLIENT_H_
#define BERTH_SERVICES_IMAGES_REGISTRY_CLIENT_H_

// A client of the OCI distribution API for one repository: manifests and
// blobs, with anonymous, bearer-token (401 challenge → token endpoint →
// retry) and basic authentication, mirrors tried first for docker.io, a
// host's configured endpoints instead of the host,
// for an insecure registry HTTPS without verification and then plain HTTP
// (as dockerd), retries with
// back-off on 5xx and broken connections, and blob downloads resumed with
// Range.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/images/content_store.h"
#include "services/images/reference.h"

namespace berth::images {

struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token;
  // A bearer token for the registry itself (the CRI's and docker's
  // RegistryToken): sent as is, no token endpoint asked.
  std::string registry_token;
};

struct RegistryOptions {
  // Docker Hub's mirrors, tried before it.
  std::vector<std::string> mirrors;
  // A registry host's own endpoints: the only ones tried for it, in order.
  std::map<std::string, std::vector<std::string>> host_endpoints;
  std::vector<std::string> insecure_registries;
  Credentials credentials;
  int max_attempts = 5;
};

struct RegistryResponse {
  long status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

struct FetchedManifest {
  std::string media_type;
  std::string body;
  std::string digest;
};

class RegistryClient {
 public:
  RegistryClient(const Reference& reference, RegistryOptions options);

  // The manifest (or index) for a tag or digest, its digest verified.
  absl::StatusOr<FetchedManifest> GetManifest(const std::string& tag_or_digest);
  // Downloads a blob into writer, resuming at writer->offset(); progress
  // gets the bytes written so far.
  absl::Status FetchBlob(const std::string& digest, int64_t size, ContentWriter* writer,
                         const std::function<void(int64_t)>& progress);

  // Push: whether the repository has the blob; upload one from a file
  // (monolithic, POST then PUT ?digest=); put a manifest under a tag.
  absl::StatusOr<bool> BlobExists(const std::string& digest);
  absl::Status UploadBlob(const std::string& digest, const std::string& path, int64_t size);
  absl::StatusOr<std::string> PutManifest(const std::string& tag, const std::string& media_type,
                                          const std::string& body);

  // Checks credentials against the registry (`berth login`).
  absl::Status Ping();

  // Base URLs tried in order ("https://host" or "http://host"). For an
  // insecure registry the first call asks whether it speaks HTTPS.
  std::vector<std::string> endpoints();

 private:
  // One request with authentication and retries, against one endpoint.
  // headers_for_attempt adds per-attempt headers (a Range to resume).
  absl::StatusOr<RegistryResponse> Send(
      const std::string& base, const std::string& method, const std::string& path,
      const std::vector<std::string>& headers,
      const std::function<bool(long, const char*, size_t)>& sink,
      const std::function<std::vector<std::string>()>& headers_for_attempt,
      const std::string& body = "", int body_fd = -1, int64_t body_size = 0);
  absl::StatusOr<std::string> Token(const std::string& challenge);

  Reference reference_;
  RegistryOptions options_;
  // Insecure: HTTPS certificates are not verified, and plain HTTP is used
  // when the registry does not speak HTTPS.
  bool insecure_ = false;
  absl::Mutex mu_;
  std::vector<std::string> endpoints_ ABSL_GUARDED_BY(mu_);
  bool endpoints_resolved_ ABSL_GUARDED_BY(mu_) = false;
  // Authorization header value once known ("Bearer ..." / "Basic").
  std::string authorization_ ABSL_GUARDED_BY(mu_);
};

// Whether host (host[:port]) is in the insecure list: listed as is, or one
// of its addresses (the host itself, or what its name resolves to) in a
// listed CIDR, as dockerd decides.
bool IsInsecureRegistry(const std::string& host, const std::vector<std::string>& insecure);

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_REGISTRY_CLIENT_H_
