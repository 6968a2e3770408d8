#include "services/cri/settings_store.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "services/cri/schema.h"

namespace berth::cri {
namespace {

TEST(SettingsStoreTest, PodCidrSurvivesReopening) {
  char dir[] = "/tmp/cri-settings-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/meta.db";
  {
    auto db = store::Database::Open(path, Migrations());
    ASSERT_TRUE(db.ok()) << db.status();
    SettingsStore settings(db->get());
    EXPECT_EQ(*settings.PodCidr(), "");
    ASSERT_TRUE(settings.SetPodCidr("10.88.0.0/16").ok());
    ASSERT_TRUE(settings.SetPodCidr("10.89.0.0/16").ok());
  }
  auto db = store::Database::Open(path, Migrations());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*SettingsStore(db->get()).PodCidr(), "10.89.0.0/16");
  std::system((std::string("rm -rf ") + dir).c_str());
}

}  // namespace
}  // namespace berth::cri
