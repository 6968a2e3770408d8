#include "services/builder/image_view.h"

#include <sys/mount.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/fs/fs_util.h"

namespace berth::builder {

absl::StatusOr<std::unique_ptr<ImageView>> ImageView::Open(Backends* backends,
                                                           const std::string& chain_id,
                                                           const std::string& scratch_dir) {
  std::string key = "build-view-" + fs::RandomHex(8);
  std::unique_ptr<ImageView> view(new ImageView(backends, chain_id.empty() ? "" : key));
  if (chain_id.empty()) return view;
  berth::snapshots::v1::ViewRequest request;
  request.set_key(key);
  request.set_parent(chain_id);
  berth::snapshots::v1::MountsResponse mounts;
  auto context = Call();
  grpc::Status status = backends->snapshots->View(context.get(), request, &mounts);
  if (!status.ok()) {
    view->key_.clear();
    return FromGrpc(status, "view " + chain_id);
  }
  std::string target = absl::StrCat(scratch_dir, "/views/", key);
  if (absl::Status made = fs::MakeDirectories(target, 0700); !made.ok()) return made;
  std::vector<berth::types::v1::Mount> list(mounts.mounts().begin(), mounts.mounts().end());
  if (absl::Status mounted = mount::MountAll(list, target); !mounted.ok()) {
    ::rmdir(target.c_str());
    return mounted;
  }
  view->mount_ = mount::ScopedMount(target);
  return view;
}

ImageView::~ImageView() {
  std::string target = mount_.target();
  (void)mount_.Release();
  if (!target.empty()) ::rmdir(target.c_str());
  if (key_.empty()) return;
  berth::snapshots::v1::RemoveRequest request;
  request.set_key(key_);
  berth::snapshots::v1::RemoveResponse response;
  auto context = Call();
  (void)backends_->snapshots->Remove(context.get(), request, &response);
}

void RemoveLeftoverViews(const std::string& scratch_dir) {
  std::string prefix = scratch_dir + "/views/";
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  std::vector<std::string> targets;
  while (std::getline(mountinfo, line)) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    if (fields.size() > 4 && absl::StartsWith(fields[4], prefix)) targets.push_back(fields[4]);
  }
  for (const std::string& target : targets) {
    ::umount2(target.c_str(), MNT_DETACH);
    ::rmdir(target.c_str());
  }
}

}  // namespace berth::builder
