#ifndef BERTH_SERVICES_IMAGES_IMAGES_SERVICE_H_
#define BERTH_SERVICES_IMAGES_IMAGES_SERVICE_H_

// berth.images.v1.Images. Listing reads the image records; pull, push and
// the rest of the image lifecycle arrive with the images issue and answer
// UNIMPLEMENTED until then.

#include <memory>

#include "berth/images/v1/images.grpc.pb.h"
#include "services/common/store/database.h"

namespace berth::images {

class ImagesService final : public berth::images::v1::Images::Service {
 public:
  explicit ImagesService(store::Database* db) : db_(db) {}

  grpc::Status List(grpc::ServerContext* context,
                    const berth::images::v1::ListImagesRequest* request,
                    berth::images::v1::ListImagesResponse* response) override;

 private:
  store::Database* db_;
};

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_IMAGES_SERVICE_H_
