#include "services/cri/image_service.h"

#include "services/common/base/grpc_status.h"

namespace berth::cri {
namespace {

grpc::Status MissingImage() {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "ImageSpec.image must not be empty");
}

}  // namespace

grpc::Status ImageService::ListImages(grpc::ServerContext*,
                                      const runtime::v1::ListImagesRequest* request,
                                      runtime::v1::ListImagesResponse* response) {
  auto images = images_->List(request->filter());
  if (!images.ok()) return ToGrpcStatus(images.status(), "list images");
  for (auto& image : *images) *response->add_images() = std::move(image);
  return grpc::Status::OK;
}

grpc::Status ImageService::ImageStatus(grpc::ServerContext*,
                                       const runtime::v1::ImageStatusRequest* request,
                                       runtime::v1::ImageStatusResponse* response) {
  const std::string& ref = request->image().image();
  if (ref.empty()) return MissingImage();
  auto status = images_->Status(ref, request->verbose());
  if (!status.ok()) return ToGrpcStatus(status.status(), "image status of " + ref);
  // Not present: an empty answer, not an error (the kubelet then pulls).
  if (!status->image) return grpc::Status::OK;
  *response->mutable_image() = *status->image;
  if (!status->verbose_info.empty()) (*response->mutable_info())["info"] = status->verbose_info;
  return grpc::Status::OK;
}

grpc::Status ImageService::PullImage(grpc::ServerContext*,
                                     const runtime::v1::PullImageRequest* request,
                                     runtime::v1::PullImageResponse* response) {
  const std::string& ref = request->image().image();
  if (ref.empty()) return MissingImage();
  // sandbox_config is accepted: berth pulls the same image for any pod.
  auto id = images_->Pull(ref, request->auth());
  if (!id.ok()) return ToGrpcStatus(id.status(), "pull image " + ref);
  response->set_image_ref(*id);
  return grpc::Status::OK;
}

grpc::Status ImageService::RemoveImage(grpc::ServerContext*,
                                       const runtime::v1::RemoveImageRequest* request,
                                       runtime::v1::RemoveImageResponse*) {
  const std::string& ref = request->image().image();
  if (ref.empty()) return MissingImage();
  return ToGrpcStatus(images_->Remove(ref), "remove image " + ref);
}

grpc::Status ImageService::ImageFsInfo(grpc::ServerContext*, const runtime::v1::ImageFsInfoRequest*,
                                       runtime::v1::ImageFsInfoResponse* response) {
  auto usage = images_->FsUsage();
  if (!usage.ok()) return ToGrpcStatus(usage.status(), "image filesystem info");
  *response->add_image_filesystems() = *std::move(usage);
  return grpc::Status::OK;
}

}  // namespace berth::cri
