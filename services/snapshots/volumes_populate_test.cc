// Volumes.Populate through a real overlay snapshot: docker's copy-up from a
// container's filesystem into a fresh volume, once.

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "services/snapshots/fs_util.h"
#include "services/snapshots/schema.h"
#include "services/snapshots/snapshotter.h"
#include "services/snapshots/volumes_service.h"

namespace berth::snapshots {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class VolumesPopulateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The service's temporary mounts stay in a namespace of their own.
    ASSERT_EQ(::unshare(CLONE_NEWNS), 0) << "unshare: " << errno;
    ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
  }

  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(RemoveAll(dir_).ok());
    ASSERT_EQ(::mkdir(dir_.c_str(), 0755), 0);
    auto db = store::Database::Open(dir_ + "/meta.db", Migrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    auto snapshotter = Snapshotter::Open(Driver::kOverlay, dir_ + "/snapshots", db_.get());
    ASSERT_TRUE(snapshotter.ok()) << snapshotter.status();
    snapshotter_ = *std::move(snapshotter);
    service_ = std::make_unique<VolumesService>(db_.get(), dir_ + "/volumes", snapshotter_.get());
    ASSERT_TRUE(service_->Recover().ok());

    // An image layer with /data/seed, and a container snapshot on it.
    ASSERT_TRUE(snapshotter_->Prepare("layer-1", "").ok());
    auto upper = snapshotter_->UpperDir("layer-1");
    ASSERT_TRUE(upper.ok());
    ASSERT_EQ(::mkdir((*upper + "/data").c_str(), 0755), 0);
    std::ofstream(*upper + "/data/seed") << "seed\n";
    ASSERT_TRUE(snapshotter_->Commit("image", "layer-1").ok());
    ASSERT_TRUE(snapshotter_->Prepare("container", "image").ok());
  }

  berth::snapshots::v1::Volume Create(const std::string& name) {
    berth::snapshots::v1::CreateVolumeRequest request;
    request.set_name(name);
    berth::snapshots::v1::Volume volume;
    grpc::ServerContext context;
    EXPECT_TRUE(service_->Create(&context, &request, &volume).ok());
    return volume;
  }

  grpc::Status Populate(const std::string& name, const std::string& path,
                        berth::snapshots::v1::PopulateVolumeResponse* response) {
    berth::snapshots::v1::PopulateVolumeRequest request;
    request.set_name(name);
    request.set_snapshot_key("container");
    request.set_path(path);
    grpc::ServerContext context;
    return service_->Populate(&context, &request, response);
  }

  std::string dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Snapshotter> snapshotter_;
  std::unique_ptr<VolumesService> service_;
};

TEST_F(VolumesPopulateTest, CopiesOnceAndMarksThePopulatedVolume) {
  std::string data = Create("fresh").mountpoint();
  berth::snapshots::v1::PopulateVolumeResponse response;
  grpc::Status status = Populate("fresh", "/data", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(response.copied());
  EXPECT_TRUE(response.volume().populated());
  EXPECT_EQ(Read(data + "/seed"), "seed\n");

  // Emptied, it is not filled again.
  ASSERT_EQ(::unlink((data + "/seed").c_str()), 0);
  response.Clear();
  ASSERT_TRUE(Populate("fresh", "/data", &response).ok());
  EXPECT_FALSE(response.copied());
  struct stat st;
  EXPECT_NE(::lstat((data + "/seed").c_str(), &st), 0);

  // Nothing at the path: nothing copied, and a later copy-up still can.
  Create("other");
  response.Clear();
  ASSERT_TRUE(Populate("other", "/missing", &response).ok());
  EXPECT_FALSE(response.copied());
  EXPECT_FALSE(response.volume().populated());

  // No temporary mount of the container's filesystem is left.
  EXPECT_EQ(Read("/proc/self/mounts").find(dir_ + "/volumes"), std::string::npos);
}

TEST_F(VolumesPopulateTest, ErrorsNameTheVolumeAndTheSnapshot) {
  Create("vol");
  berth::snapshots::v1::PopulateVolumeResponse response;
  berth::snapshots::v1::PopulateVolumeRequest request;
  request.set_name("vol");
  request.set_snapshot_key("no-such-snapshot");
  request.set_path("/data");
  grpc::ServerContext context;
  grpc::Status status = service_->Populate(&context, &request, &response);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.error_message().find("populate volume vol from no-such-snapshot:/data"),
            std::string::npos)
      << status.error_message();
  EXPECT_EQ(Populate("missing", "/data", &response).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Populate("vol", "relative", &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace berth::snapshots
