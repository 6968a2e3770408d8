#include "services/common/layers/layer_upload.h"

#include <fcntl.h>
#include <unistd.h>

#include <optional>

#include "absl/strings/str_cat.h"
#include "services/common/base/unique_fd.h"
#include "services/common/base/write_all.h"
#include "services/common/fs/fs_util.h"

namespace berth::layers {
namespace {

absl::Status FromGrpc(const grpc::Status& status, const std::string& what) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

absl::StatusOr<Layer> DiffInto(berth::snapshots::v1::Snapshots::StubInterface* snapshots,
                               const std::string& key, const std::vector<std::string>& exclude,
                               int fd) {
  berth::snapshots::v1::DiffRequest request;
  request.set_key(key);
  request.set_compression("gzip");
  for (const std::string& path : exclude) request.add_exclude(path);
  grpc::ClientContext context;
  auto reader = snapshots->Diff(&context, request);
  berth::snapshots::v1::DiffResponse message;
  std::optional<Layer> layer;
  absl::Status written;
  while (reader->Read(&message)) {
    if (message.has_result()) {
      layer = Layer{message.result().layer(), message.result().diff_id()};
    } else if (written.ok()) {
      written = WriteAll(fd, message.data(), "the layer");
      if (!written.ok()) context.TryCancel();
    }
  }
  grpc::Status status = reader->Finish();
  if (!written.ok()) return written;
  if (!status.ok()) return FromGrpc(status, "diff snapshot " + key);
  if (!layer) return absl::InternalError("diff snapshot " + key + ": no result");
  return *layer;
}

absl::Status Upload(berth::images::v1::Images::StubInterface* images, const Layer& layer,
                    const std::string& lease, int fd) {
  if (::lseek(fd, 0, SEEK_SET) != 0) return absl::ErrnoToStatus(errno, "rewind the layer");
  grpc::ClientContext context;
  berth::images::v1::WriteContentResponse response;
  auto writer = images->WriteContent(&context, &response);
  berth::images::v1::WriteContentRequest header;
  *header.mutable_header()->mutable_expected() = layer.descriptor;
  header.mutable_header()->set_lease(lease);
  bool open = writer->Write(header);
  std::vector<char> buffer(1 << 20);
  absl::Status read_status;
  while (open) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      read_status = absl::ErrnoToStatus(errno, "read the layer");
      context.TryCancel();
      break;
    }
    if (n == 0) break;
    berth::images::v1::WriteContentRequest data;
    data.set_data(buffer.data(), static_cast<size_t>(n));
    open = writer->Write(data);
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!read_status.ok()) return read_status;
  if (!status.ok()) return FromGrpc(status, "store the layer");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ContentLease> ContentLease::Create(berth::images::v1::Images::StubInterface* images) {
  berth::images::v1::CreateLeaseRequest request;
  request.set_expire_seconds(3600);
  berth::images::v1::Lease lease;
  grpc::ClientContext context;
  grpc::Status status = images->CreateLease(&context, request, &lease);
  if (!status.ok()) return FromGrpc(status, "lease");
  return ContentLease(images, lease.id());
}

ContentLease::ContentLease(ContentLease&& other) noexcept
    : images_(other.images_), id_(std::move(other.id_)) {
  other.id_.clear();
}

ContentLease::~ContentLease() {
  if (id_.empty()) return;
  berth::images::v1::DeleteLeaseRequest request;
  request.set_id(id_);
  berth::images::v1::DeleteLeaseResponse deleted;
  grpc::ClientContext context;
  (void)images_->DeleteLease(&context, request, &deleted);
}

absl::StatusOr<Layer> UploadSnapshotDiff(berth::snapshots::v1::Snapshots::StubInterface* snapshots,
                                         berth::images::v1::Images::StubInterface* images,
                                         const std::string& key,
                                         const std::vector<std::string>& exclude,
                                         const std::string& scratch_dir, const std::string& lease) {
  if (absl::Status made = fs::MakeDirectories(scratch_dir, 0700); !made.ok()) return made;
  std::string path = absl::StrCat(scratch_dir, "/layer-", fs::RandomHex(8), ".tar.gz");
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return absl::ErrnoToStatus(errno, "create " + path);
  // Only our descriptor keeps the file: nothing is left behind on failure.
  ::unlink(path.c_str());
  auto layer = DiffInto(snapshots, key, exclude, fd.get());
  if (!layer.ok()) return layer.status();
  if (absl::Status uploaded = Upload(images, *layer, lease, fd.get()); !uploaded.ok()) {
    return uploaded;
  }
  return layer;
}

}  // namespace berth::layers
