#include "services/images/http.h"

#include <curl/curl.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace berth::images {
namespace {

struct Transfer {
  const HttpRequest* request;
  HttpResponse* response;
  CURL* curl;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  if (transfer->request->sink) {
    long status = 0;
    curl_easy_getinfo(transfer->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      return transfer->request->sink(status, data, bytes) ? bytes : 0;
    }
  }
  transfer->response->body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  absl::string_view line(data, bytes);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new response (after a redirect or 100-continue): start over.
    transfer->response->headers.clear();
    return bytes;
  }
  size_t colon = line.find(':');
  if (colon != absl::string_view::npos) {
    std::string name = absl::AsciiStrToLower(line.substr(0, colon));
    std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    transfer->response->headers[name] = value;
  }
  return bytes;
}

size_t OnUpload(char* buffer, size_t size, size_t count, void* user) {
  int fd = *static_cast<int*>(user);
  ssize_t n;
  do {
    n = ::read(fd, buffer, size * count);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? CURL_READFUNC_ABORT : static_cast<size_t>(n);
}

struct CurlInit {
  CurlInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

// Whether the https:// URL's server answers plain HTTP: what a TLS
// handshake that failed met.
bool AnswersPlainHttp(const std::string& https_url) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return false;
  std::string url = "http://" + https_url.substr(std::string("https://").size());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  bool answered = curl_easy_perform(curl) == CURLE_OK;
  curl_easy_cleanup(curl);
  return answered;
}

}  // namespace

absl::StatusOr<HttpResponse> Perform(const HttpRequest& request) {
  static CurlInit init;
  HttpResponse response;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  Transfer transfer{&request, &response, curl};
  curl_slist* headers = nullptr;
  for (const std::string& header : request.headers) headers = curl_slist_append(headers, header.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // Registries redirect blob downloads to storage; libcurl does not pass
  // an Authorization header on to another host (CURLOPT_UNRESTRICTED_AUTH
  // stays off), which is what we want.
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
  // Abort a stalled transfer: under 1 KiB/s for 60 s.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  if (request.timeout_seconds > 0) curl_easy_setopt(curl, CURLOPT_TIMEOUT, request.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "berth/0.1");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  if (request.insecure_tls) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!request.basic_auth.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERPWD, request.basic_auth.c_str());
  }
  int upload_fd = request.body_fd;
  if (upload_fd >= 0) {
    // Rewind so a retried request sends the blob from its start.
    ::lseek(upload_fd, 0, SEEK_SET);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnUpload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload_fd);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body_size));
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  char* effective = nullptr;
  curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
  if (effective != nullptr) response.effective_url = effective;
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  // (An insecure registry's HTTPS failing is not an error: HTTP follows.)
  if (rc == CURLE_SSL_CONNECT_ERROR && !request.insecure_tls &&
      absl::StartsWith(request.url, "https://") && AnswersPlainHttp(request.url)) {
    // Go's words, which dockerd passes on.
    return absl::FailedPreconditionError(
        absl::StrCat("Get \"", request.url, "\": http: server gave HTTP response to HTTPS client"));
  }
  if (rc != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat(request.method, " ", request.url, ": ",
                                               curl_easy_strerror(rc)));
  }
  return response;
}

}  // namespace berth::images
