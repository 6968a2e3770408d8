#include "shim/container/user.h"

#include <cstdlib>
#include <fstream>

#include "gtest/gtest.h"
#include "services/common/fs/fs_util.h"

namespace berth::container {
namespace {

class UserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upper_ = std::string(std::getenv("TEST_TMPDIR")) + "/upper";
    lower_ = std::string(std::getenv("TEST_TMPDIR")) + "/lower";
    ASSERT_TRUE(fs::MakeDirectories(upper_ + "/etc", 0755).ok());
    ASSERT_TRUE(fs::MakeDirectories(lower_ + "/etc", 0755).ok());
    Write(lower_ + "/etc/passwd",
          "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"
          "app:x:1000:1000::/srv/app:/bin/sh\n");
    Write(lower_ + "/etc/group", "root:x:0:\nstaff:x:50:app,other\napp:x:1000:\nnogroup:x:65534:\n");
  }
  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  std::vector<std::string> Layers() { return {upper_, lower_}; }
  std::string upper_, lower_;
};

TEST_F(UserTest, NamesAndNumbersAsDocker) {
  auto root = ResolveUser("", Layers());
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(root->uid, 0u);
  EXPECT_EQ(root->home, "/root");

  auto app = ResolveUser("app", Layers());
  ASSERT_TRUE(app.ok()) << app.status();
  EXPECT_EQ(app->uid, 1000u);
  EXPECT_EQ(app->gid, 1000u);
  EXPECT_EQ(app->home, "/srv/app");
  EXPECT_EQ(app->additional_gids, std::vector<gid_t>{50});

  auto numeric = ResolveUser("4242:staff", Layers());
  ASSERT_TRUE(numeric.ok()) << numeric.status();
  EXPECT_EQ(numeric->uid, 4242u);
  EXPECT_EQ(numeric->gid, 50u);

  auto nobody = ResolveUser("65534", Layers());
  ASSERT_TRUE(nobody.ok());
  EXPECT_EQ(nobody->gid, 65534u);
}

// docker --group-add and a pod's supplemental groups: ids as they are
// (known or not), names from /etc/group, after the user's own groups.
TEST_F(UserTest, ExtraGroupsJoinTheImagesGroups) {
  auto app = ResolveUser("app", Layers(), {"1234", "nogroup", "50"});
  ASSERT_TRUE(app.ok()) << app.status();
  EXPECT_EQ(app->additional_gids, (std::vector<gid_t>{50, 1234, 65534}));

  auto root = ResolveUser("", Layers(), {"5678"});
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(root->additional_gids, std::vector<gid_t>{5678});

  EXPECT_EQ(ResolveUser("app", Layers(), {"ghosts"}).status().message(),
            "unable to find group ghosts: no matching entries in group file");
}

TEST_F(UserTest, UnknownNamesAreErrors) {
  EXPECT_EQ(ResolveUser("ghost", Layers()).status().message(),
            "unable to find user ghost: no matching entries in passwd file");
  EXPECT_EQ(ResolveUser("app:ghosts", Layers()).status().message(),
            "unable to find group ghosts: no matching entries in group file");
}

TEST_F(UserTest, UpperLayerWinsAndSymlinksStayInside) {
  Write(upper_ + "/etc/passwd", "root:x:0:0:root:/upper-root:/bin/sh\n");
  auto root = ResolveUser("root", Layers());
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->home, "/upper-root");
  // An absolute symlink resolves inside the layer, not to the host's file.
  std::remove((upper_ + "/etc/passwd").c_str());
  ASSERT_EQ(::symlink("/etc/shadow-of-host", (upper_ + "/etc/passwd").c_str()), 0);
  auto text = ReadContainerFile({upper_}, "/etc/passwd");
  EXPECT_FALSE(text.ok());
}

}  // namespace
}  // namespace berth::container
