#ifndef BERTH_SERVICES_IMAGES_IMAGES_SERVICE_H_
#define BERTH_SERVICES_IMAGES_IMAGES_SERVICE_H_

// berth.images.v1.Images: pull and push with streamed progress, list,
// inspect, tag and remove, save/load/import, prune, leases, and image
// events (Subscribe).

#include <map>
#include <memory>
#include <optional>

#include "absl/synchronization/mutex.h"

#include "berth/images/v1/images.grpc.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "berth/tasks/v1/tasks.grpc.pb.h"
#include "services/common/config/daemon_config.h"
#include "services/common/config/live_config.h"
#include "services/common/events/event_hub.h"
#include "services/images/content_store.h"
#include "services/images/image_store.h"
#include "services/images/leases.h"
#include "services/images/operation_lease.h"
#include "services/images/puller.h"
#include "services/images/transfers.h"

namespace berth::images {

class ImagesService final : public berth::images::v1::Images::Service {
 public:
  ImagesService(const config::LiveConfig* config, ContentStore* content, ImageStore* images,
                std::shared_ptr<berth::snapshots::v1::Snapshots::StubInterface> snapshots,
                std::shared_ptr<berth::tasks::v1::Containers::StubInterface> containers = nullptr,
                Leases* leases = nullptr)
      : config_(config),
        downloads_([config] { return config->Get()->max_concurrent_downloads; }),
        uploads_([config] { return config->Get()->max_concurrent_uploads; }),
        content_(content),
        images_(images),
        snapshots_(std::move(snapshots)),
        containers_(std::move(containers)),
        leases_(leases) {}

  grpc::Status Pull(grpc::ServerContext* context, const berth::images::v1::PullRequest* request,
                    grpc::ServerWriter<berth::images::v1::PullResponse>* writer) override;
  grpc::Status Push(grpc::ServerContext* context, const berth::images::v1::PushRequest* request,
                    grpc::ServerWriter<berth::images::v1::PushResponse>* writer) override;
  grpc::Status List(grpc::ServerContext* context,
                    const berth::images::v1::ListImagesRequest* request,
                    berth::images::v1::ListImagesResponse* response) override;
  grpc::Status Get(grpc::ServerContext* context, const berth::images::v1::GetImageRequest* request,
                   berth::images::v1::ImageDetail* response) override;
  grpc::Status DiskUsage(grpc::ServerContext* context,
                         const berth::images::v1::DiskUsageRequest* request,
                         berth::images::v1::DiskUsageResponse* response) override;
  grpc::Status Prune(grpc::ServerContext* context,
                     const berth::images::v1::PruneImagesRequest* request,
                     berth::images::v1::PruneImagesResponse* response) override;
  grpc::Status Load(grpc::ServerContext* context,
                    grpc::ServerReaderWriter<berth::images::v1::LoadResponse,
                                             berth::images::v1::LoadRequest>* stream) override;
  grpc::Status Import(grpc::ServerContext* context,
                      grpc::ServerReader<berth::images::v1::ImportRequest>* reader,
                      berth::images::v1::ImportResponse* response) override;
  grpc::Status History(grpc::ServerContext* context,
                       const berth::images::v1::HistoryRequest* request,
                       berth::images::v1::HistoryResponse* response) override;
  grpc::Status Save(grpc::ServerContext* context, const berth::images::v1::SaveRequest* request,
                    grpc::ServerWriter<berth::types::v1::DataChunk>* writer) override;
  grpc::Status Tag(grpc::ServerContext* context, const berth::images::v1::TagRequest* request,
                   berth::images::v1::TagResponse* response) override;
  grpc::Status Login(grpc::ServerContext* context, const berth::images::v1::LoginRequest* request,
                     berth::images::v1::LoginResponse* response) override;
  grpc::Status Remove(grpc::ServerContext* context,
                      const berth::images::v1::RemoveImageRequest* request,
                      berth::images::v1::RemoveImageResponse* response) override;
  // images_create.cc: commit's new image and the content it writes first.
  grpc::Status Create(grpc::ServerContext* context,
                      const berth::images::v1::CreateImageRequest* request,
                      berth::images::v1::CreateImageResponse* response) override;
  grpc::Status WriteContent(grpc::ServerContext* context,
                            grpc::ServerReader<berth::images::v1::WriteContentRequest>* reader,
                            berth::images::v1::WriteContentResponse* response) override;
  grpc::Status ReadContent(grpc::ServerContext* context,
                           const berth::images::v1::ReadContentRequest* request,
                           grpc::ServerWriter<berth::types::v1::DataChunk>* writer) override;
  grpc::Status ContentInfo(grpc::ServerContext* context,
                           const berth::images::v1::ContentInfoRequest* request,
                           berth::images::v1::ContentInfoResponse* response) override;
  grpc::Status CreateLease(grpc::ServerContext* context,
                           const berth::images::v1::CreateLeaseRequest* request,
                           berth::images::v1::Lease* response) override;
  grpc::Status DeleteLease(grpc::ServerContext* context,
                           const berth::images::v1::DeleteLeaseRequest* request,
                           berth::images::v1::DeleteLeaseResponse* response) override;
  // images_events.cc: image events (pull, push, tag, untag, delete,
  // import, load, save).
  grpc::Status Subscribe(grpc::ServerContext* context,
                         const berth::images::v1::SubscribeRequest* request,
                         grpc::ServerWriter<berth::types::v1::Envelope>* writer) override;

 private:
  // The image names of the caller's namespace (berth-namespace metadata).
  absl::StatusOr<ImageStore> Scoped(const grpc::ServerContext* context) const;
  // Image details by id (config digest), with all names of that id.
  absl::StatusOr<std::vector<berth::images::v1::ImageDetail>> Details(ImageStore& images);
  // How many containers (any state) of namespace ns were made from each
  // image id; empty without a tasks service to ask.
  absl::StatusOr<std::map<std::string, int64_t>> ContainerUsers(const std::string& ns);
  // After an image is deleted: its parent chain of intermediate images.
  absl::Status RemoveUnusedParents(ImageStore& images, std::string parent,
                                   berth::images::v1::RemoveImageResponse* response);
  // An image config's JSON, platform, diff ids and chain id (cached by
  // digest; only those fields are set).
  absl::StatusOr<berth::images::v1::ImageDetail> ConfigFacts(const std::string& config_digest);
  // A lease for an operation that writes content or snapshots (null
  // without leases: then `whole` holds the operations lock instead).
  absl::StatusOr<std::unique_ptr<OperationLease>> BeginOperation(
      const std::string& kind, std::optional<absl::ReaderMutexLock>* whole);
  static HoldFn HoldFor(OperationLease* lease);
  // docker's image event: id is the reference for pull and push, the image
  // id otherwise; name is the name= attribute; the labels of the image
  // config_digest (if given) join the attributes.
  void PublishEvent(const std::string& action, const std::string& id, const std::string& name,
                    const std::string& config_digest = "");
  // Finds an image by name, full or short id.
  absl::StatusOr<berth::images::v1::ImageDetail> Resolve(ImageStore& images,
                                                         const std::string& ref);

  // Pulls, imports and loads hold this shared while they write content and
  // snapshots; garbage collection holds it exclusively, so it never deletes
  // what an operation in progress has written so far.
  absl::Mutex operations_;
  // Registry settings change on a reload.
  const config::LiveConfig* config_;
  // Layers moving at once across every pull, and every push (reloadable).
  TransferLimit downloads_;
  TransferLimit uploads_;
  ContentStore* content_;
  // Unscoped (every namespace's names): RPCs use Scoped(context).
  ImageStore* images_;
  std::shared_ptr<berth::snapshots::v1::Snapshots::StubInterface> snapshots_;
  // Asked which containers use an image before rmi deletes it.
  std::shared_ptr<berth::tasks::v1::Containers::StubInterface> containers_;
  // What multi-call operations (commit) hold against garbage collection.
  Leases* leases_;
  events::EventHub events_{"images"};
  absl::Mutex config_cache_mu_;
  std::map<std::string, berth::images::v1::ImageDetail> config_cache_
      ABSL_GUARDED_BY(config_cache_mu_);
};

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_IMAGES_SERVICE_H_
