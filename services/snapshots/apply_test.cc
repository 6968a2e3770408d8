#include "services/snapshots/apply.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "services/snapshots/fs_util.h"
#include "services/snapshots/tar_builder.h"

namespace berth::snapshots {
namespace {

ByteSource StringSource(std::string data) {
  auto shared = std::make_shared<std::string>(std::move(data));
  auto offset = std::make_shared<size_t>(0);
  return [shared, offset](char* buffer, size_t size) -> absl::StatusOr<size_t> {
    size_t n = std::min(size, shared->size() - *offset);
    std::memcpy(buffer, shared->data() + *offset, n);
    *offset += n;
    return n;
  };
}

std::string Sha(const std::string& data) {
  Sha256 hash;
  hash.Update(data.data(), data.size());
  return hash.Digest();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

class ApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    base_ = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
    ASSERT_TRUE(RemoveAll(base_).ok());
    ASSERT_EQ(::mkdir(base_.c_str(), 0755), 0);
    root_ = base_ + "/root";
    outside_ = base_ + "/outside";
    ASSERT_EQ(::mkdir(root_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(outside_.c_str(), 0755), 0);
    std::ofstream(outside_ + "/secret") << "host data";
  }

  absl::StatusOr<ApplyResult> Apply(const std::string& tar, ApplyOptions options = {}) {
    if (options.layer_name.empty()) options.layer_name = "sha256:test";
    return ApplyLayer(StringSource(tar), root_, options);
  }

  // The host side of a hostile layer must be untouched.
  void ExpectOutsideUntouched() {
    EXPECT_EQ(ReadFile(outside_ + "/secret"), "host data");
    auto usage = DiskUsageWithInodes(outside_);
    ASSERT_TRUE(usage.ok());
    EXPECT_EQ(usage->second, 2) << "something was written outside the root";
  }

  std::string base_, root_, outside_;
};

TEST_F(ApplyTest, UnpacksEveryKindOfEntry) {
  std::string tar = TarBuilder()
                        .Dir("etc", 0750)
                        .File("etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644)
                        .File("bin/busybox", "ELF...", 04755, 0, 0)
                        .Symlink("bin/sh", "busybox")
                        .Hardlink("bin/ls", "bin/busybox")
                        .File("home/user/.profile", "export A=1\n", 0600, 1000, 1000)
                        .Xattr("user.comment", "kept")
                        .Device("dev/null", AE_IFCHR, makedev(1, 3))
                        .Device("run/fifo", AE_IFIFO, 0)
                        .Build();
  auto result = Apply(tar);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->entries, 8);
  struct stat st;
  ASSERT_EQ(::lstat((root_ + "/etc").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(st.st_mtime, 1600000000);  // Set after its contents were written.
  EXPECT_EQ(ReadFile(root_ + "/etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
  ASSERT_EQ(::lstat((root_ + "/bin/busybox").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  EXPECT_EQ(st.st_nlink, 2u);
  ino_t busybox = st.st_ino;
  ASSERT_EQ(::lstat((root_ + "/bin/ls").c_str(), &st), 0);
  EXPECT_EQ(st.st_ino, busybox);
  char link[64] = {};
  ASSERT_GT(::readlink((root_ + "/bin/sh").c_str(), link, sizeof(link)), 0);
  EXPECT_STREQ(link, "busybox");
  ASSERT_EQ(::lstat((root_ + "/home/user/.profile").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1000u);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_mtime, 1600000000);
  char value[16] = {};
  EXPECT_EQ(::lgetxattr((root_ + "/home/user/.profile").c_str(), "user.comment", value,
                        sizeof(value)),
            4);
  EXPECT_STREQ(value, "kept");
  ASSERT_EQ(::lstat((root_ + "/dev/null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  ASSERT_EQ(::lstat((root_ + "/run/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  // Parents the tar did not list were created.
  ASSERT_EQ(::lstat((root_ + "/home/user").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST_F(ApplyTest, DigestsForEveryCompression) {
  TarBuilder builder;
  builder.File("a", std::string(100000, 'a')).File("b", "bee");
  std::string plain = builder.Build();
  for (std::string compression : {"", "gzip", "zstd"}) {
    ASSERT_TRUE(RemoveAll(root_).ok());
    ASSERT_EQ(::mkdir(root_.c_str(), 0755), 0);
    std::string blob = builder.Build(compression);
    if (!compression.empty()) {
      EXPECT_NE(blob, plain);
    }
    auto result = Apply(blob);
    ASSERT_TRUE(result.ok()) << compression << ": " << result.status();
    EXPECT_EQ(result->diff_id, Sha(plain)) << compression;
    EXPECT_EQ(result->digest, Sha(blob)) << compression;
    EXPECT_EQ(result->compressed_size, static_cast<int64_t>(blob.size()));
    EXPECT_EQ(result->uncompressed_size, static_cast<int64_t>(plain.size()));
    EXPECT_EQ(ReadFile(root_ + "/a").size(), 100000u);
  }
}

TEST_F(ApplyTest, WrongDigestOrDiffIdIsRefused) {
  std::string blob = TarBuilder().File("a", "x").Build("gzip");
  ApplyOptions options;
  options.layer_name = "sha256:abc";
  options.expected_digest = "sha256:0000";
  auto result = Apply(blob, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(result.status().message().find("apply layer sha256:abc: digest mismatch"),
            std::string::npos)
      << result.status();
  options.expected_digest = Sha(blob);
  options.expected_diff_id = "sha256:1111";
  result = Apply(blob, options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("diff id mismatch"), std::string::npos);
}

TEST_F(ApplyTest, OverlayWhiteoutsAndOpaqueDirectoriesHideLowerLayers) {
  // The lower layer, then the upper layer applied into its own directory.
  std::string lower = base_ + "/lower";
  ASSERT_EQ(::mkdir(lower.c_str(), 0755), 0);
  ASSERT_TRUE(ApplyLayer(StringSource(TarBuilder()
                                          .File("keep", "k")
                                          .File("gone", "g")
                                          .File("cache/old1", "1")
                                          .File("cache/old2", "2")
                                          .Build()),
                         lower, {})
                  .ok());
  auto result = Apply(TarBuilder()
                          .File(".wh.gone", "")
                          .Dir("cache")
                          .File("cache/.wh..wh..opq", "")
                          .File("cache/new", "n")
                          .Build());
  ASSERT_TRUE(result.ok()) << result.status();
  struct stat st;
  ASSERT_EQ(::lstat((root_ + "/gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  char value[4] = {};
  EXPECT_EQ(::getxattr((root_ + "/cache").c_str(), "trusted.overlay.opaque", value, sizeof(value)),
            1);
  EXPECT_EQ(value[0], 'y');
  value[0] = 0;
  EXPECT_EQ(::getxattr((root_ + "/cache").c_str(), "user.overlay.opaque", value, sizeof(value)), 1);
  EXPECT_EQ(value[0], 'y');
  EXPECT_FALSE(Exists(root_ + "/.wh.gone"));

  // What a container sees: mount them for real.
  ASSERT_EQ(::unshare(CLONE_NEWNS), 0);
  ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
  std::string merged = base_ + "/merged", work = base_ + "/work";
  ASSERT_EQ(::mkdir(merged.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(work.c_str(), 0755), 0);
  std::string options = "lowerdir=" + lower + ",upperdir=" + root_ + ",workdir=" + work;
  ASSERT_EQ(::mount("overlay", merged.c_str(), "overlay", 0, options.c_str()), 0) << errno;
  EXPECT_EQ(ReadFile(merged + "/keep"), "k");
  EXPECT_FALSE(Exists(merged + "/gone"));
  EXPECT_FALSE(Exists(merged + "/cache/old1"));
  EXPECT_EQ(ReadFile(merged + "/cache/new"), "n");
  ::umount2(merged.c_str(), MNT_DETACH);
}

TEST_F(ApplyTest, NativeWhiteoutsDeleteButKeepThisLayersFiles) {
  ASSERT_TRUE(Apply(TarBuilder().File("keep", "k").File("gone", "g").File("cache/old", "1").Build())
                  .ok());
  ApplyOptions options;
  options.whiteouts = WhiteoutMode::kDelete;
  auto result = Apply(TarBuilder()
                          .File(".wh.gone", "")
                          .File("cache/new", "n")
                          .File("cache/.wh..wh..opq", "")
                          .Build(),
                      options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(Exists(root_ + "/keep"));
  EXPECT_FALSE(Exists(root_ + "/gone"));
  EXPECT_FALSE(Exists(root_ + "/cache/old"));
  EXPECT_EQ(ReadFile(root_ + "/cache/new"), "n");
}

struct HostileCase {
  std::string name;
  std::function<std::string(const std::string& outside)> tar;
  std::string entry;     // Named in the error.
  std::string reason;    // Also in the error.
};

void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }

class HostileLayerTest : public ApplyTest, public ::testing::WithParamInterface<HostileCase> {};

TEST_P(HostileLayerTest, IsRefusedAndNothingOutsideChanges) {
  ApplyOptions options;
  options.layer_name = "sha256:hostile";
  options.allow_devices = false;
  options.max_bytes = 1 << 20;
  options.max_entries = 1000;
  auto result = Apply(GetParam().tar(outside_), options);
  ASSERT_FALSE(result.ok()) << "a hostile layer was applied";
  std::string message(result.status().message());
  EXPECT_NE(message.find("apply layer sha256:hostile"), std::string::npos) << message;
  EXPECT_NE(message.find(GetParam().entry), std::string::npos) << message;
  EXPECT_NE(message.find(GetParam().reason), std::string::npos) << message;
  ExpectOutsideUntouched();
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, HostileLayerTest,
    ::testing::Values(
        HostileCase{"PathTraversal",
                    [](const std::string&) {
                      return TarBuilder().File("../outside/pwned", "x").Build();
                    },
                    "entry \"../outside/pwned\"", "\"..\""},
        HostileCase{"AbsolutePath",
                    [](const std::string& outside) {
                      return TarBuilder().File(outside + "/pwned", "x").Build();
                    },
                    "/pwned\"", "absolute path"},
        HostileCase{"RelativeSymlinkEscape",
                    [](const std::string&) {
                      return TarBuilder()
                          .Symlink("link", "../outside")
                          .File("link/pwned", "x")
                          .Build();
                    },
                    "entry \"link/pwned\"", "outside the layer root"},
        HostileCase{"AbsoluteSymlinkThenFileThroughIt",
                    [](const std::string& outside) {
                      return TarBuilder().Symlink("abs", outside).File("abs/pwned", "x").Build();
                    },
                    "entry \"abs/pwned\"", "outside the layer root"},
        HostileCase{"HardLinkEscape",
                    [](const std::string&) {
                      return TarBuilder().Hardlink("stolen", "../outside/secret").Build();
                    },
                    "entry \"stolen\"", "\"..\""},
        HostileCase{"HardLinkThroughSymlink",
                    [](const std::string&) {
                      return TarBuilder()
                          .Symlink("dir", "../outside")
                          .Hardlink("stolen", "dir/secret")
                          .Build();
                    },
                    "entry \"stolen\"", "outside the layer root"},
        HostileCase{"DeviceNodeNotAllowed",
                    [](const std::string&) {
                      return TarBuilder().Device("dev/sda", AE_IFBLK, makedev(8, 0)).Build();
                    },
                    "entry \"dev/sda\"", "device nodes are not allowed"},
        HostileCase{"DecompressionBomb",
                    [](const std::string&) {
                      return TarBuilder().File("bomb", std::string(4 << 20, '\0')).Build("gzip");
                    },
                    "entry \"bomb\"", "exceeds the limit of 1048576 bytes"},
        HostileCase{"TooManyEntries",
                    [](const std::string&) {
                      TarBuilder builder;
                      for (int i = 0; i < 1001; ++i) builder.File("f" + std::to_string(i), "");
                      return builder.Build();
                    },
                    "entry \"f1000\"", "limit of 1000 entries"},
        HostileCase{"OverlayAttributeInLayer",
                    [](const std::string&) {
                      return TarBuilder()
                          .Dir("d")
                          .Xattr("trusted.overlay.redirect", "/etc")
                          .Build();
                    },
                    "entry \"d/\"", "overlayfs's own attribute"},
        // The mark a user-namespaced container's overlay reads (userxattr).
        HostileCase{"UserNamespaceOverlayAttributeInLayer",
                    [](const std::string&) {
                      return TarBuilder().Dir("d").Xattr("user.overlay.opaque", "y").Build();
                    },
                    "entry \"d/\"", "overlayfs's own attribute"},
        HostileCase{"NotATar",
                    [](const std::string&) { return std::string(4096, '\x7f'); }, "", "tar"},
        HostileCase{"TruncatedGzip",
                    [](const std::string&) {
                      std::string blob = TarBuilder().File("a", std::string(200000, 'q')).Build("gzip");
                      return blob.substr(0, blob.size() / 2);
                    },
                    "", "gzip"}),
    [](const ::testing::TestParamInfo<HostileCase>& info) { return info.param.name; });

}  // namespace
}  // namespace berth::snapshots
