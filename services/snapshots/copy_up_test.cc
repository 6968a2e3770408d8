#include "services/snapshots/copy_up.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "services/snapshots/fs_util.h"

namespace berth::snapshots {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

class CopyUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(RemoveAll(dir_).ok());
    root_ = dir_ + "/root";
    volume_ = dir_ + "/volume/_data";
    ASSERT_TRUE(fs::MakeDirectories(root_, 0755).ok());
    ASSERT_TRUE(fs::MakeDirectories(volume_, 0755).ok());
  }

  std::string dir_, root_, volume_;
};

TEST_F(CopyUpTest, CopiesContentOwnershipModesAndLinks) {
  ASSERT_TRUE(fs::MakeDirectories(root_ + "/srv/data/sub", 0755).ok());
  Write(root_ + "/srv/data/sub/file", "content\n");
  ASSERT_EQ(::chown((root_ + "/srv/data/sub/file").c_str(), 1234, 5678), 0);
  ASSERT_EQ(::chmod((root_ + "/srv/data/sub/file").c_str(), 0640), 0);
  ASSERT_EQ(::symlink("sub/file", (root_ + "/srv/data/link").c_str()), 0);
  ASSERT_EQ(::chown((root_ + "/srv/data").c_str(), 999, 998), 0);
  ASSERT_EQ(::chmod((root_ + "/srv/data").c_str(), 0711), 0);

  auto copied = CopyUp(root_, "/srv/data", volume_);
  ASSERT_TRUE(copied.ok()) << copied.status();
  EXPECT_TRUE(*copied);
  EXPECT_EQ(Read(volume_ + "/sub/file"), "content\n");
  struct stat st;
  ASSERT_EQ(::stat((volume_ + "/sub/file").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  char link[64] = {};
  ASSERT_GT(::readlink((volume_ + "/link").c_str(), link, sizeof(link) - 1), 0);
  EXPECT_STREQ(link, "sub/file");
  // The volume's own directory takes the image directory's owner and mode.
  ASSERT_EQ(::stat(volume_.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 999u);
  EXPECT_EQ(st.st_mode & 07777, 0711u);
  EXPECT_FALSE(Exists(dir_ + "/volume/_populate")) << "staging directory left behind";
}

TEST_F(CopyUpTest, LeavesAVolumeWithContentAlone) {
  ASSERT_TRUE(fs::MakeDirectories(root_ + "/data", 0755).ok());
  Write(root_ + "/data/from-image", "image\n");
  Write(volume_ + "/mine", "mine\n");
  auto copied = CopyUp(root_, "/data", volume_);
  ASSERT_TRUE(copied.ok()) << copied.status();
  EXPECT_FALSE(*copied);
  EXPECT_FALSE(Exists(volume_ + "/from-image"));
  EXPECT_EQ(Read(volume_ + "/mine"), "mine\n");
}

TEST_F(CopyUpTest, NothingToCopyWhenThePathIsMissing) {
  Write(root_ + "/file", "x");
  for (const char* path : {"/missing", "/missing/deeper", "/file/deeper"}) {
    auto copied = CopyUp(root_, path, volume_);
    ASSERT_TRUE(copied.ok()) << path << ": " << copied.status();
    EXPECT_FALSE(*copied) << path;
  }
}

// As docker: a volume would hide the file, so it is refused.
TEST_F(CopyUpTest, AFileWhereTheVolumeGoesIsRefused) {
  Write(root_ + "/file", "x");
  auto copied = CopyUp(root_, "/file", volume_);
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.status().message(), "cannot mount volume over existing file, file exists /file");
}

// A symlink in the image that names a host path (absolute, or climbing with
// "..") is resolved inside the image's root: the host directory's files are
// never copied into the volume.
TEST_F(CopyUpTest, SymlinksResolveInsideTheRoot) {
  std::string host = dir_ + "/host-secrets";
  ASSERT_TRUE(fs::MakeDirectories(host, 0700).ok());
  Write(host + "/secret", "host secret\n");
  ASSERT_EQ(::symlink(host.c_str(), (root_ + "/absolute").c_str()), 0);
  ASSERT_EQ(::symlink("../../../../../../../../../..", (root_ + "/climb").c_str()), 0);
  // Inside the root, the absolute link's target is this directory.
  ASSERT_TRUE(fs::MakeDirectories(root_ + host, 0755).ok());
  Write(root_ + host + "/inside", "image file\n");

  auto copied = CopyUp(root_, "/absolute", volume_);
  ASSERT_TRUE(copied.ok()) << copied.status();
  EXPECT_TRUE(*copied);
  EXPECT_FALSE(Exists(volume_ + "/secret"));
  EXPECT_EQ(Read(volume_ + "/inside"), "image file\n");

  ASSERT_TRUE(RemoveAll(dir_ + "/volume").ok());
  ASSERT_TRUE(fs::MakeDirectories(volume_, 0755).ok());
  // ".." stops at the root: this is the root's copy of the host path again.
  copied = CopyUp(root_, "/climb" + host, volume_);
  ASSERT_TRUE(copied.ok()) << copied.status();
  EXPECT_FALSE(Exists(volume_ + "/secret")) << "climbed out of the root";
  EXPECT_EQ(Read(volume_ + "/inside"), "image file\n");
}

}  // namespace
}  // namespace berth::snapshots
