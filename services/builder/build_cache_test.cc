#include "services/builder/build_cache.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "services/builder/schema.h"

namespace berth::builder {
namespace {

std::string DbPath(const char* name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name + "/meta.db";
}

TEST(BuildCacheTest, AStepIsFoundByParentAndKeyAfterReopening) {
  std::string path = DbPath("reopen");
  {
    auto db = store::Database::Open(path, Migrations());
    ASSERT_TRUE(db.ok()) << db.status();
    BuildCache cache(db->get());
    ASSERT_TRUE(cache.Record("default", "sha256:parent", "key-1", "sha256:child").ok());
  }
  auto db = store::Database::Open(path, Migrations());
  ASSERT_TRUE(db.ok()) << db.status();
  BuildCache cache(db->get());
  auto hit = cache.Lookup("default", "sha256:parent", "key-1");
  ASSERT_TRUE(hit.ok());
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ(**hit, "sha256:child");
  // Another parent, key or namespace is a miss.
  EXPECT_FALSE(cache.Lookup("default", "sha256:other", "key-1")->has_value());
  EXPECT_FALSE(cache.Lookup("default", "sha256:parent", "key-2")->has_value());
  EXPECT_FALSE(cache.Lookup("k8s.io", "sha256:parent", "key-1")->has_value());
}

TEST(BuildCacheTest, PruneForgetsOnlyTheCallersNamespace) {
  auto db = store::Database::Open(DbPath("prune"), Migrations());
  ASSERT_TRUE(db.ok()) << db.status();
  BuildCache cache(db->get());
  ASSERT_TRUE(cache.Record("default", "p", "a", "i1").ok());
  ASSERT_TRUE(cache.Record("default", "p", "b", "i2").ok());
  ASSERT_TRUE(cache.Record("k8s.io", "p", "a", "i3").ok());
  // Nothing is older than an hour yet.
  EXPECT_EQ(*cache.Prune("default", 3600), 0);
  EXPECT_EQ(*cache.Prune("default", 0), 2);
  EXPECT_EQ(*cache.Count(), 1);
  EXPECT_TRUE(cache.Lookup("k8s.io", "p", "a")->has_value());
  ASSERT_TRUE(cache.Forget("k8s.io", "p", "a").ok());
  EXPECT_EQ(*cache.Count(), 0);
}

}  // namespace
}  // namespace berth::builder
