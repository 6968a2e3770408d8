#ifndef BERTH_SERVICES_IMAGES_HTTP_H_
#define BERTH_SERVICES_IMAGES_HTTP_H_

// A small HTTP client over libcurl for the registry API: one request per
// call, headers in and out, the body either returned or streamed to a sink.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::images {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;
  std::string body;
  // Upload this file's content as the body instead (large blobs), PUT.
  int body_fd = -1;
  int64_t body_size = 0;
  // Basic credentials (user:password), sent only to the request's host.
  std::string basic_auth;
  // Streams a successful (2xx) response body here instead of keeping it
  // (blobs), with the status (200 or 206); returning false aborts the
  // transfer. Error bodies are kept in the response as usual.
  std::function<bool(long status, const char* data, size_t size)> sink;
  long timeout_seconds = 0;
  // An insecure registry's HTTPS: the certificate is not verified.
  bool insecure_tls = false;
};

struct HttpResponse {
  long status = 0;
  // Header names lowercased; the last value wins.
  std::map<std::string, std::string> headers;
  std::string body;
  std::string effective_url;
};

// Fails only when no HTTP answer came (connection refused, reset, timeout):
// UNAVAILABLE then, so callers can retry; FAILED_PRECONDITION, in Go's
// words as dockerd says it, when an https:// URL reached a server that
// answers plain HTTP.
absl::StatusOr<HttpResponse> Perform(const HttpRequest& request);

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_HTTP_H_
