#include "services/snapshots/changes_list.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>

#include "gtest/gtest.h"
#include "services/snapshots/fs_util.h"

namespace berth::snapshots {
namespace {

class ChangesListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/changes-list-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { RemoveAll(root_).IgnoreError(); }

  std::string Dir(const std::string& relative) {
    std::string path = root_ + "/" + relative;
    EXPECT_TRUE(fs::MakeDirectories(path, 0755).ok());
    return path;
  }
  void File(const std::string& relative, const std::string& content) {
    std::ofstream(root_ + "/" + relative) << content;
  }

  static std::string Listed(const std::vector<Change>& changes) {
    std::string out;
    for (const Change& change : changes) {
      out += std::string(1, "CAD"[change.kind]) + " " + change.path + "\n";
    }
    return out;
  }

  std::string root_;
};

TEST_F(ChangesListTest, OverlayUpperAgainstItsLowers) {
  Dir("lower/etc");
  Dir("lower/tmp");
  Dir("lower/var/log");
  File("lower/etc/motd", "hi");
  File("lower/etc/passwd", "root");
  Dir("upper/etc");
  Dir("upper/tmp");
  Dir("upper/new");
  Dir("upper/var");  // copied up for a mount point, nothing below it changed
  ASSERT_EQ(::mknod((root_ + "/upper/etc/motd").c_str(), S_IFCHR | 0, makedev(0, 0)), 0);
  File("upper/etc/passwd", "root\nbob");
  File("upper/etc/hosts", "excluded");
  File("upper/tmp/x", "");
  File("upper/new/f", "");
  File("upper/a-b", "");
  auto changes = OverlayChanges(root_ + "/upper", {root_ + "/lower"}, {"etc/hosts"});
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_EQ(Listed(*changes),
            "A /a-b\nC /etc\nD /etc/motd\nC /etc/passwd\nA /new\nA /new/f\nC /tmp\nA /tmp/x\n");
}

TEST_F(ChangesListTest, OverlayDirectoryWithOnlyNewModeIsChanged) {
  Dir("lower/srv");
  ::chmod((root_ + "/lower/srv").c_str(), 0755);
  Dir("upper/srv");
  ::chmod((root_ + "/upper/srv").c_str(), 0700);
  auto changes = OverlayChanges(root_ + "/upper", {root_ + "/lower"}, {});
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_EQ(Listed(*changes), "C /srv\n");
}

TEST_F(ChangesListTest, NativeCopyAgainstItsParent) {
  Dir("parent/etc");
  Dir("parent/bin");
  File("parent/etc/motd", "hi");
  File("parent/etc/passwd", "root");
  File("parent/bin/sh", "elf");
  ASSERT_TRUE(CopyTree(root_ + "/parent", Dir("dir")).ok());
  ::unlink((root_ + "/dir/etc/motd").c_str());
  File("dir/etc/passwd", "root\nbob");
  File("dir/new", "");
  auto changes = NativeChanges(root_ + "/dir", root_ + "/parent", {});
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_EQ(Listed(*changes), "C /etc\nD /etc/motd\nC /etc/passwd\nA /new\n");
}

TEST_F(ChangesListTest, MissingSnapshotDirectoryIsAnError) {
  EXPECT_FALSE(OverlayChanges(root_ + "/nope", {}, {}).ok());
}

}  // namespace
}  // namespace berth::snapshots
