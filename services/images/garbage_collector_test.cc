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

}  // namespace
}  // namespace berth::images
