#include "shim/logging/log_driver.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "shim/logging/json_file.h"

namespace berth::logging {
namespace {

// What every driver must do, and what each keeps.
class LogDriverTest : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/log-driver-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    path_ = std::string(dir) + "/container-json.log";
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
    auto records = ReadLogs(path_, 1, ReadOptions());
    ASSERT_TRUE(records.ok()) << records.status();
    ASSERT_EQ(records->size(), 3u);
    EXPECT_EQ((*records)[0].line, "hello\n");
    EXPECT_EQ((*records)[1].stream, "stderr");
  } else {
    // Nothing kept, not even an empty file.
    EXPECT_NE(::access(path_.c_str(), F_OK), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Drivers, LogDriverTest, testing::Values("json-file", "none"));

TEST(CheckLogDriverTest, BerthsOwnDockersOthersAndUnknown) {
  EXPECT_TRUE(CheckLogDriver("").ok());
  EXPECT_TRUE(CheckLogDriver("json-file").ok());
  EXPECT_TRUE(CheckLogDriver("none").ok());
  for (const char* name : {"local", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk",
                           "etwlogs", "gcplogs", "logentries"}) {
    EXPECT_EQ(CheckLogDriver(name).message(),
              std::string("logging driver \"") + name + "\" is not supported by berth (json-file, none)");
  }
  EXPECT_EQ(CheckLogDriver("foo").message(), "error looking up logging plugin foo: plugin \"foo\" not found");
  LogDriverOptions options;
  options.driver = "syslog";
  EXPECT_FALSE(OpenLogDriver(options).ok());
}

}  // namespace
}  // namespace berth::logging
