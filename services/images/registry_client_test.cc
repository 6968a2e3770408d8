// The registry client against small fake registries (civetweb on
// 127.0.0.1) that misbehave in the ways real ones and networks do: bearer
// token challenges, a blob cut off in the middle, a redirect to another
// host, a flaky 503.

#include "services/images/registry_client.h"

#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "civetweb.h"
#include "gtest/gtest.h"
#include "services/common/digest/sha256.h"
#include "services/common/fs/fs_util.h"

namespace berth::images {
namespace {

// A civetweb server whose every request goes to one handler.
class FakeServer {
 public:
  using Handler = std::function<void(mg_connection*, const mg_request_info*)>;
  explicit FakeServer(Handler handler) : handler_(std::move(handler)) {
    const char* options[] = {"listening_ports", "127.0.0.1:0", "num_threads", "4", nullptr};
    mg_callbacks callbacks{};
    context_ = mg_start(&callbacks, this, options);
    mg_set_request_handler(context_, "/", &FakeServer::Dispatch, this);
    mg_server_port ports[1];
    mg_get_server_ports(context_, 1, ports);
    port_ = ports[0].port;
  }
  ~FakeServer() { mg_stop(context_); }
  std::string Host() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  static int Dispatch(mg_connection* connection, void* data) {
    auto* self = static_cast<FakeServer*>(data);
    self->handler_(connection, mg_get_request_info(connection));
    return 1;
  }
  Handler handler_;
  mg_context* context_;
  int port_ = 0;
};

void Reply(mg_connection* c, int status, const std::string& body,
           const std::string& extra_headers = "") {
  mg_printf(c, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n", status,
            body.size(), extra_headers.c_str());
  mg_write(c, body.data(), body.size());
}

std::string Header(mg_connection* c, const char* name) {
  const char* value = mg_get_header(c, name);
  return value ? value : "";
}

class RegistryClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(fs::RemoveAll(dir).ok());
    store_ = *ContentStore::Open(dir);
    blob_ = std::string(300000, 'b') + "end";
    digest_ = Sha256::Of(blob_);
  }

  RegistryClient Client(const std::string& host, Credentials credentials = {}) {
    auto reference = ParseReference(host + "/team/app:1");
    RegistryOptions options;
    options.insecure_registries = {host};
    options.credentials = credentials;
    return RegistryClient(*reference, options);
  }

  std::unique_ptr<ContentStore> store_;
  std::string blob_;
  std::string digest_;
};

TEST_F(RegistryClientTest, BearerTokenChallengeIsAnsweredAndReused) {
  absl::Mutex mu;
  std::vector<std::string> seen;
  std::unique_ptr<FakeServer> server;
  server = std::make_unique<FakeServer>([&](mg_connection* c, const mg_request_info* r) {
    std::string uri = r->local_uri;
    std::string query = r->query_string ? r->query_string : "";
    {
      absl::MutexLock lock(&mu);
      seen.push_back(absl::StrCat(uri, " ", Header(c, "Authorization")));
    }
    if (uri == "/token") {
      // Credentials reach the token endpoint as basic auth, with the scope.
      bool good = Header(c, "Authorization") == "Basic YWxpY2U6czNjcmV0" &&
                  query.find("scope=repository%3Ateam%2Fapp%3Apull") != std::string::npos &&
                  query.find("service=fake") != std::string::npos;
      Reply(c, good ? 200 : 401, good ? R"({"token":"t0k3n"})" : "{}");
      return;
    }
    if (Header(c, "Authorization") != "Bearer t0k3n") {
      Reply(c, 401, R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})",
            absl::StrCat("WWW-Authenticate: Bearer realm=\"http://", server->Host(),
                         "/token\",service=\"fake\",scope=\"repository:team/app:pull\"\r\n"));
      return;
    }
    Reply(c, 200, blob_, "Content-Type: application/octet-stream\r\n");
  });
  RegistryClient client = Client(server->Host(), {"alice", "s3cret", "", ""});
  auto writer = store_->Writer(digest_, static_cast<int64_t>(blob_.size()));
  ASSERT_TRUE(writer.ok());
  absl::Status fetched = client.FetchBlob(digest_, static_cast<int64_t>(blob_.size()), writer->get(), {});
  if (!fetched.ok()) {
    absl::MutexLock lock(&mu);
    for (const std::string& line : seen) ADD_FAILURE() << line;
  }
  ASSERT_TRUE(fetched.ok()) << fetched;
  ASSERT_TRUE((*writer)->Commit().ok());
  // The second request reuses the token: no new challenge.
  auto second = store_->Writer(digest_, static_cast<int64_t>(blob_.size()));
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(client.FetchBlob(digest_, static_cast<int64_t>(blob_.size()), second->get(), {}).ok());
  (*second)->Discard();
  absl::MutexLock lock(&mu);
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen[0].substr(0, seen[0].find(' ')), "/v2/team/app/blobs/" + digest_);
  EXPECT_EQ(seen[1].substr(0, 6), "/token");
  EXPECT_EQ(seen[2], "/v2/team/app/blobs/" + digest_ + " Bearer t0k3n");
  EXPECT_EQ(seen.back(), "/v2/team/app/blobs/" + digest_ + " Bearer t0k3n");
}

// A registry token (the CRI's RegistryToken) is the bearer token itself:
// no token endpoint is asked.
TEST_F(RegistryClientTest, RegistryTokenIsSentAsTheBearerToken) {
  absl::Mutex mu;
  std::vector<std::string> seen;
  std::unique_ptr<FakeServer> server;
  server = std::make_unique<FakeServer>([&](mg_connection* c, const mg_request_info* r) {
    {
      absl::MutexLock lock(&mu);
      seen.push_back(absl::StrCat(r->local_uri, " ", Header(c, "Authorization")));
    }
    if (Header(c, "Authorization") != "Bearer r3g-t0k3n") {
      Reply(c, 401, "{}",
            absl::StrCat("WWW-Authenticate: Bearer realm=\"http://", server->Host(),
                         "/token\",service=\"fake\"\r\n"));
      return;
    }
    Reply(c, 200, blob_, "Content-Type: application/octet-stream\r\n");
  });
  RegistryClient client = Client(server->Host(), {"", "", "", "r3g-t0k3n"});
  auto writer = store_->Writer(digest_, static_cast<int64_t>(blob_.size()));
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(
      client.FetchBlob(digest_, static_cast<int64_t>(blob_.size()), writer->get(), {}).ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  absl::MutexLock lock(&mu);
  for (const std::string& line : seen) EXPECT_EQ(line.find("/token"), std::string::npos) << line;
  EXPECT_EQ(seen.back(), "/v2/team/app/blobs/" + digest_ + " Bearer r3g-t0k3n");
}

TEST_F(RegistryClientTest, WrongCredentialsAreReportedNotRetriedForever) {
  FakeServer server([&](mg_connection* c, const mg_request_info* r) {
    if (std::string(r->local_uri) == "/token") {
      Reply(c, 401, R"({"errors":[{"code":"UNAUTHORIZED","message":"bad password"}]})");
      return;
    }
    Reply(c, 401, "{}", "WWW-Authenticate: Bearer realm=\"http://" + std::string("127.0.0.1:1") +
                            "/token\"\r\n");
  });
  RegistryClient client = Client(server.Host(), {"alice", "wrong", "", ""});
  auto writer = store_->Writer(digest_, static_cast<int64_t>(blob_.size()));
  absl::Status status = client.FetchBlob(digest_, static_cast<int64_t>(blob_.size()), writer->get(), {});
  EXPECT_FALSE(status.ok());
}

TEST_F(RegistryClientTest, BrokenDownloadResumesWithRange) {
  absl::Mutex mu;
  std::vector<std::string> ranges;
  FakeServer server([&](mg_connection* c, const mg_request_info*) {
    std::string range = Header(c, "Range");
    {
      absl::MutexLock lock(&mu);
      ranges.push_back(range);
    }
    if (range.empty()) {
      // Promise the whole blob, send a third, hang up.
      mg_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", blob_.size());
      mg_write(c, blob_.data(), 100000);
      return;
    }
    size_t from = std::stoul(range.substr(range.find('=') + 1));
    std::string rest = blob_.substr(from);
    mg_printf(c,
              "HTTP/1.1 206 Partial Content\r\nContent-Length: %zu\r\nContent-Range: bytes %zu-%zu/%zu\r\n"
              "Connection: close\r\n\r\n",
              rest.size(), from, blob_.size() - 1, blob_.size());
    mg_write(c, rest.data(), rest.size());
  });
  RegistryClient client = Client(server.Host());
  auto writer = store_->Writer(digest_, static_cast<int64_t>(blob_.size()));
  ASSERT_TRUE(writer.ok());
  absl::Status status = client.FetchBlob(digest_, static_cast<int64_t>(blob_.size()), writer->get(), {});
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_TRUE((*writer)->Commit().ok()) << "the resumed blob does not verify";
  absl::MutexLock lock(&mu);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[1], "bytes=100000-");
}

TEST_F(RegistryClientTest, RedirectToStorageDropsAuthorization) {
  std::string leaked;
  absl::Mutex mu;
  FakeServer storage([&](mg_connection* c, const mg_request_info*) {
    {
      absl::MutexLock lock(&mu);
      leaked = Header(c, "Authorization");
    }
    Reply(c, 200, blob_);
  });
  FakeServer registry([&](mg_connection* c, const mg_request_info*) {
    if (Header(c, "Authorization").empty()) {
      Reply(c, 401, "{}", "WWW-Authenticate: Basic realm=\"fake\"\r\n");
      return;
    }
    Reply(c, 307, "", "Location: http://" + storage.Host() + "/bucket/blob\r\n");
  });
  RegistryClient client = Client(registry.Host(), {"alice", "s3cret", "", ""});
  auto writer = store_->Writer(digest_, static_cast<int64_t>(blob_.size()));
  ASSERT_TRUE(client.FetchBlob(digest_, static_cast<int64_t>(blob_.size()), writer->get(), {}).ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  absl::MutexLock lock(&mu);
  EXPECT_EQ(leaked, "") << "credentials followed the redirect to another host";
}

TEST_F(RegistryClientTest, ServerErrorsAreRetriedWithBackoff) {
  int calls = 0;
  absl::Mutex mu;
  FakeServer server([&](mg_connection* c, const mg_request_info*) {
    int n;
    {
      absl::MutexLock lock(&mu);
      n = ++calls;
    }
    if (n < 3) {
      Reply(c, 503, R"({"errors":[{"code":"UNAVAILABLE","message":"busy"}]})");
      return;
    }
    Reply(c, 200, blob_);
  });
  RegistryClient client = Client(server.Host());
  auto writer = store_->Writer(digest_, static_cast<int64_t>(blob_.size()));
  ASSERT_TRUE(client.FetchBlob(digest_, static_cast<int64_t>(blob_.size()), writer->get(), {}).ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  absl::MutexLock lock(&mu);
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace berth::images
