#include "services/builder/context/context_extract.h"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>


#include "gtest/gtest.h"
#include "services/builder/context/test_tar.h"

namespace berth::buildcontext {
namespace {

using testing::MakeTar;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::TarEntry;

// Hands the tar over in small pieces, as a gRPC stream would.
archive::ReadChunk Chunks(const std::string& tar, size_t piece = 700) {
  auto offset = std::make_shared<size_t>(0);
  return [&tar, offset, piece]() -> absl::StatusOr<std::string_view> {
    size_t n = std::min(piece, tar.size() - *offset);
    std::string_view chunk(tar.data() + *offset, n);
    *offset += n;
    return chunk;
  };
}

std::vector<TarEntry> Sample() {
  return {
      {"./", 'd', "", 0755},
      {"src", 'd', "", 0750, 1000, 1000, 1600000000},
      {"src/main.c", 'f', "int main;", 0640, 1000, 1001, 1600000001},
      {"src/link", 'l', "../outside/anywhere"},
      {"src/hard", 'h', "src/main.c"},
      {"run.sh", 'f', "#!/bin/sh\n", 04755},
  };
}

TEST(ExtractContextTest, KeepsModesTimesAndLinks) {
  for (const char* filter : {"", "gzip", "bzip2", "xz"}) {
    std::string dir = MakeTempDir();
    ASSERT_EQ(::chmod(dir.c_str(), 0700), 0);
    std::string tar = MakeTar(Sample(), filter);
    absl::StatusOr<ContextStats> stats = ExtractContext(Chunks(tar), dir);
    ASSERT_TRUE(stats.ok()) << filter << ": " << stats.status();
    EXPECT_EQ(stats->entries, 5);
    EXPECT_EQ(stats->bytes, 19);
    struct stat st;
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u) << "the \".\" entry must not change dir";
    ASSERT_EQ(::lstat((dir + "/src/main.c").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    EXPECT_EQ(st.st_mtime, 1600000001);
    EXPECT_EQ(st.st_nlink, 2u);
    EXPECT_EQ(ReadFile(dir + "/src/hard"), "int main;");
    ASSERT_EQ(::lstat((dir + "/src/link").c_str(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    ASSERT_EQ(::lstat((dir + "/run.sh").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 04755u);
  }
}

// Restoring owners needs a root that may chown to any id.
bool CanChown() {
  std::string dir = MakeTempDir();
  return ::chown(dir.c_str(), 1000, 1001) == 0;
}

TEST(ExtractContextTest, KeepsOwners) {
  if (!CanChown()) GTEST_SKIP() << "cannot chown to 1000:1001 here";
  std::string dir = MakeTempDir();
  std::string tar = MakeTar(Sample());
  ASSERT_TRUE(ExtractContext(Chunks(tar), dir).ok());
  struct stat st;
  ASSERT_EQ(::lstat((dir + "/src/main.c").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1001u);
}

void ExpectRefused(const std::vector<TarEntry>& entries, const std::string& needle) {
  std::string dir = MakeTempDir();
  std::string tar = MakeTar(entries);
  absl::StatusOr<ContextStats> stats = ExtractContext(Chunks(tar), dir);
  ASSERT_FALSE(stats.ok()) << needle;
  EXPECT_NE(stats.status().message().find(needle), std::string::npos) << stats.status();
}

TEST(ExtractContextTest, RefusesNamesThatLeaveTheDirectory) {
  ExpectRefused({{"/etc/passwd", 'f', "x"}}, "\"/etc/passwd\" is an absolute path");
  ExpectRefused({{"a/../../x", 'f', "x"}}, "\"a/../../x\" has a \"..\" component");
  ExpectRefused({{"a/../x", 'f', "x"}}, "\"a/../x\" has a \"..\"");
  ExpectRefused({{"h", 'h', "/etc/passwd"}}, "hard link h -> \"/etc/passwd\" is an absolute path");
  ExpectRefused({{"h", 'h', "../x"}}, "has a \"..\" component");
}

TEST(ExtractContextTest, NeverWritesThroughASymlink) {
  std::string victim = MakeTempDir();
  ExpectRefused({{"escape", 'l', victim}, {"escape/owned", 'f', "x"}}, "extract escape/owned:");
  EXPECT_NE(::access((victim + "/owned").c_str(), F_OK), 0);
  struct stat before, after;
  ASSERT_EQ(::stat("/etc/passwd", &before), 0);
  ExpectRefused({{"etc", 'l', "/etc"}, {"h", 'h', "etc/passwd"}}, "extract h:");
  ASSERT_EQ(::stat("/etc/passwd", &after), 0);
  EXPECT_EQ(before.st_nlink, after.st_nlink);
}

TEST(ExtractContextTest, RestoresNoXattrButCapabilities) {
  std::string dir = MakeTempDir();
  std::string tar = MakeTar({{"f", 'f', "x"}}, "", {{"f", {"trusted.overlay.opaque", "y"}}});
  ASSERT_TRUE(ExtractContext(Chunks(tar), dir).ok());
  char value[8];
  EXPECT_LT(::getxattr((dir + "/f").c_str(), "trusted.overlay.opaque", value, sizeof value), 0);
  EXPECT_EQ(ReadFile(dir + "/f"), "x");
}

TEST(ExtractContextTest, StopsBombs) {
  std::string big(5000, 'x');
  std::string dir = MakeTempDir();
  std::string tar = MakeTar({{"a", 'f', big}, {"b", 'f', big}});
  ExtractContextOptions options;
  options.max_bytes = 8000;
  absl::StatusOr<ContextStats> stats = ExtractContext(Chunks(tar), dir, options);
  ASSERT_FALSE(stats.ok());
  EXPECT_TRUE(absl::IsResourceExhausted(stats.status())) << stats.status();
  EXPECT_NE(stats.status().message().find("(at b)"), std::string::npos) << stats.status();

  options = {};
  options.max_entries = 1;
  dir = MakeTempDir();
  stats = ExtractContext(Chunks(tar), dir, options);
  ASSERT_FALSE(stats.ok());
  EXPECT_TRUE(absl::IsResourceExhausted(stats.status())) << stats.status();
}

TEST(ExtractContextTest, PassesOnTheStreamsError) {
  std::string dir = MakeTempDir();
  absl::StatusOr<ContextStats> stats = ExtractContext(
      []() -> absl::StatusOr<std::string_view> { return absl::CancelledError("client went away"); }, dir);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().message(), "client went away");
}

// The tar the docker CLI sends for `build -f -`: it ends right after the
// last entry's data, with neither its padding nor the end blocks. Entries
// here are plain files with short names (ustar: one 512-byte header each).
std::string CutAfterLastData(const std::vector<TarEntry>& entries) {
  size_t end = 0;
  for (size_t i = 0; i + 1 < entries.size(); ++i) end += 512 + (entries[i].data.size() + 511) / 512 * 512;
  end += 512 + entries.back().data.size();
  return MakeTar(entries).substr(0, end);
}

TEST(ExtractContextTest, AcceptsATarCutAfterTheLastEntrysData) {
  std::vector<TarEntry> entries = {{"Dockerfile", 'f', "FROM busybox\n"},
                                   {".dockerfile.0123456789abcdef0123", 'f', "FROM scratch\nRUN x\n"}};
  std::string cut = CutAfterLastData(entries);
  ASSERT_NE(cut.size() % 512, 0u) << "the test tar must end inside a block";
  for (const std::string& body : {cut, testing::Compress(cut, "gzip"), cut + std::string(100, '\0')}) {
    std::string dir = MakeTempDir();
    absl::StatusOr<ContextStats> stats = ExtractContext(Chunks(body), dir);
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_EQ(stats->entries, 2);
    EXPECT_EQ(ReadFile(dir + "/.dockerfile.0123456789abcdef0123"), "FROM scratch\nRUN x\n");
  }
}

TEST(ExtractContextTest, RefusesATarCutInsideAnEntrysData) {
  std::vector<TarEntry> entries = {{"Dockerfile", 'f', "FROM busybox\n"},
                                   {"file.txt", 'f', std::string(3000, 'y')}};
  std::string cut = CutAfterLastData(entries);
  for (size_t drop : {size_t{1}, size_t{1000}}) {
    std::string dir = MakeTempDir();
    std::string body = cut.substr(0, cut.size() - drop);
    absl::StatusOr<ContextStats> stats = ExtractContext(Chunks(body), dir);
    EXPECT_FALSE(stats.ok()) << "cut " << drop << " bytes short of file.txt's end";
  }
  // A header cut short is no complete entry either.
  std::string dir = MakeTempDir();
  absl::StatusOr<ContextStats> stats = ExtractContext(Chunks(MakeTar(entries).substr(0, 512 + 512 + 300)), dir);
  EXPECT_FALSE(stats.ok()) << "a header cut short";
}

}  // namespace
}  // namespace berth::buildcontext
