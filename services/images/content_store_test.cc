#include "services/images/content_store.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "gtest/gtest.h"
#include "services/common/digest/sha256.h"
#include "services/common/fs/fs_util.h"

namespace berth::images {
namespace {

class ContentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(fs::RemoveAll(root_).ok());
    auto store = ContentStore::Open(root_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  std::string root_;
  std::unique_ptr<ContentStore> store_;
};

TEST_F(ContentStoreTest, CommitsOnlyVerifiedBlobsUnderTheirDigest) {
  std::string data(100000, 'q');
  std::string digest = Sha256::Of(data);
  auto writer = store_->Writer(digest, static_cast<int64_t>(data.size()));
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write(data.data(), 60000).ok());
  EXPECT_FALSE(store_->Exists(digest)) << "visible before commit";
  ASSERT_TRUE((*writer)->Write(data.data() + 60000, 40000).ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_TRUE(store_->Exists(digest));
  EXPECT_EQ(*store_->ReadAll(digest), data);
  EXPECT_TRUE(store_->Verify(digest).ok());
  struct stat st;
  ASSERT_EQ(::stat(store_->BlobPath(*DigestHex(digest)).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u);
}

TEST_F(ContentStoreTest, WrongDigestOrSizeIsNeverCommitted) {
  std::string digest = Sha256::Of("expected");
  auto writer = store_->Writer(digest, 8);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("tampered", 8).ok());
  absl::Status status = (*writer)->Commit();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("digest mismatch"), std::string::npos);
  EXPECT_FALSE(store_->Exists(digest));
  auto longer = store_->Writer(digest, 4);
  ASSERT_TRUE(longer.ok());
  EXPECT_EQ((*longer)->Write("too long", 8).code(), absl::StatusCode::kDataLoss);
}

TEST_F(ContentStoreTest, InterruptedWriteResumesWhereItStopped) {
  std::string data = "0123456789abcdef";
  std::string digest = Sha256::Of(data);
  {
    auto writer = store_->Writer(digest, 16);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write(data.data(), 10).ok());
    // The process dies here: the writer goes away without commit.
  }
  auto resumed = store_->Writer(digest, 16);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ((*resumed)->offset(), 10);
  ASSERT_TRUE((*resumed)->Write(data.data() + 10, 6).ok());
  ASSERT_TRUE((*resumed)->Commit().ok());
  EXPECT_EQ(*store_->ReadAll(digest), data);
}

TEST_F(ContentStoreTest, VerifyDetectsACorruptedBlob) {
  std::string digest = Sha256::Of("good");
  ASSERT_TRUE(store_->Put(digest, "good").ok());
  std::string path = store_->BlobPath(*DigestHex(digest));
  ::chmod(path.c_str(), 0644);
  std::ofstream(path) << "evil";
  EXPECT_EQ(store_->Verify(digest).code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(store_->Delete(digest).ok());
  EXPECT_FALSE(store_->Exists(digest));
}

TEST_F(ContentStoreTest, DigestsAreValidated) {
  EXPECT_FALSE(DigestHex("sha512:abc").ok());
  EXPECT_FALSE(DigestHex("sha256:abc").ok());
  EXPECT_FALSE(DigestHex("sha256:" + std::string(64, 'G')).ok());
  EXPECT_FALSE(DigestHex("sha256:../../../../etc/passwd" + std::string(36, 'a')).ok());
  EXPECT_TRUE(DigestHex("sha256:" + std::string(64, 'a')).ok());
  EXPECT_FALSE(store_->Writer("sha256:../x", 1).ok());
}

}  // namespace
}  // namespace berth::images
