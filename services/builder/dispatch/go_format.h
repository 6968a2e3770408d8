#ifndef BERTH_SERVICES_BUILDER_DISPATCH_GO_FORMAT_H_
#define BERTH_SERVICES_BUILDER_DISPATCH_GO_FORMAT_H_

// Go's fmt/strconv/path renderings that docker's classic builder bakes into
// image history ("CMD [\"/bin/sh\" \"-c\" \"x\"]", "VOLUME [/a /b]",
// "HEALTHCHECK &{...}") and WORKDIR/COPY paths: history must match docker's
// byte for byte, so these follow Go, not C++ conventions.

#include <cstdint>
#include <string>
#include <vector>

namespace berth::builder {

// strconv.Quote: "a\"b", non-printable bytes escaped.
std::string GoQuote(const std::string& text);

// strconv.QuoteRune, which is what fmt's %q prints for an int: 3 → '\x03'.
std::string GoQuoteRune(int64_t rune);

// fmt %q of a []string: ["a" "b"].
std::string GoQuotedList(const std::vector<std::string>& items);

// fmt %v of a []string: [a b].
std::string GoPlainList(const std::vector<std::string>& items);

// time.Duration.String(): "30s", "1m30s", "1h0m0s", "500ms", "0s".
std::string GoDuration(int64_t nanoseconds);

// path.Clean: lexical, "" → ".", keeps a leading "/".
std::string GoPathClean(const std::string& path);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DISPATCH_GO_FORMAT_H_
