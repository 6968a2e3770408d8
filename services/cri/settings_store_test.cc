#include "services/cri/settings_store.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "services/cri/schema.h"

namespace berth::cri {
namespace {

TEST(SettingsStoreTest, PodCidrSurvivesReopening) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/settings/meta.db";
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
}

}  // namespace
}  // namespace berth::cri
