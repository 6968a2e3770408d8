#include "services/builder/context/dockerignore.h"

#include "gtest/gtest.h"

namespace berth::buildcontext {
namespace {

TEST(ParseDockerignoreTest, AsIgnorefileReadAll) {
  std::vector<std::string> patterns = ParseDockerignore(
      "\xEF\xBB\xBF# comment\n"
      "  /build/  \n"
      "\n"
      "a/./b//c\r\n"
      " # not a comment\n"
      "! /keep/this\n"
      "/\n"
      "!\n");
  std::vector<std::string> expected = {"build", "a/b/c", "# not a comment", "!keep/this", "/", "!"};
  EXPECT_EQ(patterns, expected);
}

bool Excluded(std::vector<std::string> patterns, const std::string& path) {
  absl::StatusOr<IgnoreMatcher> matcher = IgnoreMatcher::Create(patterns);
  EXPECT_TRUE(matcher.ok()) << matcher.status();
  return matcher.ok() && matcher->Excluded(path);
}

// patternmatcher_test.go's TestMatches, through MatchesOrParentMatches.
TEST(IgnoreMatcherTest, PatternmatcherCases) {
  struct Case {
    const char* pattern;
    const char* path;
    bool excluded;
  } cases[] = {
      {"**", "file", true},
      {"**", "dir/file", true},
      {"**/", "dir/file", true},
      {"dir/**", "dir/file", true},
      {"dir/**", "dir/dir2/file", true},
      {"**/dir", "dir", true},
      {"**/dir", "dir/file", true},
      {"**/dir2/*", "dir/dir2/file", true},
      {"**/dir2/**", "dir/dir2/dir3/file", true},
      {"**file", "file", true},
      {"**file", "dir/dir/file", true},
      {"**/file*", "dir/dir/file.txt", true},
      {"**/**/*.txt", "dir/dir/file.txt", true},
      {"**/**/*.txt2", "dir/dir/file.txt", false},
      {"**/*.txt", "file.txt", true},
      {"a**/*.txt", "a/dir/dir/file.txt", true},
      {"a/*.txt", "a/dir/file.txt", false},
      {"a/*.txt", "a/file.txt", true},
      {"a[b-d]e", "ace", true},
      {"a[b-d]e", "aae", false},
      {"a[^b-d]e", "aze", true},
      {".*", ".foo", true},
      {".*", "foo", false},
      {"abc.def", "abcdef", false},
      {"abc.def", "abc.def", true},
      {"abc?def", "abcZdef", true},
      {"abc?def", "abcdef", false},
      {"abc/**", "abc", false},
      {"abc/**", "abc/def/ghi", true},
      {"**/.foo", ".foo", true},
      {"**/.foo", "bar.foo", false},
      {"a(b)c/def", "a(b)c/def", true},
      {"a.|)$(}+{bc", "a.|)$(}+{bc", true},
      {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true},
      {"a\\*b", "a*b", true},
      {"a\\*b", "axb", false},
      {"docs", "docs/sub/README.md", true},
      {"*", "deep/er/file", true},
      {"*.md", "docs/README.md", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Excluded({c.pattern}, c.path), c.excluded) << c.pattern << " vs " << c.path;
  }
}

TEST(IgnoreMatcherTest, LastMatchingPatternDecides) {
  EXPECT_FALSE(Excluded({"docs", "!docs/README.md"}, "docs/README.md"));
  EXPECT_TRUE(Excluded({"docs", "!docs/README.md"}, "docs/other.md"));
  EXPECT_FALSE(Excluded({"*.go", "!fileutils.go"}, "fileutils.go"));
  EXPECT_TRUE(Excluded({"!fileutils.go", "*.go"}, "fileutils.go"));
  EXPECT_FALSE(Excluded({"**", "!util/docker/web"}, "util/docker/web/foo"));
  EXPECT_TRUE(Excluded({"**", "!util/docker/web", "util/docker/web/foo"}, "util/docker/web/foo"));
  EXPECT_FALSE(Excluded({"*.go"}, "."));
}

TEST(IgnoreMatcherTest, DockerfileAndDockerignoreStay) {
  absl::StatusOr<IgnoreMatcher> matcher = IgnoreMatcher::Create({"*", "build"}, "build/Dockerfile.dev");
  ASSERT_TRUE(matcher.ok());
  EXPECT_FALSE(matcher->Excluded(".dockerignore"));
  EXPECT_FALSE(matcher->Excluded("build/Dockerfile.dev"));
  EXPECT_TRUE(matcher->MatchesPatterns("build/Dockerfile.dev"));
  EXPECT_TRUE(matcher->Excluded("Dockerfile"));
  EXPECT_TRUE(matcher->Excluded("build/other"));
}

TEST(IgnoreMatcherTest, ExceptionsBelowAnExcludedDirectory) {
  absl::StatusOr<IgnoreMatcher> matcher = IgnoreMatcher::Create({"vendor", "!vendor/keep/me.txt", "!*/x"});
  ASSERT_TRUE(matcher.ok());
  EXPECT_TRUE(matcher->has_exceptions());
  EXPECT_TRUE(matcher->Excluded("vendor"));
  EXPECT_TRUE(matcher->MayHaveExceptionsBelow("vendor"));
  EXPECT_TRUE(matcher->MayHaveExceptionsBelow("vendor/keep"));
  EXPECT_FALSE(matcher->MayHaveExceptionsBelow("vendor/other"));
  // docker's test is a literal prefix: a wildcard exception keeps nothing open.
  EXPECT_FALSE(matcher->MayHaveExceptionsBelow("lib"));
  EXPECT_FALSE(matcher->Excluded("vendor/keep/me.txt"));

  absl::StatusOr<IgnoreMatcher> plain = IgnoreMatcher::Create({"vendor"});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->MayHaveExceptionsBelow("vendor"));
}

TEST(IgnoreMatcherTest, RefusesWhatDockerRefuses) {
  EXPECT_FALSE(IgnoreMatcher::Create({"!"}).ok());
  EXPECT_FALSE(IgnoreMatcher::Create({"["}).ok());
  EXPECT_FALSE(IgnoreMatcher::Create({"a\\"}).ok());
  EXPECT_TRUE(IgnoreMatcher::Create({"", "  ", "ok"}).ok());
}

}  // namespace
}  // namespace berth::buildcontext
