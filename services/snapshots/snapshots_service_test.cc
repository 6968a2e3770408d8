// The snapshots API over a real gRPC channel: layers streamed or handed
// over by path, committed, stacked and viewed through real mounts.

#include "services/snapshots/snapshots_service.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "gtest/gtest.h"
#include "services/common/mount/mount.h"
#include "services/snapshots/fs_util.h"
#include "services/common/digest/layer_stream.h"
#include "services/snapshots/schema.h"
#include "services/snapshots/tar_builder.h"

namespace berth::snapshots {
namespace {

using berth::snapshots::v1::ApplyRequest;
using berth::snapshots::v1::ApplyResponse;

std::string Sha(const std::string& data) {
  Sha256 hash;
  hash.Update(data.data(), data.size());
  return hash.Digest();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Every case runs on both snapshotters.
class SnapshotsServiceTest : public ::testing::TestWithParam<Driver> {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(::unshare(CLONE_NEWNS), 0);
    ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
  }

  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) c = c == '/' ? '_' : c;
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
    ASSERT_TRUE(RemoveAll(dir_).ok());
    ASSERT_EQ(::mkdir(dir_.c_str(), 0755), 0);
    auto db = store::Database::Open(dir_ + "/meta.db", Migrations());
    ASSERT_TRUE(db.ok());
    db_ = *std::move(db);
    auto snapshotter = Snapshotter::Open(GetParam(), dir_ + "/snapshots", db_.get());
    ASSERT_TRUE(snapshotter.ok());
    snapshotter_ = *std::move(snapshotter);
    service_ = std::make_unique<SnapshotsService>(snapshotter_.get(), int64_t{1} << 30, 1 << 20);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = berth::snapshots::v1::Snapshots::NewStub(server_->InProcessChannel({}));
  }

  void TearDown() override { server_->Shutdown(); }

  grpc::Status Prepare(const std::string& key, const std::string& parent) {
    berth::snapshots::v1::PrepareRequest request;
    request.set_key(key);
    request.set_parent(parent);
    berth::snapshots::v1::MountsResponse response;
    grpc::ClientContext context;
    return stub_->Prepare(&context, request, &response);
  }

  grpc::Status Commit(const std::string& name, const std::string& key) {
    berth::snapshots::v1::CommitRequest request;
    request.set_name(name);
    request.set_key(key);
    berth::snapshots::v1::CommitResponse response;
    grpc::ClientContext context;
    return stub_->Commit(&context, request, &response);
  }

  // Streams the blob in 1000-byte messages after the header.
  grpc::Status ApplyStreamed(const std::string& key, const std::string& blob,
                             const std::string& digest, ApplyResponse* response) {
    grpc::ClientContext context;
    auto writer = stub_->Apply(&context, response);
    ApplyRequest header;
    header.mutable_header()->set_key(key);
    header.mutable_header()->mutable_layer()->set_digest(digest);
    writer->Write(header);
    for (size_t offset = 0; offset < blob.size(); offset += 1000) {
      ApplyRequest data;
      data.set_data(blob.substr(offset, 1000));
      writer->Write(data);
    }
    writer->WritesDone();
    return writer->Finish();
  }

  grpc::Status ApplyByPath(const std::string& key, const std::string& path,
                           const std::string& diff_id, ApplyResponse* response) {
    grpc::ClientContext context;
    auto writer = stub_->Apply(&context, response);
    ApplyRequest header;
    header.mutable_header()->set_key(key);
    header.mutable_header()->set_content_path(path);
    header.mutable_header()->set_expected_diff_id(diff_id);
    writer->Write(header);
    writer->WritesDone();
    return writer->Finish();
  }

  std::string dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Snapshotter> snapshotter_;
  std::unique_ptr<SnapshotsService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<berth::snapshots::v1::Snapshots::Stub> stub_;
};

TEST_P(SnapshotsServiceTest, UnpacksLayersStreamedOrByPathAndStacksThem) {
  TarBuilder base_layer;
  base_layer.File("etc/os-release", "ID=test\n").File("bin/tool", std::string(5000, 't'), 0755);
  std::string base_plain = base_layer.Build();
  std::string base_blob = base_layer.Build("gzip");
  ASSERT_TRUE(Prepare("extract-1", "").ok());
  ApplyResponse applied;
  grpc::Status status = ApplyStreamed("extract-1", base_blob, Sha(base_blob), &applied);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(applied.diff_id(), Sha(base_plain));
  ASSERT_TRUE(Commit("chain-1", "extract-1").ok());

  std::string top_blob = TarBuilder().File(".wh.bin", "").File("etc/motd", "hi\n").Build("zstd");
  std::string blob_path = dir_ + "/blob";
  std::ofstream(blob_path) << top_blob;
  ASSERT_TRUE(Prepare("extract-2", "chain-1").ok());
  status = ApplyByPath("extract-2", blob_path,
                       Sha(TarBuilder().File(".wh.bin", "").File("etc/motd", "hi\n").Build()),
                       &applied);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(Commit("chain-2", "extract-2").ok());

  berth::snapshots::v1::ViewRequest view;
  view.set_key("look");
  view.set_parent("chain-2");
  berth::snapshots::v1::MountsResponse mounts;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->View(&context, view, &mounts).ok());
  std::string root = dir_ + "/mnt";
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  ASSERT_TRUE(mount::MountAll({mounts.mounts().begin(), mounts.mounts().end()}, root).ok());
  mount::ScopedMount mounted(root);
  EXPECT_EQ(ReadFile(root + "/etc/os-release"), "ID=test\n");
  EXPECT_EQ(ReadFile(root + "/etc/motd"), "hi\n");
  struct stat st;
  EXPECT_NE(::lstat((root + "/bin").c_str(), &st), 0) << "whiteout did not hide /bin";
}

TEST_P(SnapshotsServiceTest, ErrorsComeBackWithContext) {
  ASSERT_TRUE(Prepare("extract", "").ok());
  std::string blob = TarBuilder().File("a", "x").Build("gzip");
  ApplyResponse applied;
  grpc::Status status = ApplyStreamed("extract", blob, "sha256:" + std::string(64, '0'), &applied);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_NE(status.error_message().find("digest mismatch"), std::string::npos);
  status = ApplyByPath("extract", dir_ + "/missing-blob", "", &applied);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ApplyStreamed("nosuch", blob, "", &applied).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Prepare("extract", "").error_code(), grpc::StatusCode::ALREADY_EXISTS);
  ASSERT_TRUE(Commit("base", "extract").ok());
  ASSERT_TRUE(Prepare("child", "base").ok());
  berth::snapshots::v1::RemoveRequest remove;
  remove.set_key("base");
  berth::snapshots::v1::RemoveResponse removed;
  grpc::ClientContext context;
  EXPECT_EQ(stub_->Remove(&context, remove, &removed).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

// A container's changes (added, deleted, replaced directory) come out of
// Diff as an OCI layer that, applied on the same parent, gives the same tree.
TEST_P(SnapshotsServiceTest, DiffRoundTripsThroughApply) {
  std::string base = TarBuilder()
                         .File("etc/keep", "keep")
                         .File("etc/gone", "gone")
                         .File("data/old", "old")
                         .File("etc/hostname", "init file")
                         .Build("gzip");
  ASSERT_TRUE(Prepare("extract", "").ok());
  ApplyResponse applied;
  ASSERT_TRUE(ApplyStreamed("extract", base, Sha(base), &applied).ok());
  ASSERT_TRUE(Commit("base", "extract").ok());

  berth::snapshots::v1::PrepareRequest prepare;
  prepare.set_key("container");
  prepare.set_parent("base");
  berth::snapshots::v1::MountsResponse mounts;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->Prepare(&context, prepare, &mounts).ok());
  }
  std::string root = dir_ + "/container";
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  {
    ASSERT_TRUE(mount::MountAll({mounts.mounts().begin(), mounts.mounts().end()}, root).ok());
    mount::ScopedMount mounted(root);
    std::ofstream(root + "/etc/added") << "added";
    ASSERT_EQ(::unlink((root + "/etc/gone").c_str()), 0);
    ASSERT_TRUE(RemoveAll(root + "/data").ok());
    ASSERT_EQ(::mkdir((root + "/data").c_str(), 0755), 0);
    std::ofstream(root + "/data/new") << "new";
    std::ofstream(root + "/etc/hostname") << "changed init file";
  }

  berth::snapshots::v1::DiffRequest diff;
  diff.set_key("container");
  diff.add_exclude("/etc/hostname");
  grpc::ClientContext context;
  auto reader = stub_->Diff(&context, diff);
  std::string blob;
  berth::snapshots::v1::DiffResponse response;
  berth::snapshots::v1::DiffResult result;
  while (reader->Read(&response)) {
    if (response.has_result()) {
      result = response.result();
    } else {
      blob += response.data();
    }
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(result.layer().digest(), Sha(blob));
  EXPECT_EQ(result.layer().size(), static_cast<int64_t>(blob.size()));
  EXPECT_EQ(result.layer().media_type(), "application/vnd.oci.image.layer.v1.tar+gzip");

  // Only the changes are in it (the native snapshotter finds them by
  // comparing with the parent's copy): read uncompressed.
  {
    berth::snapshots::v1::DiffRequest plain = diff;
    plain.set_compression("none");
    grpc::ClientContext plain_context;
    auto plain_reader = stub_->Diff(&plain_context, plain);
    std::string tar;
    while (plain_reader->Read(&response)) tar += response.data();
    ASSERT_TRUE(plain_reader->Finish().ok());
    EXPECT_NE(tar.find("etc/added"), std::string::npos);
    EXPECT_NE(tar.find("etc/.wh.gone"), std::string::npos);
    EXPECT_EQ(tar.find("etc/keep"), std::string::npos) << "an unchanged file is in the layer";
  }

  // Applying the diff on the same parent reproduces the container's tree.
  ASSERT_TRUE(Prepare("replay", "base").ok());
  ApplyResponse replayed;
  grpc::Status status = ApplyStreamed("replay", blob, result.layer().digest(), &replayed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(replayed.diff_id(), result.diff_id());
  ASSERT_TRUE(Commit("committed", "replay").ok());
  berth::snapshots::v1::ViewRequest view;
  view.set_key("look");
  view.set_parent("committed");
  berth::snapshots::v1::MountsResponse view_mounts;
  grpc::ClientContext view_context;
  ASSERT_TRUE(stub_->View(&view_context, view, &view_mounts).ok());
  std::string look = dir_ + "/look";
  ASSERT_EQ(::mkdir(look.c_str(), 0755), 0);
  ASSERT_TRUE(mount::MountAll({view_mounts.mounts().begin(), view_mounts.mounts().end()}, look).ok());
  mount::ScopedMount mounted(look);
  EXPECT_EQ(ReadFile(look + "/etc/keep"), "keep");
  EXPECT_EQ(ReadFile(look + "/etc/added"), "added");
  EXPECT_EQ(ReadFile(look + "/data/new"), "new");
  struct stat st;
  EXPECT_NE(::lstat((look + "/etc/gone").c_str(), &st), 0) << "deleted file came back";
  EXPECT_NE(::lstat((look + "/data/old").c_str(), &st), 0) << "replaced directory kept old content";
  // The excluded init file is not in the layer: the base's version shows.
  EXPECT_EQ(ReadFile(look + "/etc/hostname"), "init file");
}

INSTANTIATE_TEST_SUITE_P(Drivers, SnapshotsServiceTest,
                         ::testing::Values(Driver::kOverlay, Driver::kNative),
                         [](const ::testing::TestParamInfo<Driver>& info) {
                           return info.param == Driver::kOverlay ? "overlayfs" : "native";
                         });

}  // namespace
}  // namespace berth::snapshots
