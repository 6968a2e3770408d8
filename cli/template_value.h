#ifndef BERTH_CLI_TEMPLATE_VALUE_H_
#define BERTH_CLI_TEMPLATE_VALUE_H_

// Values a template works on, and how Go prints and judges them. The data is
// JSON that docker's CLI would hold as Go values: strings, numbers, bools,
// nil, []interface{} and map[string]interface{}.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace berth::cli::gotmpl {

// The Go kind docker's typed struct gives a field, where JSON alone cannot
// tell: how a nil or left-out (omitempty) one prints ("<nil>", "[]",
// "map[]"), whether len takes it, and that an object is a map, not a struct.
enum class GoKind { kUnknown, kPointer, kSlice, kMap };

// A JSON value, or "no value" (Go's invalid reflect.Value: what a missing map
// key yields). Values of the data are borrowed, computed ones are owned, so
// walking a large inspect object copies nothing.
class Value {
 public:
  Value() = default;  // no value
  static Value Of(const nlohmann::json& json);  // json must outlive the Value
  static Value Own(nlohmann::json json);

  // A value inside this one (an element or member); it keeps this one's
  // storage alive when that is owned.
  Value Part(const nlohmann::json& part) const;

  // The same value, known to be of Go kind `kind` (see GoKind).
  Value As(GoKind kind) const;

  bool is_missing() const { return json_ == nullptr; }
  // null when missing.
  const nlohmann::json& json() const;
  GoKind kind() const { return kind_; }

 private:
  std::shared_ptr<const nlohmann::json> owned_;
  const nlohmann::json* json_ = nullptr;
  GoKind kind_ = GoKind::kUnknown;
};

// Go's truth: false, 0, "", nil and empty arrays/maps are false.
bool IsTrue(const nlohmann::json& json);

// The Go type docker would have decoded the value into, for messages.
std::string GoTypeName(const nlohmann::json& json);

// fmt's %v: strings raw, integers without decimals, floats as %g with the
// shortest exact digits ("1e+06"), nil as <nil>, arrays as [a b], maps as
// map[k:v] with sorted keys.
std::string FormatValue(const nlohmann::json& json);

// Go's %v of a float64.
std::string FormatGoFloat(double value);

// strconv.Quote: "a\tb" with Go's escapes.
std::string GoQuote(absl::string_view text);

// Appends a Unicode code point as UTF-8.
void AppendUtf8(uint32_t code, std::string* out);

// Numbers as Go's template functions take them: an integer, or a float that
// holds an integer (JSON does not keep Go's int/float distinction exactly).
bool AsInteger(const nlohmann::json& json, int64_t* out);

}  // namespace berth::cli::gotmpl

#endif  // BERTH_CLI_TEMPLATE_VALUE_H_
