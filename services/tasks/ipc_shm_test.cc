#include "services/tasks/ipc_shm.h"

#include <map>

#include "gtest/gtest.h"

namespace berth::tasks {
namespace {

v1::Container Make(const std::string& id, const std::string& ipc_mode) {
  v1::Container c;
  c.set_id(id);
  c.mutable_spec()->set_image("busybox");
  c.mutable_spec()->set_ipc_mode(ipc_mode);
  return c;
}

TEST(ShmSourceTest, TheIpcNamespacesOwnersTmpfs) {
  std::map<std::string, v1::Container> store = {{"donor", Make("donor", "shareable")},
                                                {"relay", Make("relay", "container:donor")},
                                                {"hosted", Make("hosted", "host")}};
  ContainerLookup lookup = [&store](const std::string& id) -> std::optional<v1::Container> {
    auto it = store.find(id);
    if (it == store.end()) return std::nullopt;
    return it->second;
  };
  auto dir = [](const std::string& id) { return "/run/shims/" + id + "/shm"; };
  EXPECT_EQ(ShmSource(Make("me", ""), lookup, dir), "");
  EXPECT_EQ(ShmSource(Make("me", "private"), lookup, dir), "");
  EXPECT_EQ(ShmSource(Make("me", "shareable"), lookup, dir), "/run/shims/me/shm");
  EXPECT_EQ(ShmSource(Make("me", "host"), lookup, dir), "/dev/shm");
  EXPECT_EQ(ShmSource(Make("me", "container:donor"), lookup, dir), "/run/shims/donor/shm");
  EXPECT_EQ(ShmSource(Make("me", "container:relay"), lookup, dir), "/run/shims/donor/shm");
  EXPECT_EQ(ShmSource(Make("me", "container:hosted"), lookup, dir), "/dev/shm");
  v1::Container holder = Make("holder", "");
  holder.mutable_spec()->clear_image();
  EXPECT_EQ(ShmSource(holder, lookup, dir), "/run/shims/holder/shm");
}

}  // namespace
}  // namespace berth::tasks
