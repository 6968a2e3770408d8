#include "services/common/events/actor_filter.h"

#include "gtest/gtest.h"

namespace berth::events {
namespace {

TEST(ActorFilter, KeysAreAndedValuesOred) {
  google::protobuf::Map<std::string, std::string> attributes;
  attributes["name"] = "backend";
  attributes["type"] = "bridge";
  const std::string id = "4f3a9c";
  EXPECT_TRUE(ActorMatches("network", id, "create", attributes, {}));
  EXPECT_TRUE(ActorMatches("network", id, "create", attributes, {{"network", {"backend"}}}));
  EXPECT_TRUE(ActorMatches("network", id, "create", attributes, {{"network", {"4f3"}}}));
  EXPECT_FALSE(ActorMatches("network", id, "create", attributes, {{"network", {"front"}}}));
  EXPECT_TRUE(ActorMatches("network", id, "create", attributes,
                           {{"type", {"network"}}, {"event", {"destroy", "create"}}}));
  EXPECT_FALSE(ActorMatches("network", id, "create", attributes,
                            {{"type", {"network"}}, {"event", {"destroy"}}}));
  EXPECT_FALSE(ActorMatches("network", id, "create", attributes, {{"type", {"volume"}}}));
  EXPECT_FALSE(ActorMatches("network", id, "create", attributes, {{"container", {"x"}}}))
      << "another object type's key matches no network event";
  EXPECT_TRUE(ActorMatches("network", id, "create", attributes, {{"label", {"type=bridge"}}}));
  EXPECT_FALSE(ActorMatches("network", id, "create", attributes, {{"label", {"type=host"}}}));
}

}  // namespace
}  // namespace berth::events
