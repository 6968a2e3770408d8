#include "services/common/namespaces/namespace.h"

#include <gtest/gtest.h>

namespace berth::namespaces {
namespace {

TEST(NamespaceTest, AcceptsContainerdStyleNames) {
  for (const char* name : {"default", "k8s.io", "moby", "a", "team-1_x.y", "A9"}) {
    EXPECT_TRUE(Validate(name).ok()) << name;
  }
}

TEST(NamespaceTest, RejectsMalformedNames) {
  for (const char* name : {"", ".k8s", "k8s.", "a..b", "a-.b", "with space", "a/b", "ü"}) {
    absl::Status status = Validate(name);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << name;
  }
  EXPECT_TRUE(Validate(std::string(76, 'a')).ok());
  EXPECT_FALSE(Validate(std::string(77, 'a')).ok());
}

}  // namespace
}  // namespace berth::namespaces
