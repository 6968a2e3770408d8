#include "services/cri/cri_images.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/base/grpc_status.h"
#include "services/cri/image_convert.h"

namespace berth::cri {
namespace {

// A pull moves whole layers: the kubelet's own deadline (2 minutes by
// default, --runtime-request-timeout) is what bounds it.
constexpr auto kPullTimeout = std::chrono::hours(2);
constexpr auto kCallTimeout = std::chrono::seconds(60);

}  // namespace

absl::StatusOr<berth::images::v1::ImageDetail> CriImages::Get(const std::string& ref) {
  berth::images::v1::GetImageRequest request;
  request.set_ref(ref);
  berth::images::v1::ImageDetail detail;
  auto context = CallContext(kCallTimeout);
  grpc::Status status = backends_->images->Get(context.get(), request, &detail);
  if (!status.ok()) return FromGrpcStatus(status);
  return detail;
}

absl::StatusOr<std::vector<runtime::v1::Image>> CriImages::List(
    const runtime::v1::ImageFilter& filter) {
  std::vector<runtime::v1::Image> images;
  if (filter.has_image() && !filter.image().image().empty()) {
    auto detail = Get(filter.image().image());
    if (absl::IsNotFound(detail.status())) return images;
    if (!detail.ok()) return detail.status();
    images.push_back(ToCriImage(*detail));
    return images;
  }
  berth::images::v1::ListImagesRequest request;
  berth::images::v1::ListImagesResponse response;
  auto context = CallContext(kCallTimeout);
  grpc::Status status = backends_->images->List(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  for (const auto& detail : response.images()) images.push_back(ToCriImage(detail));
  return images;
}

absl::StatusOr<ImageStatusResult> CriImages::Status(const std::string& ref, bool verbose) {
  ImageStatusResult result;
  auto detail = Get(ref);
  if (absl::IsNotFound(detail.status())) return result;
  if (!detail.ok()) return detail.status();
  result.image = ToCriImage(*detail);
  if (verbose) result.verbose_info = VerboseImageInfo(*detail);
  return result;
}

absl::StatusOr<std::string> CriImages::Pull(const std::string& ref,
                                            const runtime::v1::AuthConfig& auth) {
  auto registry_auth = ToRegistryAuth(auth);
  if (!registry_auth.ok()) return registry_auth.status();
  berth::images::v1::PullRequest request;
  request.set_ref(ref);
  *request.mutable_auth() = *std::move(registry_auth);
  auto context = CallContext(std::chrono::duration_cast<std::chrono::seconds>(kPullTimeout));
  auto reader = backends_->images->Pull(context.get(), request);
  berth::images::v1::PullResponse response;
  std::string id;
  while (reader->Read(&response)) {
    if (response.has_image()) id = response.image().id();
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return FromGrpcStatus(status);
  if (id.empty()) {
    auto detail = Get(ref);
    if (!detail.ok()) return detail.status();
    id = detail->id();
  }
  return id;
}

absl::Status CriImages::Remove(const std::string& ref) {
  auto detail = Get(ref);
  if (absl::IsNotFound(detail.status())) return absl::OkStatus();
  if (!detail.ok()) return detail.status();
  // By id, forced: every tag and digest of the image goes, as containerd's
  // RemoveImage removes all its references.
  berth::images::v1::RemoveImageRequest request;
  request.set_ref(detail->id());
  request.set_force(true);
  berth::images::v1::RemoveImageResponse response;
  auto context = CallContext(kCallTimeout);
  absl::Status status =
      FromGrpcStatus(backends_->images->Remove(context.get(), request, &response));
  if (absl::IsNotFound(status)) return absl::OkStatus();  // gone meanwhile
  return status;
}

absl::StatusOr<runtime::v1::FilesystemUsage> CriImages::FsUsage() {
  berth::snapshots::v1::ListRequest request;
  berth::snapshots::v1::ListResponse response;
  auto context = CallContext(kCallTimeout);
  grpc::Status status = backends_->snapshots->List(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  uint64_t bytes = 0, inodes = 0;
  for (const auto& info : response.info()) {
    berth::snapshots::v1::UsageRequest usage_request;
    usage_request.set_key(info.name());
    berth::snapshots::v1::UsageResponse usage;
    auto usage_context = CallContext(kCallTimeout);
    grpc::Status got = backends_->snapshots->Usage(usage_context.get(), usage_request, &usage);
    if (!got.ok()) continue;  // removed meanwhile
    bytes += static_cast<uint64_t>(usage.size());
    inodes += static_cast<uint64_t>(usage.inodes());
  }
  runtime::v1::FilesystemUsage fs;
  fs.set_timestamp(absl::GetCurrentTimeNanos());
  fs.mutable_fs_id()->set_mountpoint(snapshot_root_);
  fs.mutable_used_bytes()->set_value(bytes);
  fs.mutable_inodes_used()->set_value(inodes);
  return fs;
}

}  // namespace berth::cri
