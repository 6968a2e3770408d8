#include "shim/logging/log_driver.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "shim/logging/log_reader.h"

namespace berth::logging {
namespace {

// What every driver must do, and what each keeps.
class LogDriverTest : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    // Under Bazel's per-test directory, which it removes: /tmp kept one
    // directory per case and run.
    std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/log-driver-XXXXXX";
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    path_ = dir + "/container-json.log";
  }
  std::string path_;
};

TEST_P(LogDriverTest, TakesOutputAndFlushes) {
  LogDriverOptions options;
  options.driver = GetParam();
  options.path = path_;
  auto driver = OpenLogDriver(options);
  ASSERT_TRUE(driver.ok()) << driver.status();
  EXPECT_TRUE((*driver)->Write("stdout", "hello\npartial", absl::Now()).ok());
  EXPECT_TRUE((*driver)->Write("stderr", "oops\n", absl::Now()).ok());
  EXPECT_TRUE((*driver)->Flush(absl::Now()).ok());
  driver->reset();
  if (LogDriverReadable(GetParam())) {
    auto records = ReadLogs({path_, 1, GetParam()}, ReadOptions());
    ASSERT_TRUE(records.ok()) << records.status();
    ASSERT_EQ(records->size(), 3u);
    EXPECT_EQ((*records)[0].line, "hello\n");
    EXPECT_EQ((*records)[1].stream, "stderr");
  } else {
    // Nothing kept, not even an empty file.
    EXPECT_NE(::access(path_.c_str(), F_OK), 0);
  }
}

TEST_P(LogDriverTest, ReopenStartsAFreshFileAtThePath) {
  LogDriverOptions options;
  options.driver = GetParam();
  options.path = path_;
  auto driver = OpenLogDriver(options);
  ASSERT_TRUE(driver.ok()) << driver.status();
  ASSERT_TRUE((*driver)->Write("stdout", "before\n", absl::Now()).ok());
  std::string rotated = path_ + ".rotated";
  if (!LogDriverReadable(GetParam())) {
    EXPECT_TRUE((*driver)->Reopen().ok());
    return;
  }
  ASSERT_EQ(::rename(path_.c_str(), rotated.c_str()), 0);
  // Until the reopen, output still goes to the renamed file.
  ASSERT_TRUE((*driver)->Write("stdout", "still old\n", absl::Now()).ok());
  ASSERT_TRUE((*driver)->Reopen().ok());
  ASSERT_TRUE((*driver)->Write("stdout", "after\n", absl::Now()).ok());
  auto fresh = ReadLogs({path_, 1, GetParam()}, ReadOptions());
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  ASSERT_EQ(fresh->size(), 1u);
  EXPECT_EQ((*fresh)[0].line, "after\n");
  auto old = ReadLogs({rotated, 1, GetParam()}, ReadOptions());
  ASSERT_TRUE(old.ok()) << old.status();
  ASSERT_EQ(old->size(), 2u);
  EXPECT_EQ((*old)[0].line, "before\n");
  EXPECT_EQ((*old)[1].line, "still old\n");
}

INSTANTIATE_TEST_SUITE_P(Drivers, LogDriverTest, testing::Values("json-file", "cri", "none"));

TEST(CheckLogDriverTest, BerthsOwnDockersOthersAndUnknown) {
  EXPECT_TRUE(CheckLogDriver("").ok());
  EXPECT_TRUE(CheckLogDriver("json-file").ok());
  EXPECT_TRUE(CheckLogDriver("none").ok());
  EXPECT_TRUE(CheckLogDriver("cri").ok());
  for (const char* name : {"local", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk",
                           "etwlogs", "gcplogs", "logentries"}) {
    EXPECT_EQ(CheckLogDriver(name).message(),
              std::string("logging driver \"") + name + "\" is not supported by berth (json-file, cri, none)");
  }
  EXPECT_EQ(CheckLogDriver("foo").message(), "error looking up logging plugin foo: plugin \"foo\" not found");
  LogDriverOptions options;
  options.driver = "syslog";
  EXPECT_FALSE(OpenLogDriver(options).ok());
}

}  // namespace
}  // namespace berth::logging
