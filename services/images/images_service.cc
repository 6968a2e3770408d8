#include "services/images/images_service.h"

#include <map>

#include "services/common/base/grpc_status.h"

namespace berth::images {

grpc::Status ImagesService::List(grpc::ServerContext*,
                                 const berth::images::v1::ListImagesRequest*,
                                 berth::images::v1::ListImagesResponse* response) {
  auto statement = db_->Prepare(
      "SELECT name, target_media_type, target_digest, target_size, config_digest, created_at "
      "FROM images ORDER BY created_at DESC, name");
  if (!statement.ok()) return ToGrpcStatus(statement.status());
  // One entry per image id (config digest), carrying all of its names.
  std::map<std::string, berth::images::v1::ImageDetail*> by_id;
  while (true) {
    absl::StatusOr<bool> row = statement->Step();
    if (!row.ok()) return ToGrpcStatus(row.status());
    if (!*row) break;
    std::string id = statement->ColumnText(4);
    auto [it, inserted] = by_id.try_emplace(id, nullptr);
    if (inserted) {
      it->second = response->add_images();
      it->second->set_id(id);
      auto* manifest = it->second->mutable_manifest();
      manifest->set_media_type(statement->ColumnText(1));
      manifest->set_digest(statement->ColumnText(2));
      manifest->set_size(statement->ColumnInt64(3));
      it->second->mutable_created()->set_seconds(statement->ColumnInt64(5));
    }
    std::string name = statement->ColumnText(0);
    if (name.find('@') != std::string::npos) {
      it->second->add_repo_digests(name);
    } else {
      it->second->add_repo_tags(name);
    }
  }
  return grpc::Status::OK;
}

}  // namespace berth::images
