#include "services/cri/streaming/port_forward_pairs.h"

#include <sys/socket.h>

#include "gtest/gtest.h"
#include "services/cri/streaming/remotecommand_client.h"

namespace berth::cri::streaming {
namespace {

class PortForwardPairsTest : public testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    server_ = SpdySession::Start(UniqueFd(fds[0]), "");
    SpdySessionOptions options;
    options.server = false;
    client_ = SpdySession::Start(UniqueFd(fds[1]), "", options);
  }

  std::shared_ptr<SpdyStream> Open(const std::string& type, const std::string& port, const std::string& request_id) {
    SpdyHeaders headers = {{"streamType", type}, {"port", port}};
    if (!request_id.empty()) headers.emplace_back("requestID", request_id);
    absl::StatusOr<std::shared_ptr<SpdyStream>> stream = client_->OpenStream(headers);
    EXPECT_TRUE(stream.ok()) << stream.status();
    return stream.ok() ? *stream : nullptr;
  }

  std::unique_ptr<SpdySession> server_, client_;
};

TEST_F(PortForwardPairsTest, PairsByRequestIdInAnyOrder) {
  PortForwardPairs pairs(*server_);
  Open("error", "80", "0");
  Open("data", "443", "1");
  Open("data", "80", "0");
  Open("error", "443", "1");
  absl::StatusOr<PortForwardPair> first = pairs.Next(absl::Seconds(5));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->request_id, "0");
  EXPECT_EQ(first->port, 80);
  EXPECT_EQ(first->data->Header("streamType"), "data");
  EXPECT_EQ(first->error->Header("streamType"), "error");
  absl::StatusOr<PortForwardPair> second = pairs.Next(absl::Seconds(5));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->request_id, "1");
  EXPECT_EQ(second->port, 443);
}

TEST_F(PortForwardPairsTest, OldClientsWithoutRequestIdPairByStreamIds) {
  PortForwardPairs pairs(*server_);
  Open("error", "8080", "");  // id 1
  Open("data", "8080", "");   // id 3
  absl::StatusOr<PortForwardPair> pair = pairs.Next(absl::Seconds(5));
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_EQ(pair->request_id, "1");
  EXPECT_EQ(pair->data->id(), 3u);
}

TEST_F(PortForwardPairsTest, ABadPortIsAnsweredOnTheErrorStream) {
  PortForwardPairs pairs(*server_);
  std::shared_ptr<SpdyStream> error = Open("error", "http", "0");
  Open("data", "http", "0");
  Open("error", "22", "1");
  Open("data", "22", "1");
  absl::StatusOr<PortForwardPair> pair = pairs.Next(absl::Seconds(5));
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_EQ(pair->request_id, "1");  // the good one behind it comes through
  EXPECT_EQ(ReadToEnd(*error).value_or("(read failed)"), "error parsing port \"http\"");
}

TEST_F(PortForwardPairsTest, AHalfPairTimesOut) {
  PortForwardPairs pairs(*server_, absl::Milliseconds(200));
  std::shared_ptr<SpdyStream> error = Open("error", "80", "5");
  absl::StatusOr<PortForwardPair> pair = pairs.Next(absl::Seconds(1));
  EXPECT_TRUE(absl::IsDeadlineExceeded(pair.status())) << pair.status();
  EXPECT_EQ(ReadToEnd(*error).value_or("(read failed)"), "(request=5) timed out waiting for streams");
  // Its other half, late, starts a new half that a partner completes.
  Open("data", "80", "5");
  Open("error", "80", "5");
  EXPECT_TRUE(pairs.Next(absl::Seconds(5)).ok());
}

TEST_F(PortForwardPairsTest, OtherStreamTypesAreReset) {
  PortForwardPairs pairs(*server_);
  std::shared_ptr<SpdyStream> bogus = Open("stdin", "80", "0");
  EXPECT_TRUE(absl::IsDeadlineExceeded(pairs.Next(absl::Milliseconds(200)).status()));
  absl::StatusOr<std::string> read = bogus->Read();
  EXPECT_TRUE(absl::IsAborted(read.status())) << read.status();
}

TEST_F(PortForwardPairsTest, TheClientHelperOpensAPair) {
  PortForwardPairs pairs(*server_);
  absl::StatusOr<PortForwardStreams> streams = OpenPortForwardStreams(*client_, 5432, 9);
  ASSERT_TRUE(streams.ok()) << streams.status();
  absl::StatusOr<PortForwardPair> pair = pairs.Next(absl::Seconds(5));
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_EQ(pair->request_id, "9");
  EXPECT_EQ(pair->port, 5432);
}

TEST_F(PortForwardPairsTest, SessionEndIsUnavailable) {
  PortForwardPairs pairs(*server_);
  client_.reset();
  EXPECT_TRUE(absl::IsUnavailable(pairs.Next(absl::Seconds(5)).status()));
}

}  // namespace
}  // namespace berth::cri::streaming
