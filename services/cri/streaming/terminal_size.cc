#include "services/cri/streaming/terminal_size.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace berth::cri::streaming {
namespace {

// A size is a flat object: it ends at the first '}' (no nesting, and no
// braces in the numbers it carries). Past this, a '{' without its '}' is
// not a size.
constexpr size_t kMaxObject = 4096;

bool TakeDimension(const nlohmann::json& object, const char* name, uint16_t* value) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (absl::AsciiStrToLower(it.key()) != name) continue;
    if (!it.value().is_number_unsigned() || it.value().get<uint64_t>() > 0xffff) return false;
    *value = static_cast<uint16_t>(it.value().get<uint64_t>());
  }
  return true;
}

}  // namespace

std::string EncodeTerminalSize(const TerminalSize& size) {
  return absl::StrCat("{\"Width\":", size.width, ",\"Height\":", size.height, "}\n");
}

absl::Status TerminalSizeDecoder::Feed(std::string_view bytes, std::vector<TerminalSize>* sizes) {
  pending_.append(bytes);
  while (true) {
    const size_t start = pending_.find_first_not_of(" \t\r\n");
    if (start == std::string::npos) {
      pending_.clear();
      return absl::OkStatus();
    }
    if (pending_[start] != '{') return absl::InvalidArgumentError("resize stream: not a JSON object");
    const size_t end = pending_.find('}', start);
    if (end == std::string::npos) {
      if (pending_.size() - start > kMaxObject) return absl::InvalidArgumentError("resize stream: object too long");
      pending_.erase(0, start);
      return absl::OkStatus();
    }
    const nlohmann::json object =
        nlohmann::json::parse(pending_.substr(start, end - start + 1), nullptr, /*allow_exceptions=*/false);
    pending_.erase(0, end + 1);
    TerminalSize size;
    if (!object.is_object() || !TakeDimension(object, "width", &size.width) ||
        !TakeDimension(object, "height", &size.height)) {
      return absl::InvalidArgumentError("resize stream: not a terminal size");
    }
    sizes->push_back(size);
  }
}

}  // namespace berth::cri::streaming
