#include "services/tasks/container_root.h"

#include "gtest/gtest.h"
#include "services/tasks/archive_helper.h"

namespace berth::tasks {
namespace {

using berth::types::v1::Mount;

TEST(ReadOnlyViewTest, OverlayUpperBecomesTheTopLower) {
  Mount overlay;
  overlay.set_type("overlay");
  overlay.set_source("overlay");
  overlay.add_options("index=off");
  overlay.add_options("workdir=/s/9/work");
  overlay.add_options("upperdir=/s/9/fs");
  overlay.add_options("lowerdir=/s/2/fs:/s/1/fs");
  std::vector<Mount> view = ReadOnlyView({overlay});
  ASSERT_EQ(view.size(), 1u);
  EXPECT_EQ(view[0].type(), "overlay");
  ASSERT_EQ(view[0].options_size(), 2);
  EXPECT_EQ(view[0].options(0), "ro");
  EXPECT_EQ(view[0].options(1), "lowerdir=/s/9/fs:/s/2/fs:/s/1/fs");
}

TEST(ReadOnlyViewTest, BindBecomesReadOnly) {
  Mount bind;
  bind.set_type("bind");
  bind.set_source("/s/3/fs");
  bind.add_options("rw");
  bind.add_options("rbind");
  std::vector<Mount> view = ReadOnlyView({bind});
  ASSERT_EQ(view.size(), 1u);
  EXPECT_EQ(view[0].type(), "bind");
  EXPECT_EQ(view[0].source(), "/s/3/fs");
  ASSERT_EQ(view[0].options_size(), 2);
  EXPECT_EQ(view[0].options(0), "rbind");
  EXPECT_EQ(view[0].options(1), "ro");
}

TEST(VolumeBindsTest, BindsAndVolumesParentsFirst) {
  v1::Container container;
  auto* inner = container.mutable_spec()->add_mounts();
  inner->set_type("volume");
  inner->set_resolved_source("/var/lib/berth/volumes/v/_data");
  inner->set_destination("/data/inner");
  auto* outer = container.mutable_spec()->add_mounts();
  outer->set_type("bind");
  outer->set_source("/srv");
  outer->set_destination("/data");
  outer->set_read_only(true);
  auto* tmpfs = container.mutable_spec()->add_mounts();
  tmpfs->set_type("tmpfs");
  tmpfs->set_destination("/tmp");
  std::vector<RootBind> binds = VolumeBinds(container);
  ASSERT_EQ(binds.size(), 2u);
  EXPECT_EQ(binds[0].source, "/srv");
  EXPECT_TRUE(binds[0].read_only);
  EXPECT_EQ(binds[1].destination, "/data/inner");
}

TEST(SplitDirEntryTest, AsDockerSplitsPaths) {
  EXPECT_EQ(SplitDirEntry("/etc/hostname"), std::make_pair(std::string("/etc"), std::string("hostname")));
  EXPECT_EQ(SplitDirEntry("/data/."), std::make_pair(std::string("/data"), std::string(".")));
  EXPECT_EQ(SplitDirEntry("/data/"), std::make_pair(std::string("/"), std::string("data")));
  EXPECT_EQ(SplitDirEntry("/"), std::make_pair(std::string("/"), std::string(".")));
  EXPECT_EQ(SplitDirEntry("/a/../../b"), std::make_pair(std::string("/"), std::string("b")));
}

}  // namespace
}  // namespace berth::tasks
