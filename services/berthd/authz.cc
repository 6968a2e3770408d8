#include "services/berthd/authz.h"

#include <grpcpp/security/auth_context.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "berth/api/v1/options.pb.h"

namespace berth::berthd {
namespace {

constexpr int kMaxAuditDepth = 3;

std::string FindAuditTarget(const google::protobuf::Message& message, int depth) {
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  const google::protobuf::Reflection* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    if (field->is_repeated()) continue;
    if (field->options().GetExtension(berth::api::v1::audit_target) &&
        field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
      return reflection->GetString(message, field);
    }
    if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE &&
        depth < kMaxAuditDepth && reflection->HasField(message, field)) {
      std::string nested = FindAuditTarget(reflection->GetMessage(message, field), depth + 1);
      if (!nested.empty()) return nested;
    }
  }
  return "";
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kViewer:
      return "viewer";
    case Role::kNone:
      break;
  }
  return "none";
}

std::vector<std::pair<std::string, std::string>> ParseDistinguishedName(std::string_view dn) {
  std::vector<std::pair<std::string, std::string>> result;
  std::string key, value;
  bool in_value = false;
  auto flush = [&] {
    if (!key.empty()) result.emplace_back(key, value);
    key.clear();
    value.clear();
    in_value = false;
  };
  for (size_t i = 0; i < dn.size(); ++i) {
    char c = dn[i];
    if (c == '\\' && i + 1 < dn.size()) {
      (in_value ? value : key).push_back(dn[++i]);
    } else if (!in_value && c == '=') {
      in_value = true;
    } else if (c == ',' || c == '+') {
      flush();
    } else if (!in_value && c == ' ' && key.empty()) {
      // Leading blanks after a separator ("CN=a, O=b").
    } else {
      (in_value ? value : key).push_back(c);
    }
  }
  flush();
  return result;
}

PeerIdentity IdentityFromAuthContext(const grpc::AuthContext& context, bool local) {
  PeerIdentity identity;
  identity.local = local;
  if (local) {
    identity.name = "local";
    return identity;
  }
  for (const grpc::string_ref& subject : context.FindPropertyValues("x509_subject")) {
    identity.name.assign(subject.data(), subject.size());
    for (const auto& [attribute, value] : ParseDistinguishedName(identity.name)) {
      if (attribute == "O") identity.organizations.push_back(value);
      if (attribute == "CN") identity.common_name = value;
    }
  }
  if (identity.common_name.empty()) {
    for (const grpc::string_ref& cn : context.FindPropertyValues("x509_common_name")) {
      identity.common_name.assign(cn.data(), cn.size());
    }
  }
  if (identity.name.empty()) identity.name = "anonymous";
  return identity;
}

Role MapRole(const PeerIdentity& identity, const std::map<std::string, std::string>& roles) {
  if (identity.local) return Role::kAdmin;
  static const std::map<std::string, std::string> kDefaultRoles = {{"admin", "admin"},
                                                                   {"viewer", "viewer"}};
  const auto& table = roles.empty() ? kDefaultRoles : roles;
  Role best = Role::kNone;
  auto consider = [&](const std::string& name) {
    auto it = table.find(name);
    if (it == table.end()) return;
    Role role = it->second == "admin" ? Role::kAdmin
                : it->second == "viewer" ? Role::kViewer
                                         : Role::kNone;
    if (static_cast<int>(role) > static_cast<int>(best)) best = role;
  };
  for (const std::string& org : identity.organizations) consider(org);
  // The common name is only a fallback: an explicit mapping can name one
  // client; by default no CN grants anything.
  if (!roles.empty() && !identity.common_name.empty()) consider(identity.common_name);
  return best;
}

MethodPolicy LookupMethod(std::string_view path) {
  MethodPolicy policy;
  // "/berth.images.v1.Images/Pull" → "berth.images.v1.Images.Pull"
  if (path.size() < 4 || path[0] != '/') return policy;
  std::string full(path.substr(1));
  size_t slash = full.rfind('/');
  if (slash == std::string::npos) return policy;
  full[slash] = '.';
  policy.method = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full);
  if (policy.method != nullptr) {
    policy.read_only = policy.method->options().GetExtension(berth::api::v1::read_only);
  }
  return policy;
}

absl::Status Authorize(const PeerIdentity& identity, Role role, const MethodPolicy& policy) {
  if (role == Role::kAdmin) return absl::OkStatus();
  std::string method = policy.method ? policy.method->full_name() : "unknown method";
  if (role == Role::kViewer && policy.read_only) return absl::OkStatus();
  if (role == Role::kViewer) {
    return absl::PermissionDeniedError(absl::StrCat("permission denied: ", identity.name,
                                                    " has role viewer, which may not call ",
                                                    method));
  }
  return absl::PermissionDeniedError(
      absl::StrCat("permission denied: ", identity.name, " has no role"));
}

std::string AuditTarget(const google::protobuf::Message& message) {
  return FindAuditTarget(message, 0);
}

}  // namespace berth::berthd
