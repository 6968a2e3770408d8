#ifndef BERTH_SERVICES_BUILDER_DOCKERFILE_INSTRUCTION_H_
#define BERTH_SERVICES_BUILDER_DOCKERFILE_INSTRUCTION_H_

// One parsed Dockerfile instruction, the shape docker's parser and
// instructions package give it. Values are as written: variable
// substitution (ProcessWord) is the builder's job, per instruction.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace berth::builder {

// ENV and LABEL pairs (`k=v` or the legacy `k v`), ARG names with an
// optional default. Quotes and escapes are still in key and value.
struct KeyValue {
  std::string key;
  std::optional<std::string> value;  // unset only for `ARG name`
  bool legacy_form = false;          // `ENV k v`: docker warns about it
};

// HEALTHCHECK: NONE, or CMD with its options (0 = not given, the default).
struct HealthCheck {
  // {"NONE"}, {"CMD", args...} (JSON form) or {"CMD-SHELL", command}.
  std::vector<std::string> test;
  int64_t interval_ns = 0;
  int64_t timeout_ns = 0;
  int64_t start_period_ns = 0;
  int64_t start_interval_ns = 0;
  int retries = 0;
};

struct Instruction {
  std::string keyword;   // upper-cased: "RUN"
  std::string original;  // the logical line, continuations joined
  int line = 0;          // its first line, 1-based
  int end_line = 0;

  // `--name=value` in order; a boolean flag given bare has "true".
  std::vector<std::pair<std::string, std::string>> flags;

  // The arguments as docker's parser lists them: the JSON array's strings
  // (json_form), else the shell form: the rest of the line as one string
  // for RUN/CMD/ENTRYPOINT/SHELL/USER/WORKDIR/..., split on blanks for
  // FROM/EXPOSE/VOLUME/COPY/ADD.
  std::vector<std::string> args;
  bool json_form = false;

  std::vector<KeyValue> pairs;  // ENV, LABEL, ARG

  std::string base_name;   // FROM image
  std::string stage_name;  // FROM ... AS name (lower-cased), else empty

  std::vector<std::string> sources;  // COPY/ADD
  std::string destination;

  std::optional<HealthCheck> health;  // HEALTHCHECK

  // ONBUILD: the trigger as written after the keyword, and parsed.
  std::string trigger_text;
  std::shared_ptr<const Instruction> trigger;

  // The flag's value (the last one when repeated), nullptr when absent.
  const std::string* Flag(const std::string& name) const {
    const std::string* found = nullptr;
    for (const auto& [flag, value] : flags) {
      if (flag == name) found = &value;
    }
    return found;
  }
};

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DOCKERFILE_INSTRUCTION_H_
