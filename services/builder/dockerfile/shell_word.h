#ifndef BERTH_SERVICES_BUILDER_DOCKERFILE_SHELL_WORD_H_
#define BERTH_SERVICES_BUILDER_DOCKERFILE_SHELL_WORD_H_

// Variable substitution and quote removal as docker's shell lexer
// (ProcessWord / ProcessWords): the builder applies it per instruction, to
// the instructions docker expands, after parsing.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::builder {

// Variables in scope: build args and ENV of the stage. A name missing from
// the map is unset; a name mapped to "" is set and empty (`${v-w}` differs).
using ShellEnv = std::map<std::string, std::string>;

// One word: quotes removed, `$v`, `${v}`, `${v:-w}`, `${v-w}`, `${v:+w}`,
// `${v+w}`, `${v:?msg}`, `${v?msg}`, `${v#p}`, `${v##p}`, `${v%p}`,
// `${v%%p}` expanded (an unset variable is empty),
// the escape character (`\` or `` ` `` from the directive) escaping the next
// character outside single quotes. Errors carry docker's texts ("syntax
// error: missing '}'", "unexpected end of statement while looking for
// matching double-quote", ...).
absl::StatusOr<std::string> ProcessWord(const std::string& text,
                                        const ShellEnv& env,
                                        char escape = '\\');

// The same, split into words on unquoted white space (also white space that
// an unquoted expansion produced), as EXPOSE and VOLUME's list forms use.
absl::StatusOr<std::vector<std::string>> ProcessWords(const std::string& text,
                                                      const ShellEnv& env,
                                                      char escape = '\\');

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DOCKERFILE_SHELL_WORD_H_
