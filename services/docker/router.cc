#include "services/docker/router.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace berth::docker {
namespace {

std::vector<std::string> Segments(const std::string& path) {
  return absl::StrSplit(path, '/', absl::SkipEmpty());
}

bool IsVersionSegment(const std::string& segment) {
  if (segment.size() < 2 || segment[0] != 'v') return false;
  for (size_t i = 1; i < segment.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(segment[i])) && segment[i] != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

int CompareApiVersions(const std::string& a, const std::string& b) {
  std::vector<std::string> left = absl::StrSplit(a, '.');
  std::vector<std::string> right = absl::StrSplit(b, '.');
  for (size_t i = 0; i < std::max(left.size(), right.size()); ++i) {
    int x = 0;
    int y = 0;
    if (i < left.size()) (void)absl::SimpleAtoi(left[i], &x);
    if (i < right.size()) (void)absl::SimpleAtoi(right[i], &y);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

void Router::Add(const std::string& method, const std::string& pattern, RouteHandler handler) {
  routes_.push_back({method, Segments(pattern), std::move(handler), pattern});
}

bool Router::Match(const Route& route, const std::vector<std::string>& segments,
                   std::vector<std::string>* params) {
  params->clear();
  const std::vector<std::string>& pattern = route.segments;
  size_t rest = pattern.size();
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (absl::EndsWith(pattern[i], "*}")) rest = i;
  }
  if (rest == pattern.size()) {
    if (segments.size() != pattern.size()) return false;
  } else if (segments.size() < pattern.size()) {
    return false;
  }
  // Before the greedy segment, from the front; after it, from the back.
  for (size_t i = 0; i < std::min(rest, pattern.size()); ++i) {
    if (absl::StartsWith(pattern[i], "{")) {
      params->push_back(segments[i]);
    } else if (pattern[i] != segments[i]) {
      return false;
    }
  }
  if (rest == pattern.size()) return true;
  size_t tail = pattern.size() - rest - 1;
  size_t end = segments.size() - tail;
  params->push_back(absl::StrJoin(segments.begin() + rest, segments.begin() + end, "/"));
  for (size_t i = 0; i < tail; ++i) {
    const std::string& expected = pattern[rest + 1 + i];
    const std::string& actual = segments[end + i];
    if (absl::StartsWith(expected, "{")) {
      params->push_back(actual);
    } else if (expected != actual) {
      return false;
    }
  }
  return true;
}

http::HttpResponse Router::Dispatch(const http::HttpRequest& request) const {
  std::vector<std::string> segments = Segments(request.path);
  std::string version = kMaxApiVersion;
  if (!segments.empty() && IsVersionSegment(segments[0])) {
    version = segments[0].substr(1);
    segments.erase(segments.begin());
    if (CompareApiVersions(version, kMaxApiVersion) > 0) {
      return http::HttpResponse::Error(400, absl::StrCat("client version ", version,
                                                   " is too new. Maximum supported API version is ",
                                                   kMaxApiVersion));
    }
    if (CompareApiVersions(version, kMinApiVersion) < 0) {
      return http::HttpResponse::Error(
          400, absl::StrCat("client version ", version,
                            " is too old. Minimum supported API version is ", kMinApiVersion,
                            ", please upgrade your client to a newer version"));
    }
  }
  // HEAD is answered as GET (the library leaves the body out).
  std::string method = request.method == "HEAD" ? "GET" : request.method;
  std::vector<std::string> params;
  bool path_known = false;
  for (const Route& route : routes_) {
    if (!Match(route, segments, &params)) continue;
    path_known = true;
    if (route.method != method && !(request.method == "HEAD" && route.method == "HEAD")) continue;
    return route.handler(ApiRequest{request, params, version});
  }
  if (path_known) return http::HttpResponse::Error(405, "method not allowed");
  return http::HttpResponse::Error(404, "page not found");
}

// The path without its version prefix.
static std::vector<std::string> UnversionedSegments(const std::string& path) {
  std::vector<std::string> segments = Segments(path);
  if (!segments.empty() && IsVersionSegment(segments[0])) segments.erase(segments.begin());
  return segments;
}

const Router::Route* Router::Lookup(const http::HttpRequest& request,
                                    std::vector<std::string>* params) const {
  std::vector<std::string> segments = UnversionedSegments(request.path);
  std::string method = request.method == "HEAD" ? "GET" : request.method;
  for (const Route& route : routes_) {
    if (!Match(route, segments, params)) continue;
    if (route.method != method && !(request.method == "HEAD" && route.method == "HEAD")) continue;
    return &route;
  }
  return nullptr;
}

std::optional<RouteMatch> Router::Find(const http::HttpRequest& request) const {
  RouteMatch match;
  const Route* route = Lookup(request, &match.params);
  if (route == nullptr) return std::nullopt;
  match.pattern = route->pattern;
  return match;
}

void Router::StreamBody(const std::string& method, const std::string& pattern) {
  for (Route& route : routes_) {
    if (route.method == method && route.pattern == pattern) route.streams_body = true;
  }
}

bool Router::StreamsBody(const http::HttpRequest& request) const {
  std::vector<std::string> params;
  const Route* route = Lookup(request, &params);
  return route != nullptr && route->streams_body;
}

}  // namespace berth::docker
