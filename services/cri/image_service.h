#ifndef BERTH_SERVICES_CRI_IMAGE_SERVICE_H_
#define BERTH_SERVICES_CRI_IMAGE_SERVICE_H_

// runtime.v1.ImageService over CriImages: requests checked and errors put
// in the CRI's codes here, the work done there.

#include "k8s/cri/runtime/v1/api.grpc.pb.h"
#include "services/cri/cri_images.h"

namespace berth::cri {

class ImageService final : public runtime::v1::ImageService::Service {
 public:
  explicit ImageService(CriImages* images) : images_(images) {}

  grpc::Status ListImages(grpc::ServerContext* context,
                          const runtime::v1::ListImagesRequest* request,
                          runtime::v1::ListImagesResponse* response) override;
  grpc::Status ImageStatus(grpc::ServerContext* context,
                           const runtime::v1::ImageStatusRequest* request,
                           runtime::v1::ImageStatusResponse* response) override;
  grpc::Status PullImage(grpc::ServerContext* context,
                         const runtime::v1::PullImageRequest* request,
                         runtime::v1::PullImageResponse* response) override;
  grpc::Status RemoveImage(grpc::ServerContext* context,
                           const runtime::v1::RemoveImageRequest* request,
                           runtime::v1::RemoveImageResponse* response) override;
  grpc::Status ImageFsInfo(grpc::ServerContext* context,
                           const runtime::v1::ImageFsInfoRequest* request,
                           runtime::v1::ImageFsInfoResponse* response) override;

 private:
  CriImages* images_;
};

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_IMAGE_SERVICE_H_
