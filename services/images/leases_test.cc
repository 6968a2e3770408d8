#include "services/images/leases.h"

#include <cstdlib>

#include "gtest/gtest.h"
#include "services/images/schema.h"

namespace berth::images {
namespace {

class LeasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    std::remove(path.c_str());
    auto db = store::Database::Open(path, Migrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }
  std::unique_ptr<store::Database> db_;
};

TEST_F(LeasesTest, ContentIsHeldUntilTheLeaseIsDeleted) {
  Leases leases(db_.get());
  auto lease = leases.Create("commit-1", absl::ZeroDuration());
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_EQ(lease->expires_at - lease->created_at, Leases::kDefaultExpiry);
  ASSERT_TRUE(leases.AddContent("commit-1", "sha256:aa").ok());
  ASSERT_TRUE(leases.AddContent("commit-1", "sha256:aa").ok());  // twice is fine
  ASSERT_TRUE(leases.AddContent("commit-1", "sha256:bb").ok());
  EXPECT_EQ(*leases.HeldContent(), (std::set<std::string>{"sha256:aa", "sha256:bb"}));
  EXPECT_EQ(leases.Create("commit-1", absl::ZeroDuration()).status().code(),
            absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(leases.Delete("commit-1").ok());
  EXPECT_TRUE(leases.HeldContent()->empty());
  EXPECT_EQ(leases.Delete("commit-1").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(leases.AddContent("commit-1", "sha256:cc").code(), absl::StatusCode::kNotFound);
}

TEST_F(LeasesTest, ExpiredLeasesHoldNothing) {
  Leases leases(db_.get());
  ASSERT_TRUE(leases.Create("short", absl::Seconds(1)).ok());
  ASSERT_TRUE(leases.AddContent("short", "sha256:aa").ok());
  auto random = leases.Create("", absl::Hours(1));
  ASSERT_TRUE(random.ok());
  EXPECT_EQ(random->id.size(), 32u);
  ASSERT_TRUE(leases.AddContent(random->id, "sha256:bb").ok());
  // Expire "short" by moving its deadline into the past.
  ASSERT_TRUE(db_->Run("UPDATE leases SET expires_at = 0 WHERE id = 'short'").ok());
  EXPECT_EQ(*leases.HeldContent(), (std::set<std::string>{"sha256:bb"}));
  EXPECT_EQ(leases.AddContent("short", "sha256:cc").code(), absl::StatusCode::kNotFound);
}

TEST_F(LeasesTest, SnapshotsAndADeadProcesssPulls) {
  Leases leases(db_.get());
  ASSERT_TRUE(leases.Create("pull-1", absl::Hours(1)).ok());
  ASSERT_TRUE(leases.Create("commit-1", absl::Hours(1)).ok());
  ASSERT_TRUE(leases.AddSnapshot("pull-1", "extract-ab sha256:c").ok());
  ASSERT_TRUE(leases.AddSnapshot("pull-1", "sha256:c").ok());
  ASSERT_TRUE(leases.AddContent("pull-1", "sha256:layer").ok());
  ASSERT_TRUE(leases.AddSnapshot("commit-1", "sha256:d").ok());
  EXPECT_EQ(*leases.HeldSnapshots(),
            (std::set<std::string>{"extract-ab sha256:c", "sha256:c", "sha256:d"}));
  // A restarted service drops its previous process's pulls, nothing else.
  ASSERT_TRUE(leases.DeleteWithPrefix("pull-").ok());
  EXPECT_EQ(*leases.HeldSnapshots(), std::set<std::string>{"sha256:d"});
  EXPECT_TRUE(leases.HeldContent()->empty());
  EXPECT_EQ(leases.AddSnapshot("pull-1", "sha256:e").code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(leases.Delete("commit-1").ok());
  EXPECT_TRUE(leases.HeldSnapshots()->empty());
}

}  // namespace
}  // namespace berth::images
