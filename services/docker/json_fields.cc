#include "services/docker/json_fields.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace berth::docker {
namespace {

using nlohmann::json;

// Go's names for JSON value kinds, as its decoder words the error.
const char* GoKind(const json& value) {
  if (value.is_string()) return "string";
  if (value.is_number()) return "number";
  if (value.is_boolean()) return "bool";
  if (value.is_array()) return "array";
  if (value.is_object()) return "object";
  return "null";
}

}  // namespace

JsonFields::JsonFields(const json& object, std::string where)
    : JsonFields(object, std::move(where), std::make_shared<absl::Status>()) {}

JsonFields::JsonFields(const json& object, std::string where, std::shared_ptr<absl::Status> status)
    : object_(object), where_(std::move(where)), status_(std::move(status)) {}

JsonFields JsonFields::Nested(const json& object, const std::string& where) const {
  return JsonFields(object, where, status_);
}

bool JsonFields::Has(const char* key) const { return Field(key) != nullptr; }

const json* JsonFields::Field(const char* key) const {
  if (!status_->ok() || !object_.is_object()) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

void JsonFields::TypeError(const char* key, const json& value, const char* go_type) {
  if (!status_->ok()) return;
  *status_ = absl::InvalidArgumentError(absl::StrCat("json: cannot unmarshal ", GoKind(value),
                                                     " into Go struct field ", where_, ".", key,
                                                     " of type ", go_type));
}

bool JsonFields::String(const char* key, std::string* out) {
  const json* value = Field(key);
  if (value == nullptr) return false;
  if (!value->is_string()) {
    TypeError(key, *value, "string");
    return false;
  }
  *out = value->get<std::string>();
  return true;
}

bool JsonFields::Int(const char* key, int64_t* out) {
  const json* value = Field(key);
  if (value == nullptr) return false;
  if (value->is_number_integer()) {
    *out = value->get<int64_t>();
    return true;
  }
  // Go refuses fractions for integer fields; a whole float is an integer.
  if (value->is_number_float()) {
    double number = value->get<double>();
    if (std::floor(number) == number && std::fabs(number) < 9.2e18) {
      *out = static_cast<int64_t>(number);
      return true;
    }
  }
  TypeError(key, *value, "int64");
  return false;
}

bool JsonFields::Bool(const char* key, bool* out) {
  const json* value = Field(key);
  if (value == nullptr) return false;
  if (!value->is_boolean()) {
    TypeError(key, *value, "bool");
    return false;
  }
  *out = value->get<bool>();
  return true;
}

bool JsonFields::Strings(const char* key, std::vector<std::string>* out, bool allow_single) {
  const json* value = Field(key);
  if (value == nullptr) return false;
  if (allow_single && value->is_string()) {
    *out = {value->get<std::string>()};
    return true;
  }
  if (!value->is_array()) {
    TypeError(key, *value, "[]string");
    return false;
  }
  std::vector<std::string> items;
  for (const json& item : *value) {
    if (!item.is_string()) {
      TypeError(key, item, "string");
      return false;
    }
    items.push_back(item.get<std::string>());
  }
  *out = std::move(items);
  return true;
}

bool JsonFields::StringMap(const char* key, std::map<std::string, std::string>* out) {
  const json* value = Field(key);
  if (value == nullptr) return false;
  if (!value->is_object()) {
    TypeError(key, *value, "map[string]string");
    return false;
  }
  for (const auto& [name, item] : value->items()) {
    if (!item.is_string()) {
      TypeError(key, item, "string");
      return false;
    }
    (*out)[name] = item.get<std::string>();
  }
  return true;
}

const json* JsonFields::Object(const char* key) {
  const json* value = Field(key);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) {
    TypeError(key, *value, "struct");
    return nullptr;
  }
  return value;
}

const json* JsonFields::Array(const char* key) {
  const json* value = Field(key);
  if (value == nullptr) return nullptr;
  if (!value->is_array()) {
    TypeError(key, *value, "slice");
    return nullptr;
  }
  return value;
}

}  // namespace berth::docker
