#ifndef BERTH_SERVICES_DOCKER_JSON_FIELDS_H_
#define BERTH_SERVICES_DOCKER_JSON_FIELDS_H_

// Typed reads of an untrusted JSON object. A missing or null field leaves
// the output alone; a field of the wrong type records dockerd's decoder
// error ("json: cannot unmarshal string into Go struct field
// HostConfig.Memory of type int64") and every later read is a no-op, so a
// translation reads straight through and checks status() once.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace berth::docker {

class JsonFields {
 public:
  // `where` names the object in errors ("Config", "HostConfig").
  JsonFields(const nlohmann::json& object, std::string where);

  bool String(const char* key, std::string* out);
  bool Int(const char* key, int64_t* out);
  bool Bool(const char* key, bool* out);
  // A list of strings; docker also takes one string for Cmd/Entrypoint.
  bool Strings(const char* key, std::vector<std::string>* out, bool allow_single = false);
  bool StringMap(const char* key, std::map<std::string, std::string>* out);
  // An object field (nullptr when missing, null, or of the wrong type).
  const nlohmann::json* Object(const char* key);
  // An array field (nullptr when missing or null).
  const nlohmann::json* Array(const char* key);
  bool Has(const char* key) const;

  // Shared by nested readers: the first error wins.
  absl::Status status() const { return *status_; }
  JsonFields Nested(const nlohmann::json& object, const std::string& where) const;

 private:
  JsonFields(const nlohmann::json& object, std::string where,
             std::shared_ptr<absl::Status> status);
  const nlohmann::json* Field(const char* key) const;
  void TypeError(const char* key, const nlohmann::json& value, const char* go_type);

  const nlohmann::json& object_;
  std::string where_;
  std::shared_ptr<absl::Status> status_;
};

}  // namespace berth::docker

#endif  // BERTH_SERVICES_DOCKER_JSON_FIELDS_H_
