#include "services/tasks/container_store.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "services/tasks/schema.h"

namespace berth::tasks {
namespace {

class ContainerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + "/meta.db";
    auto db = store::Database::Open(path_, Migrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto opened = ContainerStore::Open(db_.get());
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }

  static Container Make(const std::string& id, const std::string& name, const std::string& ns,
                        int64_t created) {
    Container container;
    container.set_id(id);
    container.set_name(name);
    container.set_namespace_(ns);
    container.mutable_created_at()->set_seconds(created);
    return container;
  }

  std::string path_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<ContainerStore> store_;
};

TEST_F(ContainerStoreTest, ResolvesOnlyWithinTheCallersNamespace) {
  ASSERT_TRUE(store_->Insert(Make("aaa111", "web", "default", 1)).ok());
  ASSERT_TRUE(store_->Insert(Make("bbb222", "k8s_pod", "k8s.io", 2)).ok());

  // By id, name, "/name" and prefix in its own namespace...
  EXPECT_EQ(store_->Resolve("default", "aaa111")->id(), "aaa111");
  EXPECT_EQ(store_->Resolve("default", "web")->id(), "aaa111");
  EXPECT_EQ(store_->Resolve("default", "/web")->id(), "aaa111");
  EXPECT_EQ(store_->Resolve("default", "aa")->id(), "aaa111");
  EXPECT_EQ(store_->Resolve("k8s.io", "bbb222")->id(), "bbb222");
  EXPECT_EQ(store_->Resolve("k8s.io", "k8s_pod")->id(), "bbb222");
  EXPECT_EQ(store_->Resolve("k8s.io", "bb")->id(), "bbb222");

  // ...and exactly docker's "No such container" from the other one.
  for (const std::string ref : {"bbb222", "k8s_pod", "/k8s_pod", "bb"}) {
    auto other = store_->Resolve("default", ref);
    ASSERT_TRUE(absl::IsNotFound(other.status())) << ref << ": " << other.status();
    EXPECT_EQ(other.status().message(), "No such container: " + ref);
  }
  EXPECT_TRUE(absl::IsNotFound(store_->Resolve("k8s.io", "web").status()));
  EXPECT_TRUE(absl::IsNotFound(store_->Resolve("other", "aaa111").status()));
}

TEST_F(ContainerStoreTest, PrefixIsAmbiguousOnlyWithinOneNamespace) {
  ASSERT_TRUE(store_->Insert(Make("abc1", "one", "default", 1)).ok());
  ASSERT_TRUE(store_->Insert(Make("abc2", "two", "k8s.io", 2)).ok());
  // Unique in each namespace although shared across them.
  EXPECT_EQ(store_->Resolve("default", "abc")->id(), "abc1");
  EXPECT_EQ(store_->Resolve("k8s.io", "abc")->id(), "abc2");
  ASSERT_TRUE(store_->Insert(Make("abc3", "three", "default", 3)).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->Resolve("default", "abc").status()));
  EXPECT_EQ(store_->Resolve("k8s.io", "abc")->id(), "abc2");
}

TEST_F(ContainerStoreTest, ListSeesOneNamespaceAllSeesEvery) {
  ASSERT_TRUE(store_->Insert(Make("a1", "first", "default", 1)).ok());
  ASSERT_TRUE(store_->Insert(Make("b1", "pod", "k8s.io", 2)).ok());
  ASSERT_TRUE(store_->Insert(Make("a2", "second", "default", 3)).ok());
  auto ids = [](const std::vector<Container>& containers) {
    std::vector<std::string> out;
    for (const Container& c : containers) out.push_back(c.id());
    return out;
  };
  EXPECT_EQ(ids(store_->List("default")), (std::vector<std::string>{"a2", "a1"}));
  EXPECT_EQ(ids(store_->List("k8s.io")), (std::vector<std::string>{"b1"}));
  EXPECT_TRUE(store_->List("elsewhere").empty());
  EXPECT_EQ(ids(store_->All()), (std::vector<std::string>{"a2", "b1", "a1"}));
}

TEST_F(ContainerStoreTest, NamesAreUniqueAcrossNamespaces) {
  ASSERT_TRUE(store_->Insert(Make("a1", "shared", "k8s.io", 1)).ok());
  EXPECT_TRUE(store_->NameInUse("shared"));
  EXPECT_TRUE(absl::IsAlreadyExists(store_->Insert(Make("a2", "shared", "default", 2))));
  ASSERT_TRUE(store_->Insert(Make("a3", "mine", "default", 3)).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(store_->Rename("a3", "shared")));
  // The positive control: a free name is taken.
  EXPECT_TRUE(store_->Rename("a3", "renamed").ok());
  EXPECT_EQ(store_->Resolve("default", "renamed")->id(), "a3");
}

TEST_F(ContainerStoreTest, RecordsWithoutNamespaceAreDefaults) {
  // A record written before namespaces existed has none.
  ASSERT_TRUE(store_->Insert(Make("old1", "old", "", 1)).ok());
  EXPECT_EQ(store_->Get("old1")->namespace_(), "default");
  ASSERT_TRUE(db_->Run("UPDATE containers SET record = ?1 WHERE id = 'old1'",
                       Make("old1", "old", "", 1).SerializeAsString())
                  .ok());
  auto reopened = ContainerStore::Open(db_.get());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->Resolve("default", "old")->namespace_(), "default");
  EXPECT_TRUE(absl::IsNotFound((*reopened)->Resolve("k8s.io", "old").status()));
}

TEST_F(ContainerStoreTest, NamespaceSurvivesReopening) {
  ASSERT_TRUE(store_->Insert(Make("k1", "kube", "k8s.io", 1)).ok());
  auto reopened = ContainerStore::Open(db_.get());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->Resolve("k8s.io", "kube")->id(), "k1");
  EXPECT_TRUE(absl::IsNotFound((*reopened)->Resolve("default", "kube").status()));
}

}  // namespace
}  // namespace berth::tasks
