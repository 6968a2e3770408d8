#include "services/cri/streaming/spdy_dictionary.h"

#include <cstdint>
#include <string>

#include "services/cri/streaming/spdy_wire.h"

namespace berth::cri::streaming {
namespace {

// The draft lays the dictionary out as header names and common values, each
// behind a 32-bit big-endian length, then a run of status lines, dates and
// media types without lengths.
// clang-format off
constexpr const char* kLengthPrefixedWords[] = {
    "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset",
    "accept-encoding", "accept-language", "accept-ranges", "age", "allow", "authorization",
    "cache-control", "connection", "content-base", "content-encoding", "content-language",
    "content-length", "content-location", "content-md5", "content-range", "content-type", "date",
    "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match",
    "if-range", "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma",
    "proxy-authenticate", "proxy-authorization", "range", "referer", "retry-after", "server", "te",
    "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning",
    "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url",
    "public", "set-cookie", "keep-alive", "origin",
};

constexpr const char kTrailingText[] =
    "10010120120220520630030230330430530630740240540640740840941041141241341441541641"
    "7502504505203 Non-Authoritative Information204 No Content301 Moved Permanently40"
    "0 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error"
    "501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept O"
    "ct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,imag"
    "e/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/"
    "javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1"
    ",utf-,*,enq=0.";
// clang-format on

std::string BuildDictionary() {
  std::string dictionary;
  for (std::string_view word : kLengthPrefixedWords) {
    AppendUint32(&dictionary, static_cast<uint32_t>(word.size()));
    dictionary.append(word);
  }
  dictionary.append(kTrailingText);
  return dictionary;
}

}  // namespace

std::string_view SpdyHeaderDictionary() {
  static const std::string* const dictionary = new std::string(BuildDictionary());
  return *dictionary;
}

}  // namespace berth::cri::streaming
