#include "services/builder/context/copy_sources.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <map>

#include "gtest/gtest.h"
#include "services/builder/context/test_tar.h"

namespace berth::buildcontext {
namespace {

using testing::Compress;
using testing::MakeTar;
using testing::MakeTempDir;
using testing::ReadTar;
using testing::TarEntry;
using testing::WriteFile;

class CopySourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir();
    Mkdir("dir", 0750);
    Mkdir("dir/sub", 0700);
    File("dir/a.txt", "alpha", 0640);
    File("dir/sub/b.txt", "beta", 0600);
    Symlink("a.txt", "dir/inner_link");
    Symlink("../../../../etc/passwd", "dir/escaping_link");
    File("one.txt", "one", 0644);
    File("two.txt", "two", 0755);
    File("notes.md", "notes", 0644);
    Symlink("dir/a.txt", "top_link");
    Symlink("/dir", "abs_dir_link");
    Symlink("../../../etc", "escape");
    Symlink("loop_b", "loop_a");
    Symlink("loop_a", "loop_b");
  }

  void Mkdir(const std::string& rel, mode_t mode) {
    ASSERT_EQ(::mkdir((root_ + "/" + rel).c_str(), mode), 0);
    ASSERT_EQ(::chmod((root_ + "/" + rel).c_str(), mode), 0);
  }
  void File(const std::string& rel, const std::string& text, mode_t mode) {
    WriteFile(root_ + "/" + rel, text);
    ASSERT_EQ(::chmod((root_ + "/" + rel).c_str(), mode), 0);
    struct timeval times[2] = {{1500000000, 0}, {1500000000, 0}};
    ASSERT_EQ(::utimes((root_ + "/" + rel).c_str(), times), 0);
  }
  void Symlink(const std::string& target, const std::string& rel) {
    ASSERT_EQ(::symlink(target.c_str(), (root_ + "/" + rel).c_str()), 0);
  }

  CopyRequest Request(std::vector<std::string> sources, std::string destination) {
    CopyRequest request;
    request.root = root_;
    request.sources = std::move(sources);
    request.destination = std::move(destination);
    return request;
  }

  absl::StatusOr<std::vector<TarEntry>> Copy(const CopyRequest& request, CopyResult* result = nullptr) {
    std::string tar;
    absl::StatusOr<CopyResult> copied = WriteCopyTar(request, [&](const char* data, size_t size) {
      tar.append(data, size);
      return true;
    });
    if (!copied.ok()) return copied.status();
    if (result != nullptr) *result = *copied;
    return ReadTar(tar);
  }

  std::string Error(const CopyRequest& request) {
    absl::StatusOr<std::vector<TarEntry>> entries = Copy(request);
    if (entries.ok()) return "no error";
    return std::string(entries.status().message());
  }

  static std::map<std::string, TarEntry> ByName(const std::vector<TarEntry>& entries) {
    std::map<std::string, TarEntry> out;
    for (const TarEntry& e : entries) out[e.name] = e;
    return out;
  }
  static std::vector<std::string> Names(const std::vector<TarEntry>& entries) {
    std::vector<std::string> out;
    for (const TarEntry& e : entries) out.push_back(e.name);
    return out;
  }

  std::string root_;
};

TEST_F(CopySourcesTest, DirectoryContentsGoIntoTheDestination) {
  CopyResult result;
  absl::StatusOr<std::vector<TarEntry>> entries = Copy(Request({"dir"}, "/app/data"), &result);
  ASSERT_TRUE(entries.ok()) << entries.status();
  std::vector<std::string> expected = {"app",
                                       "app/data",
                                       "app/data/a.txt",
                                       "app/data/escaping_link",
                                       "app/data/inner_link",
                                       "app/data/sub",
                                       "app/data/sub/b.txt"};
  EXPECT_EQ(Names(*entries), expected);
  auto by_name = ByName(*entries);
  EXPECT_EQ(by_name["app"].type, 'd');
  EXPECT_EQ(by_name["app"].mode, 0755u);
  EXPECT_EQ(by_name["app/data"].mode, 0755u);
  EXPECT_EQ(by_name["app/data/a.txt"].data, "alpha");
  EXPECT_EQ(by_name["app/data/a.txt"].mode, 0640u);
  EXPECT_EQ(by_name["app/data/a.txt"].mtime, 1500000000);
  EXPECT_EQ(by_name["app/data/sub"].mode, 0700u);
  EXPECT_EQ(by_name["app/data/sub/b.txt"].mode, 0600u);
  // Symlinks inside the copied tree stay symlinks, escaping or not.
  EXPECT_EQ(by_name["app/data/inner_link"].type, 'l');
  EXPECT_EQ(by_name["app/data/inner_link"].data, "a.txt");
  EXPECT_EQ(by_name["app/data/escaping_link"].type, 'l');
  for (const TarEntry& e : *entries) {
    EXPECT_EQ(e.uid, 0u) << e.name;
    EXPECT_EQ(e.gid, 0u) << e.name;
    EXPECT_NE(e.type, 'N') << e.name << " carries a user or group name";
  }
  EXPECT_EQ(result.files, 4);
  EXPECT_EQ(result.checksum.substr(0, 7), "sha256:");
}

TEST_F(CopySourcesTest, FileToDirectoryOrToName) {
  absl::StatusOr<std::vector<TarEntry>> entries = Copy(Request({"one.txt"}, "/opt/x/"));
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ(Names(*entries), (std::vector<std::string>{"opt", "opt/x", "opt/x/one.txt"}));

  entries = Copy(Request({"./one.txt"}, "/opt/renamed"));
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ(Names(*entries), (std::vector<std::string>{"opt", "opt/renamed"}));
  EXPECT_EQ(entries->back().data, "one");

  // An existing directory in the image takes the file inside, and is not
  // written itself (it keeps its owner and mode).
  CopyRequest request = Request({"one.txt"}, "/usr/local");
  request.destination_kind = [](const std::string& path) {
    return path == "/usr" || path == "/usr/local" ? DestinationKind::kDirectory : DestinationKind::kMissing;
  };
  entries = Copy(request);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ(Names(*entries), (std::vector<std::string>{"usr/local/one.txt"}));

  request.destination_kind = [](const std::string& path) {
    return path == "/etc" ? DestinationKind::kOther : DestinationKind::kMissing;
  };
  request.destination = "/etc/x/";
  EXPECT_EQ(Error(request), "failed to copy files: mkdir /etc: not a directory");
}

TEST_F(CopySourcesTest, TopLevelSymlinksAreFollowedWithinTheRoot) {
  absl::StatusOr<std::vector<TarEntry>> entries = Copy(Request({"top_link"}, "/d/"));
  ASSERT_TRUE(entries.ok()) << entries.status();
  auto by_name = ByName(*entries);
  // Named after the link, holding its target's contents.
  ASSERT_EQ(by_name.count("d/top_link"), 1u);
  EXPECT_EQ(by_name["d/top_link"].type, 'f');
  EXPECT_EQ(by_name["d/top_link"].data, "alpha");

  // An absolute link target starts at the root, not at the host's "/".
  entries = Copy(Request({"abs_dir_link/sub"}, "/d/"));
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ(Names(*entries), (std::vector<std::string>{"d", "d/b.txt"}));

  // A link that climbs out stops at the root, as in a chroot: it names
  // <root>/etc, which does not exist.
  EXPECT_EQ(Error(Request({"escape/passwd"}, "/d/")),
            "COPY failed: file not found in build context or excluded by .dockerignore: "
            "stat escape/passwd: file does not exist");
}

TEST_F(CopySourcesTest, DockersErrors) {
  EXPECT_EQ(Error(Request({"../x"}, "/d/")), "COPY failed: forbidden path outside the build context: ../x ()");
  EXPECT_EQ(Error(Request({"dir/../../x"}, "/d/")),
            "COPY failed: forbidden path outside the build context: dir/../../x ()");
  EXPECT_EQ(Error(Request({"loop_a"}, "/d/")),
            "COPY failed: forbidden path outside the build context: loop_a ()");
  EXPECT_EQ(Error(Request({"missing.txt"}, "/d/")),
            "COPY failed: file not found in build context or excluded by .dockerignore: "
            "stat missing.txt: file does not exist");
  CopyRequest from_image = Request({"missing.txt"}, "/d/");
  from_image.from_image = true;
  EXPECT_EQ(Error(from_image), "COPY failed: stat missing.txt: file does not exist");
  EXPECT_EQ(Error(Request({"*.nothing"}, "/d/")), "COPY failed: no source files were specified");
  EXPECT_EQ(Error(Request({"one.txt", "two.txt"}, "/d")),
            "When using COPY with more than one source file, the destination must be a directory "
            "and end with a /");
  CopyRequest add = Request({"*.txt"}, "/d");
  add.extract_archives = true;
  EXPECT_EQ(Error(add),
            "When using ADD with more than one source file, the destination must be a directory "
            "and end with a /");
  EXPECT_NE(Error(Request({"one.txt"}, "relative/")), "no error");
}

TEST_F(CopySourcesTest, Wildcards) {
  absl::StatusOr<std::vector<TarEntry>> entries = Copy(Request({"*.txt"}, "/w/"));
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ(Names(*entries), (std::vector<std::string>{"w", "w/one.txt", "w/two.txt"}));

  // Each match is resolved as a source of its own: a dangling one fails
  // the whole COPY, as in docker.
  EXPECT_EQ(Error(Request({"dir/*"}, "/w/")),
            "COPY failed: file not found in build context or excluded by .dockerignore: "
            "stat dir/escaping_link: file does not exist");
  ASSERT_EQ(::unlink((root_ + "/dir/escaping_link").c_str()), 0);
  entries = Copy(Request({"dir/*"}, "/w/"));
  ASSERT_TRUE(entries.ok()) << entries.status();
  // dir/sub matched as a directory: its contents land in /w/.
  EXPECT_EQ(Names(*entries), (std::vector<std::string>{"w", "w/a.txt", "w/inner_link", "w/b.txt"}));
  auto by_name = ByName(*entries);
  // The symlinks matched at top level are followed: inner_link is a.txt.
  EXPECT_EQ(by_name["w/inner_link"].type, 'f');
  EXPECT_EQ(by_name["w/inner_link"].data, "alpha");

  entries = Copy(Request({"[ot]*.txt", "notes.?d"}, "/w/"));
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ(Names(*entries), (std::vector<std::string>{"w", "w/one.txt", "w/two.txt", "w/notes.md"}));

  CopyRequest literal = Request({"*.txt"}, "/w/");
  literal.allow_wildcards = false;
  EXPECT_NE(Error(literal).find("stat *.txt: file does not exist"), std::string::npos);
}

TEST_F(CopySourcesTest, RootAsSource) {
  absl::StatusOr<std::vector<TarEntry>> entries = Copy(Request({"/"}, "/"));
  ASSERT_TRUE(entries.ok()) << entries.status();
  auto by_name = ByName(*entries);
  EXPECT_EQ(by_name.count("one.txt"), 1u);
  EXPECT_EQ(by_name.count("dir/sub/b.txt"), 1u);
  EXPECT_EQ(by_name["escape"].type, 'l');
  EXPECT_EQ(entries->front().name, "abs_dir_link");
}

TEST_F(CopySourcesTest, DotIsTheRootToo) {
  absl::StatusOr<std::vector<TarEntry>> slash = Copy(Request({"/"}, "/x/"));
  absl::StatusOr<std::vector<TarEntry>> dot = Copy(Request({"."}, "/x/"));
  ASSERT_TRUE(slash.ok() && dot.ok());
  EXPECT_EQ(Names(*slash), Names(*dot));
  EXPECT_EQ(slash->front().name, "x");
}

TEST_F(CopySourcesTest, ExistingDestinationDirectoryIsLeftAlone) {
  CopyRequest request = Request({"dir/sub"}, "/srv");
  request.uid = 1000;
  request.destination_kind = [](const std::string& path) {
    return path == "/srv" ? DestinationKind::kDirectory : DestinationKind::kMissing;
  };
  absl::StatusOr<std::vector<TarEntry>> entries = Copy(request);
  ASSERT_TRUE(entries.ok()) << entries.status();
  // docker's fixPermissions skips the destination root that existed.
  EXPECT_EQ(Names(*entries), (std::vector<std::string>{"srv/b.txt"}));
  EXPECT_EQ(entries->front().uid, 1000u);

  // A second source sees the directory the first one made.
  request = Request({"dir/sub", "dir/sub"}, "/new/");
  entries = Copy(request);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ(Names(*entries), (std::vector<std::string>{"new", "new/b.txt", "new/b.txt"}));
}

TEST_F(CopySourcesTest, ChownAndChmod) {
  CopyRequest request = Request({"dir"}, "/srv/app");
  request.uid = 1000;
  request.gid = 1001;
  request.chmod = 0750;
  absl::StatusOr<std::vector<TarEntry>> entries = Copy(request);
  ASSERT_TRUE(entries.ok()) << entries.status();
  auto by_name = ByName(*entries);
  // copyDirectory: missing parents are root's, the created destination
  // and everything copied take the --chown owner.
  EXPECT_EQ(by_name["srv"].uid, 0u);
  EXPECT_EQ(by_name["srv"].mode, 0755u);
  EXPECT_EQ(by_name["srv/app"].uid, 1000u);
  EXPECT_EQ(by_name["srv/app"].gid, 1001u);
  EXPECT_EQ(by_name["srv/app"].mode, 0755u);
  EXPECT_EQ(by_name["srv/app/a.txt"].uid, 1000u);
  EXPECT_EQ(by_name["srv/app/a.txt"].gid, 1001u);
  EXPECT_EQ(by_name["srv/app/a.txt"].mode, 0750u);
  EXPECT_EQ(by_name["srv/app/sub"].mode, 0750u);
  EXPECT_EQ(by_name["srv/app/inner_link"].uid, 1000u);

  // copyFile: missing parents take the --chown owner too; a uid alone
  // gives gid = uid.
  request = Request({"one.txt"}, "/home/u/");
  request.uid = 1000;
  entries = Copy(request);
  ASSERT_TRUE(entries.ok()) << entries.status();
  for (const TarEntry& e : *entries) {
    EXPECT_EQ(e.uid, 1000u) << e.name;
    EXPECT_EQ(e.gid, 1000u) << e.name;
  }
  EXPECT_EQ(ByName(*entries)["home/u/one.txt"].mode, 0644u);
}

TEST_F(CopySourcesTest, CopyFromAnImageKeepsOwnersWithoutChown) {
  if (::chown((root_ + "/one.txt").c_str(), 1234, 5678) != 0) GTEST_SKIP() << "cannot chown here";
  CopyRequest request = Request({"one.txt"}, "/x/");
  request.from_image = true;
  absl::StatusOr<std::vector<TarEntry>> entries = Copy(request);
  ASSERT_TRUE(entries.ok()) << entries.status();
  auto by_name = ByName(*entries);
  EXPECT_EQ(by_name["x"].uid, 0u);
  EXPECT_EQ(by_name["x/one.txt"].uid, 1234u);
  EXPECT_EQ(by_name["x/one.txt"].gid, 5678u);
  request.uid = 7;
  entries = Copy(request);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ(ByName(*entries)["x/one.txt"].uid, 7u);
}

TEST_F(CopySourcesTest, HardLinksWithinASourceStayLinked) {
  ASSERT_EQ(::link((root_ + "/dir/a.txt").c_str(), (root_ + "/dir/sub/hard").c_str()), 0);
  absl::StatusOr<std::vector<TarEntry>> entries = Copy(Request({"dir"}, "/h/"));
  ASSERT_TRUE(entries.ok()) << entries.status();
  auto by_name = ByName(*entries);
  EXPECT_EQ(by_name["h/sub/hard"].type, 'h');
  EXPECT_EQ(by_name["h/sub/hard"].data, "h/a.txt");
}

TEST_F(CopySourcesTest, AddExtractsArchives) {
  for (const char* filter : {"", "gzip", "bzip2", "xz"}) {
    WriteFile(root_ + "/app.tar", MakeTar({{"./", 'd', "", 0700},
                                           {"bin", 'd', "", 0711, 5, 6},
                                           {"bin/tool", 'f', "#!", 0755, 5, 6, 1234},
                                           {"/abs/file", 'f', "abs"},
                                           {"bin/alias", 'l', "tool"},
                                           {"bin/same", 'h', "bin/tool"},
                                           {"deep/er/file", 'f', "d"}},
                                          filter));
    CopyRequest request = Request({"app.tar"}, "/opt/app");
    request.extract_archives = true;
    request.uid = 99;  // docker does not chown what an archive holds
    CopyResult result;
    absl::StatusOr<std::vector<TarEntry>> entries = Copy(request, &result);
    ASSERT_TRUE(entries.ok()) << filter << ": " << entries.status();
    std::vector<std::string> expected = {"opt", "opt/app", "opt/app/bin", "opt/app/bin/tool",
                                         "opt/app/abs", "opt/app/abs/file", "opt/app/bin/alias",
                                         "opt/app/bin/same", "opt/app/deep", "opt/app/deep/er",
                                         "opt/app/deep/er/file"};
    EXPECT_EQ(Names(*entries), expected) << filter;
    auto by_name = ByName(*entries);
    EXPECT_EQ(by_name["opt/app/bin"].mode, 0711u);
    EXPECT_EQ(by_name["opt/app/bin/tool"].uid, 5u);
    EXPECT_EQ(by_name["opt/app/bin/tool"].gid, 6u);
    EXPECT_EQ(by_name["opt/app/bin/tool"].mtime, 1234);
    EXPECT_EQ(by_name["opt/app/bin/tool"].data, "#!");
    EXPECT_EQ(by_name["opt/app/bin/same"].data, "opt/app/bin/tool");
    EXPECT_EQ(by_name["opt/app/deep"].mode, 0755u);
    EXPECT_EQ(result.files, 5);
  }
  // COPY never extracts.
  absl::StatusOr<std::vector<TarEntry>> copied = Copy(Request({"app.tar"}, "/opt/"));
  ASSERT_TRUE(copied.ok());
  EXPECT_EQ(Names(*copied), (std::vector<std::string>{"opt", "opt/app.tar"}));
  // Not a tar: ADD copies it.
  CopyRequest add = Request({"one.txt"}, "/opt/");
  add.extract_archives = true;
  copied = Copy(add);
  ASSERT_TRUE(copied.ok());
  EXPECT_EQ(Names(*copied), (std::vector<std::string>{"opt", "opt/one.txt"}));
}

TEST_F(CopySourcesTest, AddCopiesWhatIsNoTar) {
  // docker's IsArchivePath wants a tar header after decompression: a
  // compressed text file and an empty tar (no first header) are copied.
  WriteFile(root_ + "/text.gz", Compress("just text\n", "gzip"));
  WriteFile(root_ + "/empty.tar", std::string(1024, '\0'));
  CopyRequest request = Request({"text.gz", "empty.tar"}, "/opt/");
  request.extract_archives = true;
  absl::StatusOr<std::vector<TarEntry>> entries = Copy(request);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ(Names(*entries), (std::vector<std::string>{"opt", "opt/text.gz", "opt/empty.tar"}));
  EXPECT_EQ(ByName(*entries)["opt/empty.tar"].data.size(), 1024u);
}

TEST_F(CopySourcesTest, AddRefusesArchivesThatLeaveTheDestination) {
  CopyRequest request = Request({"evil.tar"}, "/opt/");
  request.extract_archives = true;
  WriteFile(root_ + "/evil.tar", MakeTar({{"a/../../etc/passwd", 'f', "x"}}));
  EXPECT_EQ(Error(request),
            "failed to copy files: evil.tar: \"a/../../etc/passwd\" is outside of \"/opt\"");
  WriteFile(root_ + "/evil.tar", MakeTar({{"h", 'h', "../etc/passwd"}}));
  EXPECT_EQ(Error(request), "failed to copy files: evil.tar: invalid hardlink \"h\" -> \"../etc/passwd\"");
  WriteFile(root_ + "/evil.tar", MakeTar({{"d/l", 'l', "../../etc"}}));
  EXPECT_EQ(Error(request), "failed to copy files: evil.tar: invalid symlink \"d/l\" -> \"../../etc\"");
  // Absolute symlink targets are the image's business.
  WriteFile(root_ + "/evil.tar", MakeTar({{"d/l", 'l', "/etc"}}));
  EXPECT_EQ(Error(request), "no error");
}

TEST_F(CopySourcesTest, ChecksumIgnoresMtimeButNotContentOrOptions) {
  CopyRequest request = Request({"dir", "one.txt"}, "/c/");
  absl::StatusOr<std::string> first = SourcesChecksum(request);
  ASSERT_TRUE(first.ok()) << first.status();
  CopyResult written;
  ASSERT_TRUE(Copy(request, &written).ok());
  EXPECT_EQ(written.checksum, *first);
  EXPECT_EQ(*SourcesChecksum(request), *first);

  struct timeval times[2] = {{1700000000, 0}, {1700000000, 0}};
  ASSERT_EQ(::utimes((root_ + "/dir/a.txt").c_str(), times), 0);
  EXPECT_EQ(*SourcesChecksum(request), *first) << "a touched file must still hit the cache";

  File("dir/a.txt", "alphA", 0640);
  std::string changed = *SourcesChecksum(request);
  EXPECT_NE(changed, *first);

  ASSERT_EQ(::chmod((root_ + "/dir/a.txt").c_str(), 0600), 0);
  EXPECT_NE(*SourcesChecksum(request), changed);

  CopyRequest chowned = request;
  chowned.uid = 1;
  EXPECT_NE(*SourcesChecksum(chowned), *SourcesChecksum(request));
  CopyRequest elsewhere = request;
  elsewhere.destination = "/other/";
  EXPECT_NE(*SourcesChecksum(elsewhere), *SourcesChecksum(request));
  EXPECT_FALSE(SourcesChecksum(Request({"missing"}, "/")).ok());
}

TEST_F(CopySourcesTest, StopsWhenTheReaderGoesAway) {
  absl::StatusOr<CopyResult> copied =
      WriteCopyTar(Request({"dir"}, "/x/"), [](const char*, size_t) { return false; });
  ASSERT_FALSE(copied.ok());
  EXPECT_TRUE(absl::IsUnavailable(copied.status())) << copied.status();
}

}  // namespace
}  // namespace berth::buildcontext
