#include "services/berthd/audit_log.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace berth::berthd {
namespace {

TEST(AuditLogTest, WritesOneJsonLinePerRecordFromManyThreads) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/audit.log";
  auto log = AuditLog::Open(path);
  ASSERT_TRUE(log.ok()) << log.status();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        AuditRecord record;
        record.time = absl::FromUnixSeconds(1700000000);
        record.identity = "CN=alice,O=admin";
        record.role = "admin";
        record.method = "/berth.images.v1.Images/Remove";
        record.target = "busybox \"quoted\"\n" + std::to_string(t);
        record.code = "OK";
        (*log)->Write(record);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    nlohmann::json record = nlohmann::json::parse(line);  // Throws on a torn line.
    EXPECT_EQ(record["identity"], "CN=alice,O=admin");
    EXPECT_EQ(record["method"], "/berth.images.v1.Images/Remove");
    EXPECT_EQ(record["time"], "2023-11-14T22:13:20.000000Z");
    EXPECT_EQ(record["code"], "OK");
    ++lines;
  }
  EXPECT_EQ(lines, 400);
}

TEST(AuditLogTest, RefusesUnwritablePath) {
  auto log = AuditLog::Open("/nonexistent-dir/audit.log");
  EXPECT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("/nonexistent-dir/audit.log"), std::string::npos);
}

}  // namespace
}  // namespace berth::berthd
