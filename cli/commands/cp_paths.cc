#include "cli/commands/cp_paths.h"

#include "absl/strings/match.h"

namespace berth::cli {
namespace {

bool AssertsDirectory(const std::string& path) {
  return absl::EndsWith(path, "/") || absl::EndsWith(path, "/.") || path == ".";
}

std::string TrimSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

CpArgument SplitCpArgument(const std::string& argument) {
  if (argument.empty() || argument[0] == '/' || argument[0] == '.') return {"", argument};
  size_t colon = argument.find(':');
  if (colon == std::string::npos) return {"", argument};
  return {argument.substr(0, colon), argument.substr(colon + 1)};
}

std::string TarTopName(const std::string& path) {
  if (absl::EndsWith(path, "/.") || path == ".") return ".";
  std::string trimmed = TrimSlashes(path);
  size_t slash = trimmed.rfind('/');
  std::string base = slash == std::string::npos ? trimmed : trimmed.substr(slash + 1);
  return base.empty() ? "." : base;
}

std::string DirectoryOf(const std::string& path) {
  if (absl::EndsWith(path, "/.")) return TrimSlashes(path.substr(0, path.size() - 2));
  std::string trimmed = TrimSlashes(path);
  size_t slash = trimmed.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return trimmed.substr(0, slash);
}

absl::StatusOr<ExtractPlan> PlanExtraction(const std::string& source_path, bool source_is_dir,
                                           const Destination& destination) {
  std::string source_base = TarTopName(source_path);
  std::string destination_base = TarTopName(destination.path);
  std::string destination_dir = DirectoryOf(destination.path);
  if (destination.exists && destination.is_dir) return ExtractPlan{destination.path, "", ""};
  if (destination.exists && source_is_dir) return absl::InvalidArgumentError("cannot copy directory");
  if (destination.exists || source_is_dir) {
    return ExtractPlan{destination_dir, source_base, destination_base};
  }
  if (AssertsDirectory(destination.path)) return absl::NotFoundError("no such directory");
  return ExtractPlan{destination_dir, source_base, destination_base};
}

}  // namespace berth::cli
