#include "services/cri/streaming/upgrade.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace berth::cri::streaming {
namespace {

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Every value of a header, comma-separated lists split, blanks dropped (as
// httpstream's commaSeparatedHeaderValues).
std::vector<std::string> ListValues(const HttpHeaderList& headers, std::string_view name) {
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (!absl::EqualsIgnoreCase(key, View(name))) continue;
    for (absl::string_view part : absl::StrSplit(value, ',')) {
      part = absl::StripAsciiWhitespace(part);
      if (!part.empty()) values.emplace_back(part);
    }
  }
  return values;
}

bool AnyValueContains(const HttpHeaderList& headers, std::string_view name, std::string_view token) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, View(name)) &&
        absl::StrContains(absl::AsciiStrToLower(value), absl::AsciiStrToLower(View(token)))) {
      return true;
    }
  }
  return false;
}

// Go's %v of a []string: [a b c].
std::string GoList(const std::vector<std::string>& values) {
  return absl::StrCat("[", absl::StrJoin(values, " "), "]");
}

// The lines after the first, up to the blank one.
absl::StatusOr<HttpHeaderList> ParseHeaderLines(const std::vector<absl::string_view>& lines) {
  HttpHeaderList headers;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return absl::InvalidArgumentError(absl::StrCat("http: bad header line \"", lines[i], "\""));
    }
    headers.emplace_back(std::string(absl::StripAsciiWhitespace(lines[i].substr(0, colon))),
                         std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
  }
  return headers;
}

UpgradeAnswer Refuse(int status, std::string body) {
  UpgradeAnswer answer;
  answer.status = status;
  answer.body = std::move(body);
  return answer;
}

const char* Reason(int status) {
  switch (status) {
    case 101:
      return "Switching Protocols";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    default:
      return "Error";
  }
}

}  // namespace

std::vector<std::string> RemoteCommandProtocols() {
  return {kRemoteCommandV4, kRemoteCommandV3, kRemoteCommandV2, kRemoteCommandV1};
}

UpgradeAnswer NegotiateSpdyUpgrade(const HttpHeaderList& request_headers,
                                   const std::vector<std::string>& server_protocols) {
  const std::vector<std::string> offered = ListValues(request_headers, kStreamProtocolHeader);
  if (offered.empty()) {
    return Refuse(400, absl::StrCat("unable to upgrade: ", kStreamProtocolHeader, " is required"));
  }
  // The client's preference wins, as in httpstream.Handshake.
  std::string chosen;
  for (const std::string& offer : offered) {
    for (const std::string& ours : server_protocols) {
      if (offer == ours && chosen.empty()) chosen = offer;
    }
  }
  if (chosen.empty()) {
    UpgradeAnswer answer = Refuse(403, absl::StrCat("unable to upgrade: unable to negotiate protocol: client supports ",
                                                    GoList(offered), ", server accepts ", GoList(server_protocols)));
    for (const std::string& ours : server_protocols) answer.headers.emplace_back(kAcceptedProtocolsHeader, ours);
    return answer;
  }
  if (!AnyValueContains(request_headers, "Connection", "upgrade") ||
      !AnyValueContains(request_headers, "Upgrade", kSpdy31)) {
    return Refuse(400, "unable to upgrade: missing upgrade headers in request");
  }
  UpgradeAnswer answer;
  answer.status = 101;
  answer.protocol = chosen;
  answer.headers = {{kStreamProtocolHeader, chosen}, {"Connection", "Upgrade"}, {"Upgrade", kSpdy31}};
  return answer;
}

std::string FormatUpgradeAnswer(const UpgradeAnswer& answer) {
  std::string out = absl::StrCat("HTTP/1.1 ", answer.status, " ", Reason(answer.status), "\r\n");
  for (const auto& [name, value] : answer.headers) absl::StrAppend(&out, name, ": ", value, "\r\n");
  if (!answer.ok()) {
    const std::string body = answer.body + "\n";  // http.Error ends the text with a newline
    absl::StrAppend(&out, "Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n",
                    "Content-Length: ", body.size(), "\r\nConnection: close\r\n\r\n", body);
    return out;
  }
  out += "\r\n";
  return out;
}

std::string FormatUpgradeRequest(const UpgradeRequest& request) {
  std::string out = absl::StrCat(request.method, " ", request.path, " HTTP/1.1\r\nHost: ", request.host,
                                 "\r\nConnection: Upgrade\r\nUpgrade: ", kSpdy31, "\r\n");
  for (const std::string& protocol : request.protocols) {
    absl::StrAppend(&out, kStreamProtocolHeader, ": ", protocol, "\r\n");
  }
  out += "Content-Length: 0\r\n\r\n";
  return out;
}

std::string HttpResponseHead::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, View(name))) return value;
  }
  return "";
}

absl::StatusOr<HttpRequestHead> ParseRequestHead(std::string_view head) {
  std::vector<absl::string_view> lines = absl::StrSplit(View(head), "\r\n");
  // "POST /exec/TOKEN HTTP/1.1"
  std::vector<absl::string_view> request_line = absl::StrSplit(lines[0], ' ');
  if (request_line.size() != 3 || !absl::StartsWith(request_line[2], "HTTP/1.")) {
    return absl::InvalidArgumentError(absl::StrCat("http request: bad request line \"", lines[0], "\""));
  }
  HttpRequestHead parsed;
  parsed.method = std::string(request_line[0]);
  parsed.target = std::string(request_line[1]);
  absl::StatusOr<HttpHeaderList> headers = ParseHeaderLines(lines);
  if (!headers.ok()) return headers.status();
  parsed.headers = *std::move(headers);
  return parsed;
}

absl::StatusOr<HttpResponseHead> ParseResponseHead(std::string_view head) {
  std::vector<absl::string_view> lines = absl::StrSplit(View(head), "\r\n");
  // "HTTP/1.1 101 Switching Protocols"
  std::vector<absl::string_view> status_line = absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  HttpResponseHead parsed;
  if (status_line.size() < 2 || !absl::StartsWith(status_line[0], "HTTP/1.") ||
      !absl::SimpleAtoi(status_line[1], &parsed.status)) {
    return absl::InvalidArgumentError(absl::StrCat("http response: bad status line \"", lines[0], "\""));
  }
  if (status_line.size() == 3) parsed.reason = std::string(status_line[2]);
  absl::StatusOr<HttpHeaderList> headers = ParseHeaderLines(lines);
  if (!headers.ok()) return headers.status();
  parsed.headers = *std::move(headers);
  return parsed;
}

}  // namespace berth::cri::streaming
