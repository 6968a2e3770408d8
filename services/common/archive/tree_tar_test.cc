#include "services/common/archive/tree_tar.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace berth::archive {
namespace {

TEST(RebaseNameTest, RenamesTheTopEntryOnly) {
  EXPECT_EQ(RebaseName("src", "src", "dst"), "dst");
  EXPECT_EQ(RebaseName("src/a/b", "src", "dst"), "dst/a/b");
  EXPECT_EQ(RebaseName("srcx/a", "src", "dst"), "srcx/a");
  EXPECT_EQ(RebaseName("./a", ".", "dst"), "dst/a");
  EXPECT_EQ(RebaseName(".", ".", "dst"), "dst");
  EXPECT_EQ(RebaseName("a", "", "dst"), "a");
}

TEST(CleanEntryNameTest, RefusesDotDotAndDropsLeadingSlashes) {
  std::string cleaned;
  ASSERT_TRUE(CleanEntryName("/etc//passwd", &cleaned));
  EXPECT_EQ(cleaned, "etc/passwd");
  ASSERT_TRUE(CleanEntryName("./a/./b/", &cleaned));
  EXPECT_EQ(cleaned, "a/b");
  ASSERT_TRUE(CleanEntryName("./", &cleaned));
  EXPECT_EQ(cleaned, ".");
  EXPECT_FALSE(CleanEntryName("a/../../etc", &cleaned));
  EXPECT_FALSE(CleanEntryName("..", &cleaned));
}

std::string MakeTemp() {
  char dir[] = "/tmp/tree_tar_test.XXXXXX";
  return ::mkdtemp(dir);
}

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(TreeTarTest, RoundTripWithRebaseKeepsSymlinksAsLinks) {
  std::string from = MakeTemp();
  std::string to = MakeTemp();
  ASSERT_EQ(::mkdir((from + "/src").c_str(), 0750), 0);
  WriteText(from + "/src/file", "hello");
  ASSERT_EQ(::symlink("/etc/passwd", (from + "/src/link").c_str()), 0);
  ASSERT_EQ(::link((from + "/src/file").c_str(), (from + "/src/hard").c_str()), 0);

  ASSERT_EQ(::chdir(from.c_str()), 0);
  std::string tar;
  ASSERT_TRUE(WriteTree("src", {}, [&](const char* d, size_t n) {
                tar.append(d, n);
                return true;
              }).ok());
  ASSERT_EQ(::chdir(to.c_str()), 0);
  ExtractOptions options;
  options.rebase_from = "src";
  options.rebase_to = "dst";
  options.secure_symlinks = true;
  bool given = false;
  auto count = ExtractTree(
      [&]() -> absl::StatusOr<std::string_view> {
        if (given) return std::string_view();
        given = true;
        return std::string_view(tar);
      },
      options);
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(*count, 4);
  EXPECT_EQ(ReadText(to + "/dst/file"), "hello");
  EXPECT_EQ(ReadText(to + "/dst/hard"), "hello");
  char target[64] = {};
  ASSERT_GT(::readlink((to + "/dst/link").c_str(), target, sizeof(target) - 1), 0);
  EXPECT_STREQ(target, "/etc/passwd");
  struct stat dir;
  ASSERT_EQ(::stat((to + "/dst").c_str(), &dir), 0);
  EXPECT_EQ(dir.st_mode & 07777, 0750u);
  std::filesystem::remove_all(from);
  std::filesystem::remove_all(to);
}

TEST(TreeTarTest, SocketsAreLeftOut) {
  std::string from = MakeTemp();
  ASSERT_EQ(::mkdir((from + "/dir").c_str(), 0755), 0);
  WriteText(from + "/dir/file", "x");
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  std::string socket_path = from + "/dir/sock";
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", socket_path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::chdir(from.c_str()), 0);
  std::string tar;
  absl::Status status = WriteTree("dir", {}, [&](const char* d, size_t n) {
    tar.append(d, n);
    return true;
  });
  ::close(fd);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_NE(tar.find("dir/file"), std::string::npos);
  EXPECT_EQ(tar.find("dir/sock"), std::string::npos);
  std::filesystem::remove_all(from);
}

TEST(TreeTarTest, NoOverwriteDirNonDirRefusesAFileOverADirectory) {
  std::string from = MakeTemp();
  std::string to = MakeTemp();
  WriteText(from + "/name", "file");
  ASSERT_EQ(::mkdir((to + "/name").c_str(), 0755), 0);
  ASSERT_EQ(::chdir(from.c_str()), 0);
  std::string tar;
  ASSERT_TRUE(WriteTree("name", {}, [&](const char* d, size_t n) {
                tar.append(d, n);
                return true;
              }).ok());
  ASSERT_EQ(::chdir(to.c_str()), 0);
  ExtractOptions options;
  options.no_overwrite_dir_non_dir = true;
  bool given = false;
  auto count = ExtractTree(
      [&]() -> absl::StatusOr<std::string_view> {
        if (given) return std::string_view();
        given = true;
        return std::string_view(tar);
      },
      options);
  EXPECT_FALSE(count.ok());
  EXPECT_NE(std::string(count.status().message()).find("cannot overwrite directory"), std::string::npos);
  std::filesystem::remove_all(from);
  std::filesystem::remove_all(to);
}

}  // namespace
}  // namespace berth::archive
