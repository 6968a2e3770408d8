#include "cli/template_funcs.h"

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/template_printf.h"

namespace berth::cli::gotmpl {
namespace {

using Args = std::vector<Value>;
using json = nlohmann::json;

absl::Status WrongType(absl::string_view expected, const Value& value) {
  if (value.is_missing()) return absl::InvalidArgumentError(absl::StrCat("invalid value; expected ", expected));
  return absl::InvalidArgumentError(
      absl::StrCat("wrong type for value; expected ", expected, "; got ", GoTypeName(value.json())));
}

absl::Status Failed(absl::string_view message) { return absl::FailedPreconditionError(message); }

absl::StatusOr<std::string> StringArg(const Value& value) {
  if (!value.json().is_string()) return WrongType("string", value);
  return value.json().get<std::string>();
}

absl::StatusOr<int64_t> IntArg(const Value& value) {
  int64_t integer = 0;
  if (!AsInteger(value.json(), &integer)) return WrongType("int", value);
  return integer;
}

// docker passes []string to join; a JSON array of strings is that.
absl::StatusOr<std::vector<std::string>> StringsArg(const Value& value) {
  const json& array = value.json();
  if (!array.is_array()) return WrongType("[]string", value);
  std::vector<std::string> strings;
  for (const json& item : array) {
    if (!item.is_string()) return WrongType("[]string", value);
    strings.push_back(item.get<std::string>());
  }
  return strings;
}

std::vector<json> Jsons(const Args& args, size_t from = 0) {
  std::vector<json> out;
  for (size_t i = from; i < args.size(); ++i) out.push_back(args[i].json());
  return out;
}

Value Bool(bool value) { return Value::Own(json(value)); }
Value String(std::string value) { return Value::Own(json(std::move(value))); }

// Comparisons as Go's eq/lt: numbers with numbers (JSON does not keep Go's
// int/float split, so any two numbers compare by value), strings with
// strings, bools with bools (equality only).
enum class Kind { kNil, kBool, kNumber, kString, kComposite };

Kind KindOf(const json& value) {
  if (value.is_null()) return Kind::kNil;
  if (value.is_boolean()) return Kind::kBool;
  if (value.is_number()) return Kind::kNumber;
  if (value.is_string()) return Kind::kString;
  return Kind::kComposite;
}

// -1, 0, 1 for numbers a, b.
int CompareNumbers(const json& a, const json& b) {
  int64_t ia = 0, ib = 0;
  if (AsInteger(a, &ia) && AsInteger(b, &ib) && !a.is_number_float() && !b.is_number_float()) {
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  }
  if (a.is_number_unsigned() && b.is_number_unsigned()) {
    uint64_t ua = a.get<uint64_t>(), ub = b.get<uint64_t>();
    return ua < ub ? -1 : ua > ub ? 1 : 0;
  }
  double da = a.get<double>(), db = b.get<double>();
  return da < db ? -1 : da > db ? 1 : 0;
}

absl::StatusOr<bool> Equal(const json& a, const json& b) {
  Kind ka = KindOf(a), kb = KindOf(b);
  if (ka == Kind::kNil || kb == Kind::kNil) return ka == kb;
  if (ka == Kind::kComposite) {
    return Failed(absl::StrCat("non-comparable type ", FormatValue(a), ": ", GoTypeName(a)));
  }
  if (kb == Kind::kComposite) {
    return Failed(absl::StrCat("non-comparable type ", FormatValue(b), ": ", GoTypeName(b)));
  }
  if (ka != kb) return Failed("incompatible types for comparison");
  if (ka == Kind::kNumber) return CompareNumbers(a, b) == 0;
  return a == b;
}

absl::StatusOr<bool> Less(const json& a, const json& b) {
  Kind ka = KindOf(a), kb = KindOf(b);
  for (Kind kind : {ka, kb}) {
    if (kind != Kind::kNumber && kind != Kind::kString) return Failed("invalid type for comparison");
  }
  if (ka != kb) return Failed("incompatible types for comparison");
  if (ka == Kind::kNumber) return CompareNumbers(a, b) < 0;
  return a.get_ref<const std::string&>() < b.get_ref<const std::string&>();
}

absl::StatusOr<Value> Eq(const Args& args) {
  if (args.size() < 2) return Failed("missing argument for comparison");
  for (size_t i = 1; i < args.size(); ++i) {
    absl::StatusOr<bool> equal = Equal(args[0].json(), args[i].json());
    if (!equal.ok() || *equal) return equal.ok() ? Bool(true) : absl::StatusOr<Value>(equal.status());
  }
  return Bool(false);
}

template <bool kNegate, bool kOrEqual>
absl::StatusOr<Value> Order(const Args& args) {
  // lt/ge and le/gt are each other's negation.
  absl::StatusOr<bool> less = Less(args[0].json(), args[1].json());
  if (!less.ok()) return less.status();
  bool result = *less;
  if (kOrEqual && !result) {
    absl::StatusOr<bool> equal = Equal(args[0].json(), args[1].json());
    if (!equal.ok()) return equal.status();
    result = *equal;
  }
  return Bool(kNegate ? !result : result);
}

absl::StatusOr<Value> Ne(const Args& args) {
  absl::StatusOr<bool> equal = Equal(args[0].json(), args[1].json());
  if (!equal.ok()) return equal.status();
  return Bool(!*equal);
}

absl::StatusOr<Value> Len(const Args& args) {
  const json& item = args[0].json();
  // A nil slice or map of a typed struct is empty.
  if (item.is_null() && (args[0].kind() == GoKind::kSlice || args[0].kind() == GoKind::kMap)) {
    return Value::Own(json(0));
  }
  if (item.is_string()) return Value::Own(json(item.get_ref<const std::string&>().size()));
  if (item.is_array() || item.is_object()) return Value::Own(json(item.size()));
  if (item.is_null()) return Failed("len of nil pointer");
  return Failed(absl::StrCat("len of type ", GoTypeName(item)));
}

absl::StatusOr<size_t> Position(const json& index, size_t size, bool inclusive) {
  int64_t position = 0;
  if (index.is_null()) return Failed("cannot index slice/array with nil");
  if (!AsInteger(index, &position) || index.is_number_float()) {
    return Failed(absl::StrCat("cannot index slice/array with type ", GoTypeName(index)));
  }
  size_t limit = inclusive ? size + 1 : size;
  if (position < 0 || static_cast<uint64_t>(position) >= limit) {
    return Failed(absl::StrCat("index out of range: ", position));
  }
  return static_cast<size_t>(position);
}

// A missing key of a map yields Go's zero value of its element type: "" for
// maps of strings (labels, options), nil otherwise.
Value MissingMapEntry(const json& map) {
  for (const auto& item : map) {
    if (!item.is_string()) return Value::Own(json());
  }
  return String("");
}

absl::StatusOr<Value> Index(const Args& args) {
  Value item = args[0];
  // A nil map of a typed struct has no entries (labels: "" for any key).
  if (item.json().is_null() && item.kind() == GoKind::kMap) item = Value::Own(json::object());
  if (item.json().is_null()) return Failed("index of untyped nil");
  for (size_t i = 1; i < args.size(); ++i) {
    const json& current = item.json();
    const json& index = args[i].json();
    if (current.is_array()) {
      absl::StatusOr<size_t> position = Position(index, current.size(), false);
      if (!position.ok()) return position.status();
      item = item.Part(current[*position]);
    } else if (current.is_string()) {
      absl::StatusOr<size_t> position = Position(index, current.get_ref<const std::string&>().size(), false);
      if (!position.ok()) return position.status();
      item = Value::Own(json(static_cast<unsigned char>(current.get_ref<const std::string&>()[*position])));
    } else if (current.is_object()) {
      if (!index.is_string()) {
        return Failed(absl::StrCat("value has type ", GoTypeName(index), "; should be string"));
      }
      auto found = current.find(index.get<std::string>());
      item = found == current.end() ? MissingMapEntry(current) : item.Part(*found);
    } else if (current.is_null()) {
      return Failed("index of nil pointer");
    } else {
      return Failed(absl::StrCat("can't index item of type ", GoTypeName(current)));
    }
  }
  return item;
}

absl::StatusOr<Value> Slice(const Args& args) {
  const json& item = args[0].json();
  if (item.is_null()) return Failed("slice of untyped nil");
  bool is_string = item.is_string();
  if (!is_string && !item.is_array()) return Failed(absl::StrCat("can't slice item of type ", GoTypeName(item)));
  size_t size = is_string ? item.get_ref<const std::string&>().size() : item.size();
  if (args.size() > (is_string ? 3u : 4u)) return Failed("too many slice indexes");
  size_t bounds[2] = {0, size};
  for (size_t i = 1; i < args.size() && i <= 2; ++i) {
    absl::StatusOr<size_t> position = Position(args[i].json(), size, true);
    if (!position.ok()) return position.status();
    bounds[i - 1] = *position;
  }
  if (bounds[0] > bounds[1]) return Failed(absl::StrCat("invalid slice index: ", bounds[0], " > ", bounds[1]));
  if (is_string) return String(item.get<std::string>().substr(bounds[0], bounds[1] - bounds[0]));
  return Value::Own(json(item.begin() + static_cast<std::ptrdiff_t>(bounds[0]),
                         item.begin() + static_cast<std::ptrdiff_t>(bounds[1])));
}

// strings.Title: the first letter of each word upper case; words are
// separated by anything but letters, digits and underscores.
std::string Title(const std::string& text) {
  std::string out = text;
  bool after_separator = true;
  for (char& c : out) {
    unsigned char byte = static_cast<unsigned char>(c);
    if (after_separator) c = absl::ascii_toupper(byte);
    after_separator = byte < 0x80 && !absl::ascii_isalnum(byte) && byte != '_';
  }
  return out;
}

std::vector<std::string> Split(const std::string& text, const std::string& separator) {
  if (!separator.empty()) return absl::StrSplit(text, separator);
  // Go splits into characters when the separator is empty.
  std::vector<std::string> characters;
  for (unsigned char c : text) {
    if ((c & 0xC0) == 0x80 && !characters.empty()) {
      characters.back() += static_cast<char>(c);
    } else {
      characters.emplace_back(1, static_cast<char>(c));
    }
  }
  return characters;
}

// The argument text of html, js and urlquery: a single string as it is,
// anything else as print would print it.
std::string EscaperInput(const Args& args) {
  if (args.size() == 1 && args[0].json().is_string()) return args[0].json().get<std::string>();
  return GoSprint(Jsons(args));
}

std::string HtmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\0': out += "\xEF\xBF\xBD"; break;
      default: out += c;
    }
  }
  return out;
}

std::string JsEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    unsigned char byte = static_cast<unsigned char>(c);
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\'': out += "\\'"; break;
      case '"': out += "\\\""; break;
      case '<': out += "\\u003C"; break;
      case '>': out += "\\u003E"; break;
      case '&': out += "\\u0026"; break;
      case '=': out += "\\u003D"; break;
      default:
        if (byte < ' ') {
          out += absl::StrFormat("\\u%04X", byte);
        } else {
          out += c;
        }
    }
  }
  return out;
}

// url.QueryEscape.
std::string UrlQueryEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    unsigned char byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += absl::StrFormat("%%%02X", byte);
    }
  }
  return out;
}

template <typename Transform>
Function StringFunction(Transform transform) {
  return {1, 1, [transform](const Args& args) -> absl::StatusOr<Value> {
            absl::StatusOr<std::string> text = StringArg(args[0]);
            if (!text.ok()) return text.status();
            return String(transform(*text));
          }};
}

std::map<std::string, Function, std::less<>> MakeFunctions() {
  std::map<std::string, Function, std::less<>> functions;
  // and/or are short-circuited by the executor; these see all arguments.
  functions["and"] = {1, kVariadic, [](const Args& args) -> absl::StatusOr<Value> {
                        for (const Value& arg : args) {
                          if (!IsTrue(arg.json())) return arg;
                        }
                        return args.back();
                      }};
  functions["or"] = {1, kVariadic, [](const Args& args) -> absl::StatusOr<Value> {
                       for (const Value& arg : args) {
                         if (IsTrue(arg.json())) return arg;
                       }
                       return args.back();
                     }};
  functions["not"] = {1, 1, [](const Args& args) -> absl::StatusOr<Value> {
                        return Bool(!IsTrue(args[0].json()));
                      }};
  functions["len"] = {1, 1, Len};
  functions["index"] = {1, kVariadic, Index};
  functions["slice"] = {1, kVariadic, Slice};
  functions["print"] = {0, kVariadic, [](const Args& args) -> absl::StatusOr<Value> {
                          return String(GoSprint(Jsons(args)));
                        }};
  functions["println"] = {0, kVariadic, [](const Args& args) -> absl::StatusOr<Value> {
                            return String(GoSprintln(Jsons(args)));
                          }};
  functions["printf"] = {1, kVariadic, [](const Args& args) -> absl::StatusOr<Value> {
                           absl::StatusOr<std::string> format = StringArg(args[0]);
                           if (!format.ok()) return format.status();
                           return String(GoSprintf(*format, Jsons(args, 1)));
                         }};
  functions["html"] = {0, kVariadic, [](const Args& args) -> absl::StatusOr<Value> {
                         return String(HtmlEscape(EscaperInput(args)));
                       }};
  functions["js"] = {0, kVariadic, [](const Args& args) -> absl::StatusOr<Value> {
                       return String(JsEscape(EscaperInput(args)));
                     }};
  functions["urlquery"] = {0, kVariadic, [](const Args& args) -> absl::StatusOr<Value> {
                             return String(UrlQueryEscape(EscaperInput(args)));
                           }};
  functions["eq"] = {1, kVariadic, Eq};
  functions["ne"] = {2, 2, Ne};
  functions["lt"] = {2, 2, Order<false, false>};
  functions["le"] = {2, 2, Order<false, true>};
  functions["gt"] = {2, 2, Order<true, true>};
  functions["ge"] = {2, 2, Order<true, false>};
  // docker's additions (github.com/docker/cli/templates).
  functions["json"] = {1, 1, [](const Args& args) -> absl::StatusOr<Value> {
                         // Compact, and invalid UTF-8 replaced instead of throwing.
                         return String(args[0].json().dump(-1, ' ', false, json::error_handler_t::replace));
                       }};
  functions["split"] = {2, 2, [](const Args& args) -> absl::StatusOr<Value> {
                          absl::StatusOr<std::string> text = StringArg(args[0]);
                          if (!text.ok()) return text.status();
                          absl::StatusOr<std::string> separator = StringArg(args[1]);
                          if (!separator.ok()) return separator.status();
                          return Value::Own(json(Split(*text, *separator)));
                        }};
  functions["join"] = {2, 2, [](const Args& args) -> absl::StatusOr<Value> {
                         absl::StatusOr<std::vector<std::string>> items = StringsArg(args[0]);
                         if (!items.ok()) return items.status();
                         absl::StatusOr<std::string> separator = StringArg(args[1]);
                         if (!separator.ok()) return separator.status();
                         return String(absl::StrJoin(*items, *separator));
                       }};
  functions["title"] = StringFunction(Title);
  functions["lower"] = StringFunction([](const std::string& text) { return absl::AsciiStrToLower(text); });
  functions["upper"] = StringFunction([](const std::string& text) { return absl::AsciiStrToUpper(text); });
  functions["pad"] = {3, 3, [](const Args& args) -> absl::StatusOr<Value> {
                        absl::StatusOr<std::string> text = StringArg(args[0]);
                        if (!text.ok()) return text.status();
                        absl::StatusOr<int64_t> prefix = IntArg(args[1]);
                        if (!prefix.ok()) return prefix.status();
                        absl::StatusOr<int64_t> suffix = IntArg(args[2]);
                        if (!suffix.ok()) return suffix.status();
                        if (*prefix < 0 || *suffix < 0 || *prefix > 4096 || *suffix > 4096) {
                          return Failed("strings: negative Repeat count");
                        }
                        if (text->empty()) return String("");
                        return String(std::string(static_cast<size_t>(*prefix), ' ') + *text +
                                      std::string(static_cast<size_t>(*suffix), ' '));
                      }};
  functions["truncate"] = {2, 2, [](const Args& args) -> absl::StatusOr<Value> {
                             absl::StatusOr<std::string> text = StringArg(args[0]);
                             if (!text.ok()) return text.status();
                             absl::StatusOr<int64_t> length = IntArg(args[1]);
                             if (!length.ok()) return length.status();
                             if (*length < 0) return Failed(absl::StrCat("slice bounds out of range [:", *length, "]"));
                             // Bytes, as docker cuts them.
                             return String(text->substr(0, static_cast<size_t>(*length)));
                           }};
  return functions;
}

// The header functions take the column name first, as the real ones take
// their data, and return it.
std::map<std::string, Function, std::less<>> MakeHeaderFunctions() {
  auto column_name = [](const Args& args) -> absl::StatusOr<Value> {
    absl::StatusOr<std::string> text = StringArg(args[0]);
    if (!text.ok()) return text.status();
    return args[0];
  };
  std::map<std::string, Function, std::less<>> functions;
  for (const char* name : {"json", "title", "lower", "upper"}) functions[name] = {1, 1, column_name};
  for (const char* name : {"split", "join", "truncate"}) functions[name] = {2, 2, column_name};
  return functions;
}

}  // namespace

const Function* FindFunction(absl::string_view name) {
  static const auto* functions = new std::map<std::string, Function, std::less<>>(MakeFunctions());
  auto found = functions->find(name);
  return found == functions->end() ? nullptr : &found->second;
}

const Function* FindHeaderFunction(absl::string_view name) {
  static const auto* functions = new std::map<std::string, Function, std::less<>>(MakeHeaderFunctions());
  auto found = functions->find(name);
  return found == functions->end() ? FindFunction(name) : &found->second;
}

}  // namespace berth::cli::gotmpl
