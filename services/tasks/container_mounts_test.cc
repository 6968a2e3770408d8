#include "services/tasks/container_mounts.h"

#include "gtest/gtest.h"

namespace berth::tasks {
namespace {

v1::MountSpec Mount(const std::string& type, const std::string& source,
                    const std::string& destination, bool read_only = false) {
  v1::MountSpec mount;
  mount.set_type(type);
  mount.set_source(source);
  mount.set_destination(destination);
  mount.set_read_only(read_only);
  return mount;
}

TEST(ContainerMounts, CleanPath) {
  EXPECT_EQ(CleanMountPath("/a//b/../c/"), "/a/c");
  EXPECT_EQ(CleanMountPath("/../.."), "/");
  EXPECT_EQ(CleanMountPath("/data"), "/data");
}

TEST(ContainerMounts, ImageVolumes) {
  EXPECT_EQ(ImageVolumes(R"({"config":{"Volumes":{"/data":{},"/logs":{}}}})"),
            (std::vector<std::string>{"/data", "/logs"}));
  EXPECT_TRUE(ImageVolumes(R"({"config":{}})").empty());
  EXPECT_TRUE(ImageVolumes(R"({"config":{"Volumes":null}})").empty());
  EXPECT_TRUE(ImageVolumes("not json").empty());
}

TEST(ContainerMounts, ParseVolumesFromAsDocker) {
  EXPECT_EQ(*ParseVolumesFrom("db"), std::make_pair(std::string("db"), std::string("rw")));
  EXPECT_EQ(*ParseVolumesFrom("db:ro"), std::make_pair(std::string("db"), std::string("ro")));
  EXPECT_EQ(*ParseVolumesFrom("db:rw"), std::make_pair(std::string("db"), std::string("rw")));
  EXPECT_EQ(ParseVolumesFrom("db:rshared").status().message(), "invalid mode: rshared");
  EXPECT_EQ(ParseVolumesFrom("db:nocopy").status().message(), "invalid mode: nocopy");
  EXPECT_EQ(ParseVolumesFrom("db:ro,rw").status().message(), "invalid mode: ro,rw");
  EXPECT_EQ(ParseVolumesFrom("").status().message(),
            "volumes-from specification cannot be an empty string");
}

TEST(ContainerMounts, InheritedMountsAreReadOnlyWhenAskedAndLeaveTmpfsFlags) {
  v1::MountSpec tmpfs = Mount("tmpfs", "", "/run");
  (*tmpfs.mutable_volume_options())[kTmpfsFlagMarker] = "true";
  v1::MountSpec named = Mount("volume", "data", "/data");
  named.set_mode("z");
  auto inherited = InheritedMounts({named, Mount("bind", "/h", "/h", true), tmpfs}, "ro");
  ASSERT_EQ(inherited.size(), 2u);
  EXPECT_TRUE(inherited[0].read_only());
  EXPECT_EQ(inherited[0].mode(), "");
  EXPECT_EQ(inherited[0].volume_options().count(kVolumesFromMarker), 1u);
  EXPECT_TRUE(inherited[1].read_only());
  inherited = InheritedMounts({named, Mount("bind", "/h", "/h", true)}, "rw");
  EXPECT_FALSE(inherited[0].read_only());
  EXPECT_TRUE(inherited[1].read_only()) << "a read-only mount stays read-only";
}

TEST(ContainerMounts, PrecedenceRequestedThenInheritedThenImage) {
  std::vector<v1::MountSpec> inherited = {Mount("volume", "shared", "/data"),
                                          Mount("volume", "logs", "/logs")};
  std::vector<v1::MountSpec> requested = {Mount("bind", "/host", "/data/")};
  auto mounts = ComposeMounts(inherited, requested, {"/logs", "/cache", "/data"});
  ASSERT_EQ(mounts.size(), 3u);
  EXPECT_EQ(mounts[0].source(), "logs");
  EXPECT_EQ(mounts[1].source(), "/host");
  EXPECT_EQ(mounts[2].destination(), "/cache");
  EXPECT_EQ(mounts[2].type(), "volume");
  EXPECT_TRUE(mounts[2].source().empty()) << "an anonymous volume";
  EXPECT_EQ(mounts[2].volume_options().count(kConfigVolumeMarker), 1u);
}

TEST(ContainerMounts, ConfigVolumesYieldToBindsAndInheritedMounts) {
  auto anonymous = [](const std::string& path) {
    v1::MountSpec mount = Mount("volume", "", path);
    (*mount.mutable_volume_options())[kConfigVolumeMarker] = "true";
    return mount;
  };
  std::vector<v1::MountSpec> requested = {anonymous("/data"), anonymous("/logs"),
                                          anonymous("/cache"), Mount("bind", "/host", "/data")};
  auto mounts = ComposeMounts({Mount("volume", "logs", "/logs")}, requested, {"/cache"});
  ASSERT_EQ(mounts.size(), 3u);
  EXPECT_EQ(mounts[0].source(), "logs");
  EXPECT_EQ(mounts[1].source(), "/host");
  EXPECT_EQ(mounts[2].destination(), "/cache");
  EXPECT_TRUE(mounts[2].source().empty());
}

}  // namespace
}  // namespace berth::tasks
