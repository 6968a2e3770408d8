#include "services/cri/pod_store.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "services/cri/schema.h"

namespace berth::cri {
namespace {

TEST(PodStoreTest, KeepsPodsAcrossReopening) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/pods/meta.db";
  {
    auto db = store::Database::Open(path, Migrations());
    ASSERT_TRUE(db.ok()) << db.status();
    PodStore pods(db->get());
    PodRecord pod;
    pod.id = "abc123";
    pod.created_at_ns = 1700000000123456789;
    pod.config.mutable_metadata()->set_name("web");
    pod.config.set_hostname("web-host");
    // Binary-safe: a config's serialised bytes contain NULs.
    (*pod.config.mutable_labels())["a"] = std::string("x\0y", 3);
    ASSERT_TRUE(pods.Insert(pod).ok());
    ASSERT_TRUE(pods.SetHolder("abc123", "holder1").ok());
    ASSERT_TRUE(pods.SetState("abc123", runtime::v1::SANDBOX_READY).ok());
    PodRecord other;
    other.id = "def456";
    other.created_at_ns = 1700000000999999999;
    ASSERT_TRUE(pods.Insert(other).ok());
  }
  auto db = store::Database::Open(path, Migrations());
  ASSERT_TRUE(db.ok());
  PodStore pods(db->get());
  auto pod = pods.Get("abc123");
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(pod->holder_id, "holder1");
  EXPECT_EQ(pod->state, runtime::v1::SANDBOX_READY);
  EXPECT_EQ(pod->created_at_ns, 1700000000123456789);
  EXPECT_EQ(pod->config.metadata().name(), "web");
  EXPECT_EQ(pod->config.labels().at("a"), std::string("x\0y", 3));
  auto all = pods.List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "abc123") << "oldest first";
  ASSERT_TRUE(pods.Remove("abc123").ok());
  EXPECT_TRUE(absl::IsNotFound(pods.Get("abc123").status()));
  EXPECT_TRUE(pods.Get("def456").ok());
}

}  // namespace
}  // namespace berth::cri
