#include "cli/template_exec.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "cli/template_docker_fields.h"
#include "cli/template_error.h"
#include "cli/template_funcs.h"
#include "cli/template_value.h"

namespace berth::cli::gotmpl {
namespace {

// JSON loses the difference between a Go struct and a Go map, which decides
// what a missing name means: an unknown struct field is an error ("can't
// evaluate field"), a missing map key is <no value>. docker's objects are
// structs marshalled with exported (capitalised) field names; its maps
// (labels, options, networks by name, ports) have keys of any shape. So an
// object whose keys all look like exported Go fields is taken for a struct.
bool LooksLikeStruct(const nlohmann::json& object) {
  if (object.empty()) return false;
  for (const auto& item : object.items()) {
    const std::string& key = item.key();
    if (key.empty() || !absl::ascii_isupper(static_cast<unsigned char>(key[0]))) return false;
    for (char c : key) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) return false;
    }
  }
  return true;
}

class Executor {
 public:
  Executor(absl::string_view source, const nlohmann::json& data, ExecOptions options)
      : source_(source), data_(data), header_functions_(options.header_functions), missing_(options.missing) {
    variables_.emplace_back("$", Value::Of(data));
  }

  absl::StatusOr<std::string> Run(const NodeList& tree) {
    absl::StatusOr<Flow> flow = Walk(tree, Value::Of(data_));
    if (!flow.ok()) return flow.status();
    return std::move(out_);
  }

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  absl::Status Error(size_t pos, absl::string_view context, absl::string_view message) const {
    return ExecError(source_, pos, context, message);
  }

  absl::StatusOr<Flow> Walk(const NodeList& list, const Value& dot) {
    for (const Node& node : list) {
      absl::StatusOr<Flow> flow = WalkNode(node, dot);
      if (!flow.ok() || *flow != Flow::kNormal) return flow;
    }
    return Flow::kNormal;
  }

  absl::StatusOr<Flow> WalkNode(const Node& node, const Value& dot) {
    switch (node.kind) {
      case Node::Kind::kText:
        out_ += node.text;
        return Flow::kNormal;
      case Node::Kind::kBreak:
        return Flow::kBreak;
      case Node::Kind::kContinue:
        return Flow::kContinue;
      case Node::Kind::kAction: {
        absl::StatusOr<Value> value = EvalPipeline(*node.pipeline, dot);
        if (!value.ok()) return value.status();
        // A declaration ({{$x := ...}}) prints nothing.
        if (node.pipeline->declarations.empty()) out_ += Print(*value);
        return Flow::kNormal;
      }
      case Node::Kind::kIf:
      case Node::Kind::kWith:
        return WalkIfOrWith(node, dot);
      case Node::Kind::kRange:
        return WalkRange(node, dot);
    }
    return Flow::kNormal;
  }

  // What an action prints: nil and missing values as Go's <no value>, but
  // a nil pointer, slice or map of a typed struct as fmt prints those.
  static std::string Print(const Value& value) {
    if (value.json().is_null()) {
      switch (value.kind()) {
        case GoKind::kPointer:
          return "<nil>";
        case GoKind::kSlice:
          return "[]";
        case GoKind::kMap:
          return "map[]";
        case GoKind::kUnknown:
          break;
      }
      return "<no value>";
    }
    return FormatValue(value.json());
  }

  absl::StatusOr<Flow> WalkIfOrWith(const Node& node, const Value& dot) {
    size_t mark = variables_.size();
    absl::StatusOr<Value> value = EvalPipeline(*node.pipeline, dot);
    if (!value.ok()) return value.status();
    absl::StatusOr<Flow> flow = Flow::kNormal;
    if (IsTrue(value->json())) {
      flow = Walk(node.list, node.kind == Node::Kind::kWith ? *value : dot);
    } else {
      flow = Walk(node.else_list, dot);
    }
    variables_.resize(mark);
    return flow;
  }

  absl::StatusOr<Flow> WalkRange(const Node& node, const Value& dot) {
    size_t mark = variables_.size();
    absl::StatusOr<Value> value = EvalPipeline(*node.pipeline, dot);
    if (!value.ok()) return value.status();
    const nlohmann::json& items = value->json();
    if (!items.is_array() && !items.is_object() && !items.is_null()) {
      return Error(node.pipeline->pos, node.pipeline->text,
                   absl::StrCat("range can't iterate over ", FormatValue(items)));
    }
    size_t declared = node.pipeline->declarations.size();
    size_t body_mark = variables_.size();
    bool any = false;
    size_t index = 0;
    // Arrays in order; maps by sorted key (nlohmann keeps keys sorted, as Go sorts them).
    for (auto it = items.begin(); items.is_structured() && it != items.end(); ++it, ++index) {
      any = true;
      Value element = value->Part(*it);
      // One variable is the element; two are the key (or index) and the element.
      if (declared == 1) Bind(*node.pipeline, 0, body_mark, element);
      if (declared == 2) {
        Bind(*node.pipeline, 0, body_mark,
             Value::Own(items.is_object() ? nlohmann::json(it.key()) : nlohmann::json(index)));
        Bind(*node.pipeline, 1, body_mark, element);
      }
      absl::StatusOr<Flow> flow = Walk(node.list, element);
      variables_.resize(body_mark);
      if (!flow.ok()) return flow.status();
      if (*flow == Flow::kBreak) break;
    }
    absl::StatusOr<Flow> flow = Flow::kNormal;
    if (!any) flow = Walk(node.else_list, dot);
    variables_.resize(mark);
    if (!flow.ok()) return flow.status();
    return Flow::kNormal;
  }

  // Sets the k-th variable of a range: declared ones sit just below
  // body_mark, assigned ones ($x = ...) are found by name.
  void Bind(const Pipeline& pipeline, size_t k, size_t body_mark, Value value) {
    if (!pipeline.is_assignment) {
      variables_[body_mark - pipeline.declarations.size() + k].second = std::move(value);
    } else if (Value* variable = FindVariable(pipeline.declarations[k])) {
      *variable = std::move(value);
    }
  }

  Value* FindVariable(const std::string& name) {
    for (auto it = variables_.rbegin(); it != variables_.rend(); ++it) {
      if (it->first == name) return &it->second;
    }
    return nullptr;
  }

  absl::StatusOr<Value> EvalPipeline(const Pipeline& pipeline, const Value& dot) {
    std::optional<Value> value;
    for (const Command& command : pipeline.commands) {
      absl::StatusOr<Value> result = EvalCommand(command, dot, value);
      if (!result.ok()) return result.status();
      value = std::move(*result);
    }
    for (const std::string& name : pipeline.declarations) {
      if (pipeline.is_assignment) {
        Value* variable = FindVariable(name);
        if (variable == nullptr) {
          return Error(pipeline.pos, pipeline.text, absl::StrCat("undefined variable: ", name));
        }
        *variable = *value;
      } else {
        variables_.emplace_back(name, *value);
      }
    }
    return *value;
  }

  // final is the value piped in from the previous command: the last argument.
  absl::StatusOr<Value> EvalCommand(const Command& command, const Value& dot, const std::optional<Value>& final) {
    const Operand& first = command.args[0];
    bool has_args = command.args.size() > 1 || final.has_value();
    switch (first.kind) {
      case Operand::Kind::kField:
        return EvalFields(dot, first, has_args);
      case Operand::Kind::kFunction: {
        if (first.fields.empty()) {
          return CallFunction(first.name, command.args, 1, command.pos, command.text, dot, final);
        }
        // (f).Field: f takes no arguments; any given go to the last field.
        absl::StatusOr<Value> result = CallFunction(first.name, {}, 0, first.pos, first.text, dot, std::nullopt);
        if (!result.ok()) return result;
        return EvalFields(*result, first, has_args);
      }
      case Operand::Kind::kVariable:
      case Operand::Kind::kPipeline: {
        absl::StatusOr<Value> value = EvalTerm(first, dot);
        if (!value.ok()) return value;
        if (!first.fields.empty()) return EvalFields(*value, first, has_args);
        if (has_args) return NotAFunction(first);
        return value;
      }
      case Operand::Kind::kNil:
        return Error(first.pos, first.text, "nil is not a command");
      default:
        if (has_args) return NotAFunction(first);
        return EvalArg(first, dot);
    }
  }

  absl::Status NotAFunction(const Operand& operand) const {
    return Error(operand.pos, operand.text, absl::StrCat("can't give argument to non-function ", operand.text));
  }

  // A variable or parenthesized pipeline before its field chain.
  absl::StatusOr<Value> EvalTerm(const Operand& operand, const Value& dot) {
    if (operand.kind == Operand::Kind::kPipeline) return EvalPipeline(*operand.pipeline, dot);
    Value* variable = FindVariable(operand.name);
    if (variable == nullptr) {
      return Error(operand.pos, operand.text, absl::StrCat("undefined variable: ", operand.name));
    }
    return *variable;
  }

  // An operand as a function argument.
  absl::StatusOr<Value> EvalArg(const Operand& operand, const Value& dot) {
    switch (operand.kind) {
      case Operand::Kind::kDot:
        return dot;
      case Operand::Kind::kNil:
        return Value::Own(nullptr);
      case Operand::Kind::kBool:
      case Operand::Kind::kNumber:
      case Operand::Kind::kString:
        return Value::Of(operand.literal);
      case Operand::Kind::kField:
        return EvalFields(dot, operand, false);
      case Operand::Kind::kFunction: {
        absl::StatusOr<Value> result = CallFunction(operand.name, {}, 0, operand.pos, operand.text, dot, std::nullopt);
        if (!result.ok() || operand.fields.empty()) return result;
        return EvalFields(*result, operand, false);
      }
      case Operand::Kind::kVariable:
      case Operand::Kind::kPipeline: {
        absl::StatusOr<Value> value = EvalTerm(operand, dot);
        if (!value.ok() || operand.fields.empty()) return value;
        return EvalFields(*value, operand, false);
      }
    }
    return Value();
  }

  // .A.B.C of receiver, as Go's evalField on map[string]interface{} data
  // (or on docker's typed structs, see Missing).
  absl::StatusOr<Value> EvalFields(const Value& receiver, const Operand& operand, bool has_args) {
    Value value = receiver;
    // Go reports the node it stands on: the chain (at its first field), but
    // for a function's result (println.x) still the function.
    bool of_function = operand.kind == Operand::Kind::kFunction;
    size_t pos = of_function ? operand.pos : operand.node_pos;
    const std::string& context = of_function ? operand.name : operand.text;
    for (size_t i = 0; i < operand.fields.size(); ++i) {
      const std::string& name = operand.fields[i];
      // Go: a field of no value is no value, not an error.
      if (value.is_missing()) return value;
      const nlohmann::json& json = value.json();
      if (json.is_object()) {
        if (has_args && i + 1 == operand.fields.size()) {
          return Error(pos, context, absl::StrCat(name, " is not a method but has arguments"));
        }
        bool is_map = value.kind() == GoKind::kMap || !LooksLikeStruct(json);
        auto found = json.find(name);
        if (found != json.end()) {
          value = OfField(value.Part(*found), name, is_map);
        } else if (missing_ == Missing::kError) {
          return Error(pos, context, absl::StrCat("map has no entry for key \"", name, "\""));
        } else if (is_map) {
          value = Value();
        } else if (std::optional<DockerField> field = TypedField(name)) {
          value = field->kind == GoKind::kUnknown ? Value::Own(field->zero) : Value::Own(nullptr).As(field->kind);
        } else {
          return Error(pos, context, absl::StrCat("can't evaluate field ", name));
        }
      } else if (json.is_null() && value.kind() == GoKind::kMap) {
        // A nil map has no entries: no value.
        value = Value();
      } else if (json.is_null()) {
        return Error(pos, context, absl::StrCat("nil pointer evaluating interface {}.", name));
      } else {
        return Error(pos, context, absl::StrCat("can't evaluate field ", name, " in type ",
                                               // Every value of a raw map is an interface{}.
                                               missing_ == Missing::kError && !of_function ? "interface {}"
                                                                                         : GoTypeName(json)));
      }
    }
    return value;
  }

  // What docker's typed structs say about a field (kDockerTyped only).
  std::optional<DockerField> TypedField(const std::string& name) const {
    if (missing_ != Missing::kDockerTyped) return std::nullopt;
    return FindDockerField(name);
  }

  // A struct's field carries its Go kind; a map's entry is just a value.
  Value OfField(Value value, const std::string& name, bool of_map) const {
    if (of_map) return value;
    std::optional<DockerField> field = TypedField(name);
    if (!field || field->kind == GoKind::kUnknown) return value;
    return value.As(field->kind);
  }

  // args[first_arg..] are the call's operands; final, when set, comes last.
  absl::StatusOr<Value> CallFunction(const std::string& name, const std::vector<Operand>& args, size_t first_arg,
                                     size_t pos, const std::string& context, const Value& dot,
                                     const std::optional<Value>& final) {
    const Function* function = header_functions_ ? FindHeaderFunction(name) : FindFunction(name);
    if (function == nullptr) return Error(pos, context, absl::StrCat("function \"", name, "\" not defined"));
    size_t count = (args.size() > first_arg ? args.size() - first_arg : 0) + (final.has_value() ? 1 : 0);
    if (count < function->min_args || count > function->max_args) {
      bool fixed = function->min_args == function->max_args;
      return Error(pos, context,
                   absl::StrCat("wrong number of args for ", name, ": want ", fixed ? "" : "at least ",
                                function->min_args, " got ", count));
    }
    std::vector<Value> values;
    bool short_circuit = name == "and" || name == "or";
    for (size_t i = first_arg; i <= args.size(); ++i) {
      absl::StatusOr<Value> value;
      if (i < args.size()) {
        value = EvalArg(args[i], dot);
      } else if (final.has_value()) {
        value = *final;
      } else {
        break;
      }
      if (!value.ok()) return value.status();
      // and/or stop at the first argument that decides, as Go's do.
      if (short_circuit && IsTrue(value->json()) == (name == "or")) return *value;
      values.push_back(std::move(*value));
    }
    absl::StatusOr<Value> result = function->call(values);
    if (result.ok()) return result;
    if (absl::IsInvalidArgument(result.status())) return Error(pos, context, result.status().message());
    return Error(pos, context, absl::StrCat("error calling ", name, ": ", result.status().message()));
  }

  absl::string_view source_;
  const nlohmann::json& data_;
  bool header_functions_;
  Missing missing_;
  std::vector<std::pair<std::string, Value>> variables_;
  std::string out_;
};

}  // namespace

absl::StatusOr<std::string> ExecuteTree(absl::string_view source, const NodeList& tree, const nlohmann::json& data,
                                        ExecOptions options) {
  return Executor(source, data, options).Run(tree);
}

}  // namespace berth::cli::gotmpl
