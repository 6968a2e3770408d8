#include "shim/logging/json_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace berth::logging {
namespace {

class JsonFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ::mkdir(dir_.c_str(), 0755);
    path_ = dir_ + "/container-json.log";
  }
  std::string dir_, path_;
};

absl::Time At(int second) { return absl::FromUnixSeconds(1700000000 + second); }

TEST_F(JsonFileTest, WritesDockersRecordFormat) {
  auto writer = JsonFileWriter::Open(path_, 0, 1);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("stdout", "hello \"world\"\npart", At(0)).ok());
  ASSERT_TRUE((*writer)->Write("stderr", "oops\n", At(1)).ok());
  ASSERT_TRUE((*writer)->Write("stdout", "ial\n", At(2)).ok());
  ASSERT_TRUE((*writer)->Flush(At(3)).ok());
  std::ifstream in(path_);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, R"({"log":"hello \"world\"\n","stream":"stdout","time":"2023-11-14T22:13:20.000000000Z"})");
  auto records = ReadLogs({path_, 1}, {});
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[1].stream, "stderr");
  EXPECT_EQ((*records)[2].line, "partial\n") << "a partial line waits for its end";
}

TEST_F(JsonFileTest, RotatesBySizeKeepingMaxFiles) {
  auto writer = JsonFileWriter::Open(path_, 1000, 3);
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE((*writer)->Write("stdout", absl::StrCat("line ", i, "\n"), At(i)).ok());
  }
  struct stat st;
  EXPECT_EQ(::stat((path_ + ".1").c_str(), &st), 0);
  EXPECT_EQ(::stat((path_ + ".2").c_str(), &st), 0);
  EXPECT_NE(::stat((path_ + ".3").c_str(), &st), 0) << "more files than max-file";
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_LE(st.st_size, 1000);
  auto records = ReadLogs({path_, 3}, {});
  ASSERT_TRUE(records.ok());
  ASSERT_FALSE(records->empty());
  EXPECT_EQ(records->back().line, "line 99\n");
  // What is kept is a contiguous, ordered tail of the output.
  int first = std::stoi(records->front().line.substr(5));
  for (size_t i = 0; i < records->size(); ++i) {
    EXPECT_EQ((*records)[i].line, absl::StrCat("line ", first + static_cast<int>(i), "\n"));
  }
}

TEST_F(JsonFileTest, TailSinceUntilAndStreams) {
  auto writer = JsonFileWriter::Open(path_, 0, 1);
  for (int i = 0; i < 10; ++i) {
    (void)(*writer)->Write(i % 2 ? "stderr" : "stdout", absl::StrCat(i, "\n"), At(i));
  }
  ReadOptions tail;
  tail.tail = 3;
  EXPECT_EQ(ReadLogs({path_, 1}, tail)->front().line, "7\n");
  ReadOptions window;
  window.since = At(3);
  window.until = At(5);
  EXPECT_EQ(ReadLogs({path_, 1}, window)->size(), 3u);
  ReadOptions errors_only;
  errors_only.include_stdout = false;
  auto errors = ReadLogs({path_, 1}, errors_only);
  ASSERT_EQ(errors->size(), 5u);
  for (const LogRecord& record : *errors) EXPECT_EQ(record.stream, "stderr");
  ReadOptions none;
  none.tail = 0;
  EXPECT_TRUE(ReadLogs({path_, 1}, none)->empty());
}

TEST_F(JsonFileTest, LongLinesAreSplitAt16KiB) {
  auto writer = JsonFileWriter::Open(path_, 0, 1);
  ASSERT_TRUE((*writer)->Write("stdout", std::string(40000, 'x') + "\n", At(0)).ok());
  auto records = ReadLogs({path_, 1}, {});
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[0].line.size(), 16384u);
  EXPECT_EQ((*records)[2].line.back(), '\n');
}

TEST_F(JsonFileTest, FollowContinuesAcrossRotation) {
  // Ten files of 2000 bytes hold more than the largest burst below.
  auto writer = JsonFileWriter::Open(path_, 2000, 10);
  ASSERT_TRUE(writer.ok());
  absl::Mutex mu;
  std::vector<std::string> seen;
  std::atomic<bool> done{false};
  std::thread follower([&] {
    (void)FollowLogs({path_, 10}, {}, [&](const LogRecord& record) {
      absl::MutexLock lock(&mu);
      seen.push_back(record.line);
    }, [&] { return done.load(); });
  });
  ::usleep(100 * 1000);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE((*writer)->Write("stdout", absl::StrCat("follow ", i, "\n"), At(i)).ok());
    // Bursts with pauses: some rotations are seen one by one, and the
    // burst of 100 lines rotates several times between two looks.
    if (i < 100 && i % 20 == 0) ::usleep(30 * 1000);
  }
  ::usleep(200 * 1000);
  done = true;
  follower.join();
  absl::MutexLock lock(&mu);
  ASSERT_FALSE(seen.empty());
  // In order, without loss, across the rotations.
  int first = std::stoi(seen.front().substr(7));
  EXPECT_EQ(first, 0);
  for (size_t i = 0; i < seen.size(); ++i) {
    ASSERT_EQ(seen[i], absl::StrCat("follow ", first + static_cast<int>(i), "\n"));
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST_F(JsonFileTest, FollowKeepsUpWithRotationsWhileItReads) {
  // Small files, rotated all the time while the follower reads: every
  // record once, in order (names shift under it; open files do not).
  auto writer = JsonFileWriter::Open(path_, 600, 400);
  ASSERT_TRUE(writer.ok());
  absl::Mutex mu;
  std::vector<std::string> seen;
  std::atomic<bool> done{false};
  std::thread follower([&] {
    (void)FollowLogs({path_, 400}, {}, [&](const LogRecord& record) {
      absl::MutexLock lock(&mu);
      seen.push_back(record.line);
    }, [&] { return done.load(); });
  });
  ::usleep(100 * 1000);
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE((*writer)->Write("stdout", absl::StrCat("busy ", i, "\n"), At(i)).ok());
    if (i % 500 == 0) ::usleep(7 * 1000);
  }
  ::usleep(200 * 1000);
  done = true;
  follower.join();
  absl::MutexLock lock(&mu);
  ASSERT_EQ(seen.size(), 3000u);
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], absl::StrCat("busy ", i, "\n"));
}

TEST(OverlapLengthTest, FindsTheRepeatedRecordsEvenWithSharedTimeStamps) {
  absl::Time t = absl::FromUnixSeconds(1700000000);
  auto r = [&](const std::string& line) { return LogRecord{"stdout", line, t}; };
  std::vector<LogRecord> read = {r("a\n"), r("b\n"), r("c\n")};
  EXPECT_EQ(OverlapLength(read, {r("b\n"), r("c\n"), r("d\n")}), 2u);
  // Same time stamp, other lines: not an overlap (a time comparison
  // would have dropped them).
  EXPECT_EQ(OverlapLength(read, {r("d\n"), r("e\n")}), 0u);
  EXPECT_EQ(OverlapLength({}, {r("a\n")}), 0u);
  EXPECT_EQ(OverlapLength(read, {}), 0u);
}

}  // namespace
}  // namespace berth::logging
