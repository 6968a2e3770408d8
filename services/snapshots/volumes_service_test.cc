#include "services/snapshots/volumes_service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "gtest/gtest.h"
#include "services/snapshots/fs_util.h"
#include "services/snapshots/schema.h"

namespace berth::snapshots {
namespace {

using berth::snapshots::v1::Volume;

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

class VolumesServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(RemoveAll(dir_).ok());
    ASSERT_EQ(::mkdir(dir_.c_str(), 0755), 0);
    Open();
  }

  void Open() {
    service_.reset();
    db_.reset();
    auto db = store::Database::Open(dir_ + "/meta.db", Migrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    service_ = std::make_unique<VolumesService>(db_.get(), dir_ + "/volumes");
    ASSERT_TRUE(service_->Recover().ok());
  }

  Volume Create(const std::string& name, bool anonymous = false) {
    berth::snapshots::v1::CreateVolumeRequest request;
    request.set_name(name);
    request.set_anonymous(anonymous);
    (*request.mutable_labels())["team"] = "db";
    Volume volume;
    grpc::ServerContext context;
    grpc::Status status = service_->Create(&context, &request, &volume);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return volume;
  }

  std::vector<std::string> List(const std::string& key = "", const std::string& value = "") {
    berth::snapshots::v1::ListVolumesRequest request;
    if (!key.empty()) (*request.mutable_filters())[key].add_values(value);
    berth::snapshots::v1::ListVolumesResponse response;
    grpc::ServerContext context;
    EXPECT_TRUE(service_->List(&context, &request, &response).ok());
    std::vector<std::string> names;
    for (const auto& volume : response.volumes()) names.push_back(volume.name());
    return names;
  }

  grpc::Status Remove(const std::string& name, bool force) {
    berth::snapshots::v1::RemoveVolumeRequest request;
    request.set_name(name);
    request.set_force(force);
    berth::snapshots::v1::RemoveVolumeResponse response;
    grpc::ServerContext context;
    return service_->Remove(&context, &request, &response);
  }

  void Use(const std::string& name, const std::string& container, bool release = false) {
    berth::snapshots::v1::UseVolumeRequest request;
    request.set_name(name);
    request.set_container_id(container);
    request.set_release(release);
    berth::snapshots::v1::UseVolumeResponse response;
    grpc::ServerContext context;
    ASSERT_TRUE(service_->Use(&context, &request, &response).ok());
  }

  std::string dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<VolumesService> service_;
};

TEST_F(VolumesServiceTest, CreateMakesDataDirectoryAndRecord) {
  Volume volume = Create("data");
  EXPECT_EQ(volume.mountpoint(), dir_ + "/volumes/data/_data");
  EXPECT_EQ(volume.driver(), "local");
  EXPECT_EQ(volume.labels().at("team"), "db");
  EXPECT_TRUE(Exists(volume.mountpoint()));
  // Creating it again returns the same volume, as docker does.
  std::ofstream(volume.mountpoint() + "/file") << "kept";
  Volume again = Create("data");
  EXPECT_EQ(again.created_at().seconds(), volume.created_at().seconds());
  EXPECT_TRUE(Exists(volume.mountpoint() + "/file"));
  EXPECT_EQ(List(), std::vector<std::string>{"data"});
}

TEST_F(VolumesServiceTest, AnonymousVolumesGetRandomNames) {
  Volume volume = Create("", /*anonymous=*/true);
  EXPECT_EQ(volume.name().size(), 64u);
  EXPECT_TRUE(volume.anonymous());
}

TEST_F(VolumesServiceTest, InvalidNamesAndDriversAreRefused) {
  for (std::string name : {"a", "../etc", "has/slash", "-dash", "x y"}) {
    berth::snapshots::v1::CreateVolumeRequest request;
    request.set_name(name);
    Volume volume;
    grpc::ServerContext context;
    grpc::Status status = service_->Create(&context, &request, &volume);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << name;
  }
  berth::snapshots::v1::CreateVolumeRequest request;
  request.set_name("ok");
  request.set_driver("nfs");
  Volume volume;
  grpc::ServerContext context;
  EXPECT_EQ(service_->Create(&context, &request, &volume).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(Exists(dir_ + "/volumes/ok"));
  EXPECT_TRUE(List().empty());
}

TEST_F(VolumesServiceTest, VolumeInUseIsRefusedEvenForced) {
  Create("busy");
  Use("busy", "c1");
  grpc::Status refused = Remove("busy", false);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(refused.error_message(), "remove busy: volume is in use - [c1]");
  EXPECT_TRUE(Exists(dir_ + "/volumes/busy/_data"));
  EXPECT_EQ(List("dangling", "true"), std::vector<std::string>{});
  Use("busy", "c1", /*release=*/true);
  EXPECT_EQ(List("dangling", "true"), std::vector<std::string>{"busy"});
  // As docker (moby#31446): -f does not remove a volume in use either; it
  // only makes a missing volume no error.
  Use("busy", "c2");
  EXPECT_EQ(Remove("busy", true).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(Exists(dir_ + "/volumes/busy/_data"));
  Use("busy", "c2", /*release=*/true);
  EXPECT_TRUE(Remove("busy", true).ok());
  EXPECT_FALSE(Exists(dir_ + "/volumes/busy"));
  EXPECT_EQ(Remove("busy", false).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Remove("busy", true).ok());
}

TEST_F(VolumesServiceTest, FiltersByNameAndLabel) {
  Create("alpha");
  Create("beta");
  EXPECT_EQ(List("name", "alp"), std::vector<std::string>{"alpha"});
  EXPECT_EQ(List("label", "team=db").size(), 2u);
  EXPECT_TRUE(List("label", "team=web").empty());
  berth::snapshots::v1::ListVolumesRequest bad;
  (*bad.mutable_filters())["colour"].add_values("red");
  berth::snapshots::v1::ListVolumesResponse response;
  grpc::ServerContext context;
  EXPECT_EQ(service_->List(&context, &bad, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(VolumesServiceTest, PruneRemovesOnlyUnusedAnonymousVolumesUnlessAll) {
  Create("named");
  Volume anonymous = Create("", true);
  Volume used = Create("", true);
  Use(used.name(), "c1");
  std::ofstream(anonymous.mountpoint() + "/blob") << std::string(1000, 'x');
  berth::snapshots::v1::PruneVolumesRequest request;
  berth::snapshots::v1::PruneVolumesResponse response;
  grpc::ServerContext context;
  ASSERT_TRUE(service_->Prune(&context, &request, &response).ok());
  EXPECT_EQ(response.deleted_size(), 1);
  EXPECT_EQ(response.deleted(0), anonymous.name());
  EXPECT_EQ(response.space_reclaimed(), 1000);
  request.set_all(true);
  berth::snapshots::v1::PruneVolumesResponse all;
  grpc::ServerContext context2;
  ASSERT_TRUE(service_->Prune(&context2, &request, &all).ok());
  EXPECT_EQ(all.deleted_size(), 1);
  EXPECT_EQ(all.deleted(0), "named");
  EXPECT_EQ(List(), std::vector<std::string>{used.name()});
}

TEST_F(VolumesServiceTest, RecoverRemovesLeftoversOfInterruptedOperations) {
  Create("kept");
  // What a crash leaves: a temp dir, a trash dir, a directory with no record.
  for (const char* leftover : {".tmp-x-1234", ".trash-y-5678", "orphan"}) {
    ASSERT_EQ(::mkdir((dir_ + "/volumes/" + leftover).c_str(), 0755), 0);
  }
  Open();
  EXPECT_TRUE(Exists(dir_ + "/volumes/kept/_data"));
  EXPECT_FALSE(Exists(dir_ + "/volumes/.tmp-x-1234"));
  EXPECT_FALSE(Exists(dir_ + "/volumes/.trash-y-5678"));
  EXPECT_FALSE(Exists(dir_ + "/volumes/orphan"));
  EXPECT_EQ(List(), std::vector<std::string>{"kept"});
}

}  // namespace
}  // namespace berth::snapshots
