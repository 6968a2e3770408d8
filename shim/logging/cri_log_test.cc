#include "shim/logging/cri_log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "shim/logging/log_reader.h"

namespace berth::logging {
namespace {

class CriLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ::umask(022);  // a daemon's usual one
    // The kubelet's pod directory: the writer makes what is missing.
    path_ = dir_ + "/pods/ns_pod_uid/app/0.log";
  }
  std::unique_ptr<CriLogWriter> Open(int64_t max_line_size = kDefaultCriMaxLineSize) {
    auto writer = CriLogWriter::Open(path_, max_line_size);
    EXPECT_TRUE(writer.ok()) << writer.status();
    return writer.ok() ? *std::move(writer) : nullptr;
  }
  // The file's lines.
  std::vector<std::string> Lines() const {
    std::ifstream in(path_);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  // The file's records as "<stream> <tag> <content>", time stamps checked.
  std::vector<std::string> Records() const {
    std::vector<std::string> records;
    for (const std::string& line : Lines()) {
      CriLine parsed;
      EXPECT_TRUE(ParseCriLine(line, &parsed)) << line;
      records.push_back(absl::StrCat(parsed.stream, parsed.partial ? " P " : " F ") +
                        std::string(parsed.content));
    }
    return records;
  }
  std::string dir_, path_;
};

absl::Time At(int second) { return absl::FromUnixSeconds(1700000000 + second); }

TEST_F(CriLogTest, WritesTheKubeletsRecordFormat) {
  auto writer = Open();
  ASSERT_TRUE(writer->Write("stdout", "hello world\n", At(0)).ok());
  ASSERT_TRUE(writer->Write("stderr", "oops\n", At(1) + absl::Nanoseconds(1)).ok());
  ASSERT_TRUE(writer->Write("stdout", "\n", At(2) + absl::Milliseconds(100)).ok());
  EXPECT_EQ(Lines(), (std::vector<std::string>{
                         "2023-11-14T22:13:20Z stdout F hello world",
                         "2023-11-14T22:13:21.000000001Z stderr F oops",
                         // An empty line keeps the space before its (empty) content.
                         "2023-11-14T22:13:22.1Z stdout F ",
                     }));
}

TEST_F(CriLogTest, MakesTheDirectoryAndAppendsWithContainerdsModes) {
  auto writer = Open();
  ASSERT_TRUE(writer->Write("stdout", "one\n", At(0)).ok());
  writer.reset();
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  ASSERT_EQ(::stat((dir_ + "/pods/ns_pod_uid/app").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  writer = Open();
  ASSERT_TRUE(writer->Write("stdout", "two\n", At(1)).ok());
  EXPECT_EQ(Records(), (std::vector<std::string>{"stdout F one", "stdout F two"}));
}

TEST_F(CriLogTest, SplitsLongLinesIntoPartialsAtTheLimit) {
  auto writer = Open();
  ASSERT_TRUE(writer->Write("stdout", std::string(40 * 1024, 'x') + "\n", At(0)).ok());
  auto records = Records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0], "stdout P " + std::string(16384, 'x'));
  EXPECT_EQ(records[1], "stdout P " + std::string(16384, 'x'));
  EXPECT_EQ(records[2], "stdout F " + std::string(40 * 1024 - 2 * 16384, 'x'));
}

TEST_F(CriLogTest, ALineExactlyAtTheLimitIsWhole) {
  auto writer = Open(8);
  ASSERT_TRUE(writer->Write("stdout", "12345678\n", At(0)).ok());
  ASSERT_TRUE(writer->Write("stdout", "123456789\n", At(1)).ok());
  // Twice the limit: no empty F after the parts.
  ASSERT_TRUE(writer->Write("stdout", "abcdefghABCDEFGH\n", At(2)).ok());
  EXPECT_EQ(Records(), (std::vector<std::string>{"stdout F 12345678", "stdout P 12345678",
                                                 "stdout F 9", "stdout P abcdefgh",
                                                 "stdout F ABCDEFGH"}));
}

TEST_F(CriLogTest, PartsOfALineStillOpenGoOnceTheyPassTheLimit) {
  auto writer = Open(4);
  ASSERT_TRUE(writer->Write("stdout", "abcd", At(0)).ok());
  EXPECT_TRUE(Lines().empty()) << "at the limit, the line may still end";
  ASSERT_TRUE(writer->Write("stdout", "efghij", At(1)).ok());
  EXPECT_EQ(Records(), (std::vector<std::string>{"stdout P abcd", "stdout P efgh"}));
  ASSERT_TRUE(writer->Write("stdout", "\n", At(2)).ok());
  EXPECT_EQ(Records().back(), "stdout F ij");
}

TEST_F(CriLogTest, CarriageReturnsEndingALineAreDropped) {
  auto writer = Open(4);
  ASSERT_TRUE(writer->Write("stdout", "dos\r\n", At(0)).ok());
  ASSERT_TRUE(writer->Write("stdout", "a\rb\n", At(1)).ok());
  // "\r\n" across two writes, after a line as long as the limit: the '\r'
  // is not counted against it.
  ASSERT_TRUE(writer->Write("stdout", "wxyz\r", At(2)).ok());
  ASSERT_TRUE(writer->Write("stdout", "\n", At(3)).ok());
  EXPECT_EQ(Records(), (std::vector<std::string>{"stdout F dos", "stdout F a\rb", "stdout F wxyz"}));
}

TEST_F(CriLogTest, OutputWithoutANewlineAtExitIsAPartial) {
  auto writer = Open();
  ASSERT_TRUE(writer->Write("stdout", "done\nno newline", At(0)).ok());
  ASSERT_TRUE(writer->Flush(At(1)).ok());
  ASSERT_TRUE(writer->Flush(At(2)).ok());
  EXPECT_EQ(Records(), (std::vector<std::string>{"stdout F done", "stdout P no newline"}));
}

TEST_F(CriLogTest, StreamsKeepTheirOwnLines) {
  auto writer = Open();
  ASSERT_TRUE(writer->Write("stdout", "par", At(0)).ok());
  ASSERT_TRUE(writer->Write("stderr", "err\nerr-par", At(1)).ok());
  ASSERT_TRUE(writer->Write("stdout", "t\n", At(2)).ok());
  ASSERT_TRUE(writer->Write("stderr", "t\n", At(3)).ok());
  EXPECT_EQ(Records(), (std::vector<std::string>{"stderr F err", "stdout F part", "stderr F err-part"}));
}

TEST_F(CriLogTest, ParsesWhatOtherRuntimesWriteAndRejectsTheRest) {
  CriLine parsed;
  ASSERT_TRUE(ParseCriLine("2016-10-06T00:17:09.669794202Z stdout F log content 1", &parsed));
  EXPECT_EQ(parsed.content, "log content 1");
  EXPECT_EQ(parsed.time, absl::FromUnixNanos(1475713029669794202));
  // CRI-O's offsets and a tag with more after ':'.
  ASSERT_TRUE(ParseCriLine("2016-10-06T02:17:09.669794202+02:00 stderr P:x part", &parsed));
  EXPECT_EQ(parsed.time, absl::FromUnixNanos(1475713029669794202));
  EXPECT_TRUE(parsed.partial);
  EXPECT_EQ(parsed.stream, "stderr");
  EXPECT_FALSE(ParseCriLine("not a time stdout F x", &parsed));
  EXPECT_FALSE(ParseCriLine("2016-10-06T00:17:09Z stdin F x", &parsed));
  EXPECT_FALSE(ParseCriLine("2016-10-06T00:17:09Z stdout X x", &parsed));
  EXPECT_FALSE(ParseCriLine("{\"log\":\"x\"}", &parsed));
}

TEST_F(CriLogTest, ReadingJoinsPartialsIntoWholeLines) {
  ::mkdir(dir_.c_str(), 0755);
  path_ = dir_ + "/joined.log";
  {
    std::ofstream out(path_);
    out << "2023-11-14T22:13:20Z stdout P first \n"
           "2023-11-14T22:13:21Z stderr F an error\n"
           "2023-11-14T22:13:22Z stdout P half \n"
           "garbage that is skipped\n"
           "2023-11-14T22:13:23Z stdout F end\n"
           "2023-11-14T22:13:24Z stdout F \n"
           "2023-11-14T22:13:25Z stderr P cut off\n";
  }
  LogFile file{path_, 1, kCriDriver};
  auto records = ReadLogs(file, {});
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 4u);
  EXPECT_EQ((*records)[0].line, "an error\n");
  EXPECT_EQ((*records)[0].stream, "stderr");
  EXPECT_EQ((*records)[1].line, "first half end\n");
  EXPECT_EQ((*records)[1].stream, "stdout");
  EXPECT_EQ((*records)[1].time, At(0)) << "a joined line is timed when it began";
  EXPECT_EQ((*records)[2].line, "\n");
  EXPECT_EQ((*records)[3].line, "cut off") << "a last partial, without its newline";

  ReadOptions tail;
  tail.tail = 2;
  tail.include_stderr = false;
  records = ReadLogs(file, tail);
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].line, "first half end\n") << "tail counts whole lines";
  ReadOptions since;
  since.since = At(4);
  records = ReadLogs(file, since);
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].line, "\n");
}

TEST_F(CriLogTest, WrittenLongLinesReadBackWhole) {
  auto writer = Open();
  std::string line = std::string(20000, 'a') + std::string(20000, 'b');
  ASSERT_TRUE(writer->Write("stdout", line + "\nshort\n", At(0)).ok());
  auto records = ReadLogs({path_, 1, kCriDriver}, {});
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].line, line + "\n");
  EXPECT_EQ((*records)[1].line, "short\n");
}

TEST_F(CriLogTest, FollowGoesOnInTheFileMadeAfterTheKubeletRotated) {
  auto writer = Open();
  absl::Mutex mu;
  std::vector<std::string> seen;
  std::atomic<bool> done{false};
  std::atomic<bool> opened{false};
  std::thread follower([&] {
    (void)FollowLogs({path_, 1, kCriDriver}, {}, [&](const LogRecord& record) {
      absl::MutexLock lock(&mu);
      seen.push_back(record.line);
    }, [&] { return done.load(); }, [&] { opened = true; });
  });
  while (!opened) ::usleep(1000);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(writer->Write("stdout", absl::StrCat("old ", i, "\n"), At(i)).ok());
  }
  // A line begun before the rotation ends after it, in the new file.
  ASSERT_TRUE(writer->Write("stdout", std::string(20000, 'x'), At(5)).ok());
  ::usleep(50 * 1000);
  ASSERT_EQ(::rename(path_.c_str(), (path_ + ".20261207-160000").c_str()), 0);
  ::usleep(50 * 1000);
  ASSERT_TRUE(writer->Reopen().ok());
  ASSERT_TRUE(writer->Write("stdout", "y\n", At(6)).ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(writer->Write("stdout", absl::StrCat("new ", i, "\n"), At(7 + i)).ok());
  }
  ::usleep(200 * 1000);
  done = true;
  follower.join();
  absl::MutexLock lock(&mu);
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) expected.push_back(absl::StrCat("old ", i, "\n"));
  expected.push_back(std::string(20000, 'x') + "y\n");
  for (int i = 0; i < 5; ++i) expected.push_back(absl::StrCat("new ", i, "\n"));
  EXPECT_EQ(seen, expected);
}

}  // namespace
}  // namespace berth::logging
