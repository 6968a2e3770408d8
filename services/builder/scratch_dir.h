#ifndef BERTH_SERVICES_BUILDER_SCRATCH_DIR_H_
#define BERTH_SERVICES_BUILDER_SCRATCH_DIR_H_

// A private directory of the builder's, removed with this object.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/fs/fs_util.h"

namespace berth::builder {

class ScratchDir {
 public:
  static absl::StatusOr<std::unique_ptr<ScratchDir>> Make(const std::string& parent) {
    std::string path = parent + "/" + fs::RandomHex(8);
    if (absl::Status made = fs::MakeDirectories(path, 0700); !made.ok()) return made;
    return std::unique_ptr<ScratchDir>(new ScratchDir(path));
  }
  ~ScratchDir() { (void)fs::RemoveAll(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_SCRATCH_DIR_H_
