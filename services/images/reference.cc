#include "services/images/reference.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_split.h"

namespace berth::images {
namespace {

constexpr size_t kMaxNameLength = 255;

absl::Status Invalid(std::string_view why = "") {
  return absl::InvalidArgumentError(
      why.empty() ? "invalid reference format" : absl::StrCat("invalid reference format: ", std::string(why)));
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// [a-z0-9]+ separated by ".", "_", "__" or one or more "-".
bool ValidComponent(std::string_view component) {
  if (component.empty() || !IsLowerAlnum(component.front()) || !IsLowerAlnum(component.back())) {
    return false;
  }
  for (size_t i = 0; i < component.size(); ++i) {
    char c = component[i];
    if (IsLowerAlnum(c)) continue;
    if (c == '.') {
      if (!IsLowerAlnum(component[i + 1])) return false;
    } else if (c == '_') {
      if (component[i + 1] == '_') {
        ++i;
        if (!IsLowerAlnum(component[i + 1])) return false;
      } else if (!IsLowerAlnum(component[i + 1])) {
        return false;
      }
    } else if (c == '-') {
      while (component[i + 1] == '-') ++i;
      if (!IsLowerAlnum(component[i + 1])) return false;
    } else {
      return false;
    }
  }
  return true;
}

bool ValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) { return absl::ascii_isalnum(c) || c == '_'; };
  if (!word(tag[0])) return false;
  for (char c : tag) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool ValidDomain(std::string_view domain) {
  if (domain.empty()) return false;
  for (char c : domain) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string Reference::Name() const { return domain + "/" + path; }

std::string Reference::String() const {
  std::string text = Name();
  if (!tag.empty()) absl::StrAppend(&text, ":", tag);
  if (!digest.empty()) absl::StrAppend(&text, "@", digest);
  return text;
}

std::string Reference::Familiar() const {
  std::string name = Name();
  if (domain == "docker.io") {
    name = path;
    if (absl::StartsWith(name, "library/") && name.find('/', 8) == std::string::npos) {
      name = name.substr(8);
    }
  }
  if (!tag.empty()) absl::StrAppend(&name, ":", tag);
  if (!digest.empty()) absl::StrAppend(&name, "@", digest);
  return name;
}

absl::StatusOr<Reference> ParseReference(std::string_view input) {
  std::string text(input);
  if (text.empty()) return Invalid("empty reference");
  Reference reference;
  size_t at = text.find('@');
  if (at != std::string::npos) {
    reference.digest = text.substr(at + 1);
    text = text.substr(0, at);
    absl::string_view hex(reference.digest);
    bool ok = absl::ConsumePrefix(&hex, "sha256:") && hex.size() == 64;
    for (char c : hex) ok &= absl::ascii_isxdigit(c) && !absl::ascii_isupper(c);
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat("invalid digest \"", reference.digest, "\""));
    }
  }
  size_t slash = text.rfind('/');
  size_t colon = text.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    reference.tag = text.substr(colon + 1);
    text = text.substr(0, colon);
    if (!ValidTag(reference.tag)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid tag \"", reference.tag, "\""));
    }
  }
  if (text.empty()) return Invalid();
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  std::string first = parts[0];
  bool has_domain = parts.size() > 1 && (first.find('.') != std::string::npos ||
                                         first.find(':') != std::string::npos ||
                                         first == "localhost");
  if (has_domain) {
    if (!ValidDomain(first)) return Invalid();
    reference.domain = first == "index.docker.io" ? "docker.io" : first;
    parts.erase(parts.begin());
  } else {
    reference.domain = "docker.io";
  }
  for (const std::string& part : parts) {
    if (part != absl::AsciiStrToLower(part)) return Invalid("repository name must be lowercase");
    if (!ValidComponent(part)) return Invalid();
  }
  reference.path = absl::StrJoin(parts, "/");
  if (reference.domain == "docker.io" && parts.size() == 1) {
    reference.path = "library/" + reference.path;
  }
  if (reference.Name().size() > kMaxNameLength) {
    return Invalid("repository name must not be more than 255 characters");
  }
  if (reference.tag.empty() && reference.digest.empty()) reference.tag = "latest";
  return reference;
}

}  // namespace berth::images
