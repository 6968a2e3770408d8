#include "services/common/namespaces/namespace.h"

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace berth::namespaces {

absl::Status Validate(absl::string_view name) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "namespace \"", name,
        "\": invalid namespace name (letters and digits, joined by '.', '_' or '-', "
        "at most 76 characters)"));
  };
  if (name.empty() || name.size() > 76) return invalid();
  bool after_separator = true;  // a name starts, and may not end, with a separator
  for (char c : name) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      after_separator = false;
    } else if (c == '.' || c == '_' || c == '-') {
      if (after_separator) return invalid();
      after_separator = true;
    } else {
      return invalid();
    }
  }
  if (after_separator) return invalid();
  return absl::OkStatus();
}

absl::StatusOr<std::string> NamespaceOf(const grpc::ServerContext& context) {
  auto [begin, end] = context.client_metadata().equal_range(kMetadataKey);
  if (begin == end) return std::string(kDefault);
  if (std::next(begin) != end) {
    return absl::InvalidArgumentError("more than one berth-namespace in the request's metadata");
  }
  std::string name(begin->second.data(), begin->second.size());
  if (absl::Status status = Validate(name); !status.ok()) return status;
  return name;
}

void SetNamespace(grpc::ClientContext& context, const std::string& name) {
  if (name.empty() || name == kDefault) return;
  context.AddMetadata(kMetadataKey, name);
}

}  // namespace berth::namespaces
