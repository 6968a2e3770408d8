#include "services/common/base/write_all.h"

#include <signal.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace berth {
namespace {

// A pipe holds 64 KiB: a larger write completes only in pieces.
TEST(WriteAllTest, WritesEveryByteThroughShortWrites) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string data(1 << 20, 'x');
  data.back() = 'y';
  std::string received;
  std::thread reader([&] {
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buffer, sizeof(buffer))) > 0) received.append(buffer, n);
  });
  absl::Status status = WriteAll(fds[1], data, "the test data");
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(received, data);
}

TEST(WriteAllTest, AGoneReaderIsAnErrorNamingWhat) {
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr), 0);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  absl::Status status = WriteAll(fds[1], "data", "the layer");
  ::close(fds[1]);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(std::string(status.message()).find("write the layer"), std::string::npos) << status;
}

}  // namespace
}  // namespace berth
