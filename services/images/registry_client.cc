#include "services/images/registry_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "services/common/digest/sha256.h"
#include "services/images/http.h"
#include "services/images/media_types.h"

namespace berth::images {
namespace {

bool Retryable(long status) { return status == 429 || status >= 500; }

// Parses `Bearer realm="...",service="...",scope="..."`.
std::map<std::string, std::string> ParseChallenge(absl::string_view header, std::string* scheme) {
  std::map<std::string, std::string> params;
  header = absl::StripAsciiWhitespace(header);
  size_t space = header.find(' ');
  *scheme = absl::AsciiStrToLower(header.substr(0, space));
  if (space == absl::string_view::npos) return params;
  absl::string_view rest = header.substr(space + 1);
  while (!rest.empty()) {
    rest = absl::StripLeadingAsciiWhitespace(rest);
    size_t eq = rest.find('=');
    if (eq == absl::string_view::npos) break;
    std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(rest.substr(0, eq)));
    rest.remove_prefix(eq + 1);
    std::string value;
    if (absl::ConsumePrefix(&rest, "\"")) {
      size_t end = rest.find('"');
      value = std::string(rest.substr(0, end));
      rest.remove_prefix(end == absl::string_view::npos ? rest.size() : end + 1);
    } else {
      size_t end = rest.find(',');
      value = std::string(absl::StripAsciiWhitespace(rest.substr(0, end)));
      rest.remove_prefix(end == absl::string_view::npos ? rest.size() : end);
    }
    absl::ConsumePrefix(&rest, ",");
    params[key] = value;
  }
  return params;
}

std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      // RFC 3986 asks for upper-case hex in percent-encoding.
      absl::StrAppend(&out, "%", absl::AsciiStrToUpper(
                                     absl::BytesToHexString(std::string(1, static_cast<char>(c)))));
    }
  }
  return out;
}

bool InCidr(const std::string& ip, const std::string& cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos) return false;
  int prefix = 0;
  if (!absl::SimpleAtoi(cidr.substr(slash + 1), &prefix) || prefix < 0) return false;
  unsigned char address[16], network[16];
  size_t length = 4;
  std::string base = cidr.substr(0, slash);
  if (inet_pton(AF_INET, ip.c_str(), address) == 1 &&
      inet_pton(AF_INET, base.c_str(), network) == 1) {
    length = 4;
  } else if (inet_pton(AF_INET6, ip.c_str(), address) == 1 &&
             inet_pton(AF_INET6, base.c_str(), network) == 1) {
    length = 16;
  } else {
    return false;
  }
  if (prefix > static_cast<int>(length * 8)) return false;
  for (size_t i = 0; i < length; ++i) {
    int bits = std::clamp(prefix - static_cast<int>(i * 8), 0, 8);
    unsigned char mask = static_cast<unsigned char>(0xff00 >> bits);
    if ((address[i] & mask) != (network[i] & mask)) return false;
  }
  return true;
}

// host[:port] or [v6]:port without the port and brackets.
std::string HostName(const std::string& host) {
  if (absl::StartsWith(host, "[")) {
    size_t end = host.find(']');
    return host.substr(1, end == std::string::npos ? std::string::npos : end - 1);
  }
  size_t colon = host.rfind(':');
  if (colon != std::string::npos && host.find(':') == colon) return host.substr(0, colon);
  return host;  // no port, or a bare IPv6 address
}

// The host's addresses: itself if an IP, else what its name resolves to.
std::vector<std::string> Addresses(const std::string& name) {
  unsigned char buffer[16];
  if (inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
      inet_pton(AF_INET6, name.c_str(), buffer) == 1) {
    return {name};
  }
  std::vector<std::string> out;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(name.c_str(), nullptr, &hints, &found) != 0) return out;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = ai->ai_family == AF_INET
                          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
                          : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
    if (inet_ntop(ai->ai_family, raw, text, sizeof(text)) != nullptr) out.push_back(text);
  }
  freeaddrinfo(found);
  return out;
}

// An error as the registry explains it ({"errors":[{"code","message"}]}).
std::string RegistryError(const RegistryResponse& response) {
  nlohmann::json json = nlohmann::json::parse(response.body, nullptr, false);
  if (json.is_object() && json.contains("errors") && json["errors"].is_array() &&
      !json["errors"].empty()) {
    const auto& first = json["errors"][0];
    std::string code = first.value("code", "");
    std::string message = first.value("message", "");
    return absl::AsciiStrToLower(code) + (message.empty() ? "" : ": " + message);
  }
  return absl::StrCat("HTTP ", response.status);
}

absl::Status StatusFor(const RegistryResponse& response, const std::string& what) {
  std::string detail = RegistryError(response);
  switch (response.status) {
    case 401:
      return absl::UnauthenticatedError(absl::StrCat(what, ": ", detail));
    case 403:
      return absl::PermissionDeniedError(absl::StrCat(what, ": ", detail));
    case 404:
      return absl::NotFoundError(absl::StrCat(what, ": ", detail));
    default:
      return absl::UnavailableError(absl::StrCat(what, ": ", detail));
  }
}

}  // namespace

bool IsInsecureRegistry(const std::string& host, const std::vector<std::string>& insecure) {
  std::string name = HostName(host);
  std::vector<std::string> addresses;
  bool resolved = false;
  for (const std::string& entry : insecure) {
    if (entry == host || entry == name) return true;
    if (entry.find('/') == std::string::npos) continue;
    if (!resolved) {
      addresses = Addresses(name);
      resolved = true;
    }
    for (const std::string& address : addresses) {
      if (InCidr(address, entry)) return true;
    }
  }
  return false;
}

RegistryClient::RegistryClient(const Reference& reference, RegistryOptions options)
    : reference_(reference), options_(std::move(options)) {
  absl::MutexLock lock(&mu_);
  endpoints_resolved_ = true;
  // The endpoints set for this host, and only those (registry-endpoints).
  if (auto it = options_.host_endpoints.find(reference_.domain);
      it != options_.host_endpoints.end() && !it->second.empty()) {
    for (const std::string& endpoint : it->second) {
      endpoints_.push_back(std::string(absl::StripSuffix(endpoint, "/")));
    }
  } else if (reference_.domain == "docker.io") {
    // Mirrors stand in for Docker Hub only, as with dockerd.
    for (const std::string& mirror : options_.mirrors) {
      endpoints_.push_back(std::string(absl::StripSuffix(mirror, "/")));
    }
    endpoints_.push_back("https://registry-1.docker.io");
  } else if (IsInsecureRegistry(reference_.domain, options_.insecure_registries)) {
    insecure_ = true;
    endpoints_resolved_ = false;
  } else {
    endpoints_.push_back("https://" + reference_.domain);
  }
}

std::vector<std::string> RegistryClient::endpoints() {
  absl::MutexLock lock(&mu_);
  if (!endpoints_resolved_) {
    // As dockerd: HTTPS (unverified) if the registry answers it, else HTTP.
    HttpRequest probe;
    probe.url = "https://" + reference_.domain + "/v2/";
    probe.insecure_tls = true;
    probe.timeout_seconds = 15;
    bool https = Perform(probe).ok();
    endpoints_ = {(https ? "https://" : "http://") + reference_.domain};
    endpoints_resolved_ = true;
  }
  return endpoints_;
}

absl::StatusOr<std::string> RegistryClient::Token(const std::string& challenge) {
  std::string scheme;
  auto params = ParseChallenge(challenge, &scheme);
  if (scheme == "basic") {
    if (options_.credentials.username.empty()) {
      return absl::UnauthenticatedError("authentication required (try berth login)");
    }
    return "Basic " + absl::Base64Escape(options_.credentials.username + ":" +
                                         options_.credentials.password);
  }
  if (scheme == "bearer" && !options_.credentials.registry_token.empty()) {
    return "Bearer " + options_.credentials.registry_token;
  }
  if (scheme != "bearer" || params["realm"].empty()) {
    return absl::UnauthenticatedError(absl::StrCat("unsupported authentication: ", challenge));
  }
  std::string url = params["realm"];
  std::vector<std::string> query;
  if (!params["service"].empty()) query.push_back("service=" + UrlEncode(params["service"]));
  std::string scope = params["scope"].empty()
                          ? absl::StrCat("repository:", reference_.path, ":pull")
                          : params["scope"];
  query.push_back("scope=" + UrlEncode(scope));
  url += (url.find('?') == std::string::npos ? "?" : "&") + absl::StrJoin(query, "&");
  HttpRequest request;
  request.url = url;
  request.timeout_seconds = 60;
  if (!options_.credentials.username.empty()) {
    request.basic_auth = options_.credentials.username + ":" + options_.credentials.password;
  }
  auto response = Perform(request);
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    RegistryResponse r{response->status, response->headers, response->body};
    return StatusFor(r, "get token from " + params["realm"]);
  }
  nlohmann::json json = nlohmann::json::parse(response->body, nullptr, false);
  std::string token;
  if (json.is_object()) token = json.value("token", json.value("access_token", ""));
  if (token.empty()) {
    return absl::UnauthenticatedError(absl::StrCat("token endpoint ", params["realm"],
                                                   " returned no token"));
  }
  return "Bearer " + token;
}

absl::StatusOr<RegistryResponse> RegistryClient::Send(
    const std::string& base, const std::string& method, const std::string& path,
    const std::vector<std::string>& headers,
    const std::function<bool(long, const char*, size_t)>& sink,
    const std::function<std::vector<std::string>()>& headers_for_attempt,
    const std::string& body, int body_fd, int64_t body_size) {
  absl::Duration backoff = absl::Milliseconds(200);
  bool authenticated = false;
  absl::Status last = absl::UnavailableError("no attempt");
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (attempt > 0) {
      absl::SleepFor(backoff);
      backoff *= 2;
    }
    HttpRequest request;
    request.method = method;
    request.url = base + path;
    request.headers = headers;
    if (headers_for_attempt) {
      for (std::string& header : headers_for_attempt()) request.headers.push_back(std::move(header));
    }
    {
      absl::MutexLock lock(&mu_);
      if (!authorization_.empty()) request.headers.push_back("Authorization: " + authorization_);
    }
    request.insecure_tls = insecure_;
    request.sink = sink;
    request.body = body;
    request.body_fd = body_fd;
    request.body_size = body_size;
    auto response = Perform(request);
    if (!response.ok()) {
      // A broken connection: retry (a blob resumes); any other failure
      // (HTTP spoken to HTTPS) would only repeat.
      if (!absl::IsUnavailable(response.status())) return response.status();
      last = response.status();
      continue;
    }
    RegistryResponse result{response->status, response->headers, response->body};
    if (response->status == 401 && !authenticated) {
      auto it = response->headers.find("www-authenticate");
      if (it == response->headers.end()) return StatusFor(result, method + " " + path);
      auto token = Token(it->second);
      if (!token.ok()) return token.status();
      absl::MutexLock lock(&mu_);
      authorization_ = *token;
      authenticated = true;
      --attempt;  // Authenticating is not a failed attempt.
      continue;
    }
    if (Retryable(response->status)) {
      last = StatusFor(result, method + " " + base + path);
      continue;
    }
    return result;
  }
  return last;
}

absl::StatusOr<FetchedManifest> RegistryClient::GetManifest(const std::string& tag_or_digest) {
  std::vector<std::string> headers = {std::string("Accept: ") + kManifestAccept};
  std::string path = absl::StrCat("/v2/", reference_.path, "/manifests/", tag_or_digest);
  absl::Status last = absl::NotFoundError("no endpoint");
  for (const std::string& base : endpoints()) {
    auto response = Send(base, "GET", path, headers, nullptr, nullptr);
    if (!response.ok()) {
      last = response.status();
      continue;  // Next endpoint (a mirror may be down).
    }
    if (response->status != 200) {
      last = StatusFor(*response, absl::StrCat("manifest ", tag_or_digest));
      if (response->status == 401 || response->status == 403) return last;
      continue;
    }
    FetchedManifest manifest;
    manifest.body = response->body;
    manifest.media_type = response->headers["content-type"];
    size_t semicolon = manifest.media_type.find(';');
    if (semicolon != std::string::npos) manifest.media_type.resize(semicolon);
    manifest.digest = Sha256::Of(manifest.body);
    if (absl::StartsWith(tag_or_digest, "sha256:") && manifest.digest != tag_or_digest) {
      return absl::DataLossError(absl::StrCat("manifest ", tag_or_digest,
                                              ": digest mismatch (got ", manifest.digest, ")"));
    }
    auto header = response->headers.find("docker-content-digest");
    if (header != response->headers.end() && header->second != manifest.digest) {
      return absl::DataLossError(absl::StrCat("manifest ", tag_or_digest,
                                              ": registry says ", header->second,
                                              ", content hashes to ", manifest.digest));
    }
    return manifest;
  }
  return last;
}

absl::Status RegistryClient::FetchBlob(const std::string& digest, int64_t size,
                                       ContentWriter* writer,
                                       const std::function<void(int64_t)>& progress) {
  std::string path = absl::StrCat("/v2/", reference_.path, "/blobs/", digest);
  absl::Status last = absl::NotFoundError("no endpoint");
  for (const std::string& base : endpoints()) {
    absl::Status write_error;
    int64_t requested_from = 0;
    int64_t skip = 0;
    bool started = false;
    auto response = Send(
        base, "GET", path, {},
        [&](long status, const char* data, size_t length) {
          if (!started) {
            started = true;
            // A server that ignores Range sends the whole blob again.
            skip = status == 200 ? requested_from : 0;
          }
          size_t drop = static_cast<size_t>(std::min<int64_t>(skip, static_cast<int64_t>(length)));
          skip -= static_cast<int64_t>(drop);
          if (drop < length) write_error = writer->Write(data + drop, length - drop);
          if (progress) progress(writer->offset());
          return write_error.ok();
        },
        [&] {
          // Each attempt resumes where the last one stopped.
          started = false;
          requested_from = writer->offset();
          std::vector<std::string> extra;
          if (requested_from > 0 && requested_from < size) {
            extra.push_back(absl::StrCat("Range: bytes=", requested_from, "-"));
          }
          return extra;
        });
    if (!write_error.ok()) return write_error;
    if (!response.ok()) {
      last = response.status();
      continue;
    }
    if (response->status != 200 && response->status != 206 &&
        !(response->status == 416 && writer->offset() == size)) {
      last = StatusFor(*response, absl::StrCat("blob ", digest));
      continue;
    }
    return absl::OkStatus();
  }
  return last;
}

absl::StatusOr<bool> RegistryClient::BlobExists(const std::string& digest) {
  auto response = Send(endpoints().front(), "HEAD",
                       absl::StrCat("/v2/", reference_.path, "/blobs/", digest), {}, nullptr,
                       nullptr);
  if (!response.ok()) return response.status();
  if (response->status == 200) return true;
  if (response->status == 404) return false;
  return StatusFor(*response, absl::StrCat("blob ", digest));
}

absl::Status RegistryClient::UploadBlob(const std::string& digest, const std::string& path,
                                        int64_t size) {
  const std::string base = endpoints().front();
  auto started = Send(base, "POST", absl::StrCat("/v2/", reference_.path, "/blobs/uploads/"),
                      {"Content-Length: 0"}, nullptr, nullptr);
  if (!started.ok()) return started.status();
  if (started->status != 202) return StatusFor(*started, absl::StrCat("upload ", digest));
  std::string location = started->headers["location"];
  if (location.empty()) return absl::UnavailableError("upload: registry gave no location");
  // The location may be absolute or relative to the registry.
  std::string path_part = location;
  if (absl::StartsWith(location, "http://") || absl::StartsWith(location, "https://")) {
    size_t slash = location.find('/', location.find("//") + 2);
    path_part = slash == std::string::npos ? "/" : location.substr(slash);
  }
  path_part += (path_part.find('?') == std::string::npos ? "?" : "&") +
               std::string("digest=") + UrlEncode(digest);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "open " + path);
  auto put = Send(base, "PUT", path_part, {"Content-Type: application/octet-stream"}, nullptr,
                  nullptr, "", fd, size);
  ::close(fd);
  if (!put.ok()) return put.status();
  if (put->status != 201) return StatusFor(*put, absl::StrCat("upload ", digest));
  return absl::OkStatus();
}

absl::StatusOr<std::string> RegistryClient::PutManifest(const std::string& tag,
                                                        const std::string& media_type,
                                                        const std::string& body) {
  auto response = Send(endpoints().front(), "PUT",
                       absl::StrCat("/v2/", reference_.path, "/manifests/", tag),
                       {"Content-Type: " + media_type}, nullptr, nullptr, body);
  if (!response.ok()) return response.status();
  if (response->status != 201 && response->status != 200) {
    return StatusFor(*response, absl::StrCat("manifest ", tag));
  }
  return Sha256::Of(body);
}

absl::Status RegistryClient::Ping() {
  auto response = Send(endpoints().front(), "GET", "/v2/", {}, nullptr, nullptr);
  if (!response.ok()) return response.status();
  if (response->status != 200) return StatusFor(*response, "login");
  return absl::OkStatus();
}

}  // namespace berth::images
