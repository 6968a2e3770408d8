// Content that no image references goes, unless a lease holds it.

#include "services/images/garbage_collector.h"

#include <cstdlib>

#include "gtest/gtest.h"
#include "services/common/digest/sha256.h"
#include "services/common/fs/fs_util.h"
#include "services/images/schema.h"

namespace berth::images {
namespace {

class GarbageCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(fs::RemoveAll(root_).ok());
    ASSERT_TRUE(fs::MakeDirectories(root_, 0755).ok());
    auto store = ContentStore::Open(root_);
    ASSERT_TRUE(store.ok()) << store.status();
    content_ = *std::move(store);
    auto db = store::Database::Open(root_ + "/meta.db", Migrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    images_ = std::make_unique<ImageStore>(db_.get());
    leases_ = std::make_unique<Leases>(db_.get());
  }

  std::string Put(const std::string& data) {
    std::string digest = Sha256::Of(data);
    auto writer = content_->Writer(digest, static_cast<int64_t>(data.size()));
    EXPECT_TRUE(writer.ok());
    EXPECT_TRUE((*writer)->Write(data.data(), data.size()).ok());
    EXPECT_TRUE((*writer)->Commit().ok());
    return digest;
  }

  std::string root_;
  std::unique_ptr<ContentStore> content_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<ImageStore> images_;
  std::unique_ptr<Leases> leases_;
};

TEST_F(GarbageCollectorTest, LeasedContentSurvivesUntilItsLeaseIsDeleted) {
  std::string held = Put("a layer a commit is writing");
  std::string loose = Put("a layer nobody wants");
  ASSERT_TRUE(leases_->Create("commit", absl::Hours(1)).ok());
  ASSERT_TRUE(leases_->AddContent("commit", held).ok());
  GarbageCollector collector(content_.get(), images_.get(), nullptr, leases_.get());

  auto first = collector.Collect();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->deleted_blobs, std::vector<std::string>{loose});
  EXPECT_TRUE(content_->Exists(held));
  EXPECT_FALSE(content_->Exists(loose));

  ASSERT_TRUE(leases_->Delete("commit").ok());
  auto second = collector.Collect();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->deleted_blobs, std::vector<std::string>{held});
  EXPECT_FALSE(content_->Exists(held));
}

ImageRecord Named(const std::string& name, const std::string& manifest_digest) {
  ImageRecord record;
  record.name = name;
  record.target.set_media_type("application/vnd.oci.image.manifest.v1+json");
  record.target.set_digest(manifest_digest);
  record.config_digest = "sha256:config-of-" + name;
  return record;
}

TEST_F(GarbageCollectorTest, NamesAreKeptPerNamespace) {
  ImageStore k8s = images_->In("k8s.io");
  ASSERT_TRUE(k8s.Put({Named("docker.io/library/busybox:latest", "sha256:aa")}, {}).ok());
  EXPECT_TRUE(images_->List()->empty());
  EXPECT_TRUE(absl::IsNotFound(images_->Get("docker.io/library/busybox:latest").status()));
  ASSERT_EQ(k8s.List()->size(), 1u);
  EXPECT_EQ(k8s.List()->front().ns, "k8s.io");
  // The same name in default is another record; deleting it leaves k8s.io's.
  ASSERT_TRUE(images_->Put({Named("docker.io/library/busybox:latest", "sha256:bb")}, {}).ok());
  EXPECT_EQ(images_->Get("docker.io/library/busybox:latest")->target.digest(), "sha256:bb");
  EXPECT_EQ(k8s.Get("docker.io/library/busybox:latest")->target.digest(), "sha256:aa");
  EXPECT_EQ(images_->ListAll()->size(), 2u);
  ASSERT_TRUE(images_->Delete("docker.io/library/busybox:latest").ok());
  EXPECT_TRUE(images_->List()->empty());
  EXPECT_EQ(k8s.List()->size(), 1u);
}

TEST_F(GarbageCollectorTest, AnotherNamespacesImageKeepsItsContent) {
  std::string manifest = Put("a manifest only k8s.io names");
  ImageStore k8s = images_->In("k8s.io");
  ASSERT_TRUE(k8s.Put({Named("registry.k8s.io/pause:3.9", manifest)}, {manifest}).ok());
  // Collection started from the default namespace's store still sees it.
  GarbageCollector collector(content_.get(), images_.get(), nullptr, leases_.get());
  auto kept = collector.Collect();
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_TRUE(kept->deleted_blobs.empty());
  EXPECT_TRUE(content_->Exists(manifest));

  ASSERT_TRUE(k8s.Delete("registry.k8s.io/pause:3.9").ok());
  auto gone = collector.Collect();
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_EQ(gone->deleted_blobs, std::vector<std::string>{manifest});
}

}  // namespace
}  // namespace berth::images
