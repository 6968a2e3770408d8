#include "services/builder/context/go_path.h"

#include "gtest/gtest.h"

namespace berth::buildcontext {
namespace {

TEST(GoCleanTest, AsGoPathClean) {
  EXPECT_EQ(GoClean(""), ".");
  EXPECT_EQ(GoClean("a//b/./c/"), "a/b/c");
  EXPECT_EQ(GoClean("a/../../b"), "../b");
  EXPECT_EQ(GoClean("/../a"), "/a");
  EXPECT_EQ(GoClean("/"), "/");
  EXPECT_EQ(GoClean("./"), ".");
  EXPECT_TRUE(LeavesItsRoot(GoClean("a/../../b")));
  EXPECT_FALSE(LeavesItsRoot(GoClean("..a/b")));
}

bool Match(const char* pattern, const char* name) {
  absl::StatusOr<bool> matched = GoMatch(pattern, name);
  EXPECT_TRUE(matched.ok()) << pattern;
  return matched.ok() && *matched;
}

// Cases of Go's path/filepath match_test.go.
TEST(GoMatchTest, AsGoFilepathMatch) {
  EXPECT_TRUE(Match("abc", "abc"));
  EXPECT_TRUE(Match("*", "abc"));
  EXPECT_TRUE(Match("*c", "abc"));
  EXPECT_FALSE(Match("a*", "ab/c"));
  EXPECT_TRUE(Match("a*/b", "abc/b"));
  EXPECT_FALSE(Match("a*/b", "a/c/b"));
  EXPECT_TRUE(Match("a*b*c*d*e*/f", "axbxcxdxe/f"));
  EXPECT_FALSE(Match("a*b*c*d*e*/f", "axbxcxdxexxx/fff"));
  EXPECT_TRUE(Match("ab[c]", "abc"));
  EXPECT_TRUE(Match("ab[b-d]", "abc"));
  EXPECT_FALSE(Match("ab[e-g]", "abc"));
  EXPECT_FALSE(Match("ab[^c]", "abc"));
  EXPECT_TRUE(Match("ab[^e-g]", "abc"));
  EXPECT_TRUE(Match("a\\*b", "a*b"));
  EXPECT_FALSE(Match("a\\*b", "ab"));
  EXPECT_TRUE(Match("a?b", "a☺b"));
  EXPECT_TRUE(Match("a[^a]b", "a☺b"));
  EXPECT_FALSE(Match("a?b", "a/b"));
  EXPECT_TRUE(Match("[\\-]", "-"));
  EXPECT_TRUE(Match("*x", "xxx"));
  EXPECT_TRUE(Match("dir/*", "dir/a.txt"));
  EXPECT_FALSE(Match("*.txt", "dir/a.txt"));
}

TEST(GoMatchTest, MalformedPatternsAreErrors) {
  EXPECT_FALSE(GoMatch("[", "a").ok());
  EXPECT_FALSE(GoMatch("[^", "a").ok());
  EXPECT_FALSE(GoMatch("a[", "a").ok());
  EXPECT_FALSE(GoMatch("[a-", "a").ok());
  EXPECT_FALSE(GoMatch("\\", "a").ok());
  EXPECT_FALSE(GoMatch("[]a]", "]").ok());
  EXPECT_FALSE(GoMatch("*x[", "a").ok());
}

}  // namespace
}  // namespace berth::buildcontext
