#ifndef BERTH_SERVICES_BUILDER_EMIT_H_
#define BERTH_SERVICES_BUILDER_EMIT_H_

// Where a build's output goes: the client's stream. Steps print what
// docker's classic builder prints; a RUN's output passes through as it
// comes.

#include <functional>
#include <string>

namespace berth::builder {

using Emit = std::function<void(const std::string& text)>;

// docker's short id: "sha256:abcd..." → its first 12 hex digits.
inline std::string ShortId(const std::string& id) {
  std::string hex = id.rfind("sha256:", 0) == 0 ? id.substr(7) : id;
  return hex.substr(0, 12);
}

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_EMIT_H_
