#ifndef BERTH_SERVICES_BUILDER_BUILD_SERVICE_H_
#define BERTH_SERVICES_BUILDER_BUILD_SERVICE_H_

// The berth.builder.v1.Builder API: a build's options and context in, its
// output and image out (see image_builder.h for the build itself).

#include <string>

#include "berth/builder/v1/builder.grpc.pb.h"
#include "services/builder/backends.h"
#include "services/builder/build_cache.h"
#include "services/builder/intermediate_containers.h"

namespace berth::builder {

class BuildService final : public berth::builder::v1::Builder::Service {
 public:
  BuildService(Backends* backends, BuildCache* cache, IntermediateContainers* containers,
               std::string scratch_dir)
      : backends_(backends),
        cache_(cache),
        containers_(containers),
        scratch_dir_(std::move(scratch_dir)) {}

  grpc::Status Build(grpc::ServerContext* context,
                     grpc::ServerReaderWriter<berth::builder::v1::BuildResponse,
                                              berth::builder::v1::BuildRequest>* stream) override;
  grpc::Status PruneCache(grpc::ServerContext* context,
                          const berth::builder::v1::PruneCacheRequest* request,
                          berth::builder::v1::PruneCacheResponse* response) override;
  grpc::Status CacheUsage(grpc::ServerContext* context,
                          const berth::builder::v1::CacheUsageRequest* request,
                          berth::builder::v1::CacheUsageResponse* response) override;

 private:
  Backends* backends_;
  BuildCache* cache_;
  IntermediateContainers* containers_;
  std::string scratch_dir_;
};

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_BUILD_SERVICE_H_
