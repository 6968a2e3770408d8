#ifndef BERTH_CLI_TEMPLATE_AST_H_
#define BERTH_CLI_TEMPLATE_AST_H_

// The parsed form of a Go text/template, shaped like Go's parse package:
// a list of nodes (text, actions, control structures); actions hold a
// pipeline of commands; commands hold operands.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace berth::cli::gotmpl {

struct Pipeline;

struct Operand {
  enum class Kind {
    kDot,       // .
    kNil,       // nil
    kBool,      // true, false
    kNumber,    // 1, 1.5
    kString,    // "text"
    kField,     // .A.B: fields of dot
    kVariable,  // $x.A.B: fields of a variable
    kFunction,  // printf, index, ...
    kPipeline,  // (pipeline).A.B
  };
  Kind kind = Kind::kDot;
  size_t pos = 0;
  // Where Go's parser puts the node, which errors report: the first field
  // chained onto the term when there is one (.A.B: at .B), else pos.
  size_t node_pos = 0;
  std::string text;          // source text, shown in errors
  nlohmann::json literal;    // kBool, kNumber, kString
  std::string name;          // kVariable ("$x") and kFunction
  std::vector<std::string> fields;
  std::unique_ptr<Pipeline> pipeline;  // kPipeline
};

struct Command {
  size_t pos = 0;
  std::string text;
  std::vector<Operand> args;  // args[0] is what is called or evaluated
};

struct Pipeline {
  size_t pos = 0;
  std::string text;
  std::vector<std::string> declarations;  // $x := ... or $i, $v := ... (range)
  bool is_assignment = false;             // $x = ...
  std::vector<Command> commands;          // joined by |
};

struct Node;
using NodeList = std::vector<Node>;

struct Node {
  enum class Kind { kText, kAction, kIf, kRange, kWith, kBreak, kContinue };
  Kind kind = Kind::kText;
  size_t pos = 0;
  std::string text;                   // kText
  std::unique_ptr<Pipeline> pipeline;  // kAction, kIf, kRange, kWith
  NodeList list;                      // body of if/range/with
  NodeList else_list;                 // {{else}} part
};

}  // namespace berth::cli::gotmpl

#endif  // BERTH_CLI_TEMPLATE_AST_H_
