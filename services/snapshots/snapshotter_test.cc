// One conformance suite for every snapshotter driver (containerd's
// snapshotter tests in spirit): the same behaviour from overlayfs and
// native, checked through real mounts in a private mount namespace.

#include "services/snapshots/snapshotter.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "services/common/mount/mount.h"
#include "services/snapshots/fs_util.h"
#include "services/snapshots/schema.h"

namespace berth::snapshots {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path) << content;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class SnapshotterTest : public ::testing::TestWithParam<Driver> {
 protected:
  static void SetUpTestSuite() {
    // Mounts made by the tests stay in a namespace of their own.
    ASSERT_EQ(::unshare(CLONE_NEWNS), 0) << "unshare: " << errno;
    ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
  }

  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
    ASSERT_TRUE(RemoveAll(dir_).ok());
    ASSERT_EQ(::mkdir(dir_.c_str(), 0755), 0);
    Reopen();
  }

  void Reopen() {
    snapshotter_.reset();
    db_.reset();
    auto db = store::Database::Open(dir_ + "/meta.db", Migrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    auto snapshotter = Snapshotter::Open(GetParam(), dir_ + "/snapshots", db_.get());
    ASSERT_TRUE(snapshotter.ok()) << snapshotter.status();
    snapshotter_ = *std::move(snapshotter);
  }

  // Mounts the snapshot at a fresh directory; unmounted when the result dies.
  mount::ScopedMount MountAt(const std::vector<Mount>& mounts, std::string* where) {
    *where = dir_ + "/mnt" + std::to_string(next_mount_++);
    EXPECT_EQ(::mkdir(where->c_str(), 0755), 0);
    absl::Status status = mount::MountAll(mounts, *where);
    EXPECT_TRUE(status.ok()) << status;
    return status.ok() ? mount::ScopedMount(*where) : mount::ScopedMount();
  }

  // Prepare key on parent, let fill write through a real mount, commit as name.
  void Layer(const std::string& name, const std::string& parent,
             const std::function<void(const std::string&)>& fill) {
    auto mounts = snapshotter_->Prepare(name + "-active", parent);
    ASSERT_TRUE(mounts.ok()) << mounts.status();
    {
      std::string root;
      mount::ScopedMount mounted = MountAt(*mounts, &root);
      fill(root);
    }
    auto committed = snapshotter_->Commit(name, name + "-active");
    ASSERT_TRUE(committed.ok()) << committed.status();
  }

  std::string dir_;
  int next_mount_ = 0;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Snapshotter> snapshotter_;
};

TEST_P(SnapshotterTest, Basic) {
  Layer("base", "", [](const std::string& root) {
    ::mkdir((root + "/etc").c_str(), 0755);
    WriteFile(root + "/etc/hostname", "base\n");
    WriteFile(root + "/gone", "soon deleted");
  });
  Layer("top", "base", [](const std::string& root) {
    EXPECT_EQ(ReadFile(root + "/etc/hostname"), "base\n");
    WriteFile(root + "/new", "added");
    ASSERT_EQ(::unlink((root + "/gone").c_str()), 0);
  });
  auto view = snapshotter_->View("look", "top");
  ASSERT_TRUE(view.ok()) << view.status();
  std::string root;
  mount::ScopedMount mounted = MountAt(*view, &root);
  EXPECT_EQ(ReadFile(root + "/etc/hostname"), "base\n");
  EXPECT_EQ(ReadFile(root + "/new"), "added");
  EXPECT_FALSE(Exists(root + "/gone"));
  // A view is read-only.
  std::ofstream attempt(root + "/write-here");
  EXPECT_FALSE(attempt.good());
}

TEST_P(SnapshotterTest, Stat) {
  Layer("base", "", [](const std::string&) {});
  ASSERT_TRUE(snapshotter_->Prepare("work", "base", {{"purpose", "test"}}).ok());
  auto active = snapshotter_->Stat("work");
  ASSERT_TRUE(active.ok());
  EXPECT_EQ(active->kind(), berth::snapshots::v1::ACTIVE);
  EXPECT_EQ(active->parent(), "base");
  EXPECT_EQ(active->labels().at("purpose"), "test");
  auto committed = snapshotter_->Stat("base");
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(committed->kind(), berth::snapshots::v1::COMMITTED);
  EXPECT_GT(committed->created_at().seconds(), 0);
  EXPECT_EQ(snapshotter_->Stat("missing").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(SnapshotterTest, Transitivity) {
  Layer("l1", "", [](const std::string& root) {
    WriteFile(root + "/a", "1");
    WriteFile(root + "/b", "1");
  });
  Layer("l2", "l1", [](const std::string& root) { WriteFile(root + "/b", "2"); });
  Layer("l3", "l2", [](const std::string& root) {
    EXPECT_EQ(ReadFile(root + "/a"), "1");
    EXPECT_EQ(ReadFile(root + "/b"), "2");
    WriteFile(root + "/c", "3");
  });
  auto view = snapshotter_->View("v", "l3");
  ASSERT_TRUE(view.ok());
  std::string root;
  mount::ScopedMount mounted = MountAt(*view, &root);
  EXPECT_EQ(ReadFile(root + "/a"), "1");
  EXPECT_EQ(ReadFile(root + "/b"), "2");
  EXPECT_EQ(ReadFile(root + "/c"), "3");
}

TEST_P(SnapshotterTest, RemoveRefusedWhileChildrenExist) {
  Layer("base", "", [](const std::string& root) { WriteFile(root + "/f", "x"); });
  ASSERT_TRUE(snapshotter_->Prepare("child", "base").ok());
  absl::Status refused = snapshotter_->Remove("base");
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("1 children"), std::string::npos) << refused;
  ASSERT_TRUE(snapshotter_->Remove("child").ok());
  ASSERT_TRUE(snapshotter_->Remove("base").ok());
  auto list = snapshotter_->List();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  // Nothing of either is left on disk.
  auto usage = DiskUsageWithInodes(dir_ + "/snapshots");
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->second, 1) << "only the root directory should remain";
  EXPECT_EQ(snapshotter_->Remove("base").code(), absl::StatusCode::kNotFound);
}

TEST_P(SnapshotterTest, WalkListsEverySnapshot) {
  Layer("a", "", [](const std::string&) {});
  Layer("b", "a", [](const std::string&) {});
  ASSERT_TRUE(snapshotter_->Prepare("c", "b").ok());
  ASSERT_TRUE(snapshotter_->View("d", "a").ok());
  auto list = snapshotter_->List();
  ASSERT_TRUE(list.ok());
  std::vector<std::string> names;
  for (const Info& info : *list) names.push_back(info.name() + ":" + info.parent());
  EXPECT_EQ(names, (std::vector<std::string>{"a:", "b:a", "c:b", "d:a"}));
}

TEST_P(SnapshotterTest, LayerFileUpdateLeavesParentUntouched) {
  Layer("base", "", [](const std::string& root) { WriteFile(root + "/config", "old"); });
  auto mounts = snapshotter_->Prepare("container", "base");
  ASSERT_TRUE(mounts.ok());
  {
    std::string root;
    mount::ScopedMount mounted = MountAt(*mounts, &root);
    WriteFile(root + "/config", "new");
    EXPECT_EQ(ReadFile(root + "/config"), "new");
  }
  auto view = snapshotter_->View("parent-view", "base");
  ASSERT_TRUE(view.ok());
  std::string root;
  mount::ScopedMount mounted = MountAt(*view, &root);
  EXPECT_EQ(ReadFile(root + "/config"), "old");
  // The mounts of an active snapshot can be asked for again.
  auto again = snapshotter_->Mounts("container");
  ASSERT_TRUE(again.ok());
  std::string root2;
  mount::ScopedMount remounted = MountAt(*again, &root2);
  EXPECT_EQ(ReadFile(root2 + "/config"), "new");
}

TEST_P(SnapshotterTest, OneHundredTwentyEightLayers) {
  std::string parent;
  for (int i = 0; i < 128; ++i) {
    std::string name = "layer-" + std::to_string(i);
    auto mounts = snapshotter_->Prepare(name + "-active", parent);
    ASSERT_TRUE(mounts.ok()) << mounts.status();
    // Unpacking writes straight into the upper directory, no mount needed.
    auto upper = snapshotter_->UpperDir(name + "-active");
    ASSERT_TRUE(upper.ok());
    WriteFile(*upper + "/file-" + std::to_string(i), std::to_string(i));
    ASSERT_TRUE(snapshotter_->Commit(name, name + "-active").ok());
    parent = name;
  }
  auto mounts = snapshotter_->Prepare("container", parent);
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  std::string root;
  mount::ScopedMount mounted = MountAt(*mounts, &root);
  for (int i = 0; i < 128; ++i) {
    EXPECT_EQ(ReadFile(root + "/file-" + std::to_string(i)), std::to_string(i)) << i;
  }
  WriteFile(root + "/top", "writable");
  EXPECT_EQ(ReadFile(root + "/top"), "writable");
}

TEST_P(SnapshotterTest, UsageCountsBytesAndInodes) {
  ASSERT_TRUE(snapshotter_->Prepare("work", "").ok());
  auto upper = snapshotter_->UpperDir("work");
  ASSERT_TRUE(upper.ok());
  WriteFile(*upper + "/blob", std::string(1 << 20, 'x'));
  ::mkdir((*upper + "/dir").c_str(), 0755);
  auto usage = snapshotter_->GetUsage("work");
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->size, 1 << 20);
  EXPECT_EQ(usage->inodes, 3);  // fs itself, blob, dir
}

TEST_P(SnapshotterTest, BadRequestsAreRefused) {
  Layer("base", "", [](const std::string&) {});
  ASSERT_TRUE(snapshotter_->Prepare("active", "base").ok());
  EXPECT_EQ(snapshotter_->Prepare("active", "base").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(snapshotter_->Prepare("x", "nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(snapshotter_->Prepare("y", "active").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(snapshotter_->Commit("base", "active").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(snapshotter_->Commit("z", "base").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(snapshotter_->Mounts("base").status().code(), absl::StatusCode::kFailedPrecondition);
  // The failed commit left the active snapshot as it was.
  EXPECT_EQ(snapshotter_->Stat("active")->kind(), berth::snapshots::v1::ACTIVE);
}

TEST_P(SnapshotterTest, LeftoversOfACrashAreRemovedOnOpen) {
  Layer("kept", "", [](const std::string& root) { WriteFile(root + "/f", "x"); });
  // What a crash leaves: a temp dir and a directory without a record.
  ASSERT_EQ(::mkdir((dir_ + "/snapshots/.tmp-abc").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((dir_ + "/snapshots/999").c_str(), 0700), 0);
  Reopen();
  EXPECT_FALSE(Exists(dir_ + "/snapshots/.tmp-abc"));
  EXPECT_FALSE(Exists(dir_ + "/snapshots/999"));
  auto view = snapshotter_->View("v", "kept");
  ASSERT_TRUE(view.ok());
  std::string root;
  mount::ScopedMount mounted = MountAt(*view, &root);
  EXPECT_EQ(ReadFile(root + "/f"), "x");
}

INSTANTIATE_TEST_SUITE_P(Drivers, SnapshotterTest,
                         ::testing::Values(Driver::kOverlay, Driver::kNative),
                         [](const ::testing::TestParamInfo<Driver>& info) {
                           return info.param == Driver::kOverlay ? "overlayfs" : "native";
                         });

}  // namespace
}  // namespace berth::snapshots
