#include "services/common/metrics/grpc_interceptor.h"

#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/server_callback.h>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "services/common/metrics/exposition.h"
#include "services/common/metrics/proto_convert.h"
#include "services/common/metrics/scrape_service.h"

namespace berth::metrics {
namespace {

using MethodLabels = std::vector<std::string>;

// A unix socket in the test's temp dir. sun_path holds 108 bytes, fewer
// than Bazel's temp dirs can take, so the server and client use a path
// relative to that dir, made the working directory.
std::string SocketAddress(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  EXPECT_NE(dir, nullptr);
  EXPECT_EQ(::chdir(dir != nullptr ? dir : "/tmp"), 0);
  ::unlink(name.c_str());
  return "unix:" + name;
}

std::unique_ptr<grpc::Server> StartServer(grpc::ServerBuilder& builder, Registry& registry,
                                          const std::string& address) {
  builder.AddListeningPort(address, grpc::InsecureServerCredentials());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(MakeServerMetricsInterceptorFactory(registry));
  builder.experimental().SetInterceptorCreators(std::move(creators));
  return builder.BuildAndStart();
}

// One unary call through the generic stub, which can name any method.
grpc::Status CallGeneric(const std::shared_ptr<grpc::Channel>& channel, const std::string& method) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  grpc::Slice payload("ping");
  grpc::ByteBuffer request(&payload, 1), response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  return status;
}

double Requests(Registry& registry, const MethodLabels& labels) {
  return registry
      .Counter("berth_grpc_requests_total", "", {"grpc_service", "grpc_method", "grpc_code"})
      .WithLabels(labels)
      .Value();
}

uint64_t DurationCount(Registry& registry, const MethodLabels& labels) {
  return registry
      .Histogram("berth_grpc_request_duration_seconds", "", {"grpc_service", "grpc_method"},
                 DefaultLatencyBuckets())
      .WithLabels(labels)
      .Snapshot()
      .count;
}

double InFlight(Registry& registry, const MethodLabels& labels) {
  return registry.Gauge("berth_grpc_requests_in_flight", "", {"grpc_service", "grpc_method"})
      .WithLabels(labels)
      .Value();
}

TEST(SplitMethodPathTest, SplitsAndFlagsMalformedPaths) {
  EXPECT_EQ(SplitMethodPath("/berth.images.v1.Images/Pull"),
            (std::pair<std::string, std::string>{"berth.images.v1.Images", "Pull"}));
  EXPECT_EQ(SplitMethodPath("garbage"),
            (std::pair<std::string, std::string>{"unknown", "garbage"}));
  EXPECT_EQ(SplitMethodPath("/NoMethod").first, "unknown");
  EXPECT_EQ(SplitMethodPath("/a/b/c").first, "unknown");
  EXPECT_EQ(SplitMethodPath("//M").first, "unknown");
  EXPECT_EQ(SplitMethodPath(""), (std::pair<std::string, std::string>{"unknown", "unknown"}));
}

TEST(StatusCodeNameTest, CanonicalNames) {
  EXPECT_STREQ(StatusCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_STREQ(StatusCodeName(grpc::StatusCode::DEADLINE_EXCEEDED), "DEADLINE_EXCEEDED");
  EXPECT_STREQ(StatusCodeName(grpc::StatusCode::UNIMPLEMENTED), "UNIMPLEMENTED");
  EXPECT_STREQ(StatusCodeName(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
  EXPECT_STREQ(StatusCodeName(99), "UNKNOWN");
}

// A real server on a unix socket with the Scrape service and the
// interceptor: calls are counted by code, latency observed, and the Scrape
// API itself reports the same numbers.
TEST(GrpcInterceptorTest, CountsCallsToARegisteredService) {
  Registry registry;
  ScrapeService scrape(registry);
  std::string address = SocketAddress("scrape.sock");
  grpc::ServerBuilder builder;
  builder.RegisterService(&scrape);
  std::unique_ptr<grpc::Server> server = StartServer(builder, registry, address);
  ASSERT_NE(server, nullptr);

  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = berth::metrics::v1::Metrics::NewStub(channel);
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    berth::metrics::v1::ScrapeResponse response;
    ASSERT_TRUE(stub->Scrape(&context, {}, &response).ok());
  }
  EXPECT_EQ(CallGeneric(channel, "/berth.metrics.v1.Metrics/Nope").error_code(),
            grpc::StatusCode::UNIMPLEMENTED);

  // Recorded before the status leaves the server, so visible already.
  MethodLabels scrape_method = {"berth.metrics.v1.Metrics", "Scrape"};
  EXPECT_EQ(Requests(registry, {"berth.metrics.v1.Metrics", "Scrape", "OK"}), 2);
  EXPECT_EQ(DurationCount(registry, scrape_method), 2u);
  // gRPC hands an ordinary server's unregistered methods to its own handler,
  // whose method() is "unknown": the path the client sent is not visible.
  EXPECT_EQ(Requests(registry, {"unknown", "unknown", "UNIMPLEMENTED"}), 1);

  // The Scrape API reports what the registry holds.
  grpc::ClientContext context;
  berth::metrics::v1::ScrapeResponse response;
  ASSERT_TRUE(stub->Scrape(&context, {}, &response).ok());
  bool found = false;
  for (const MetricFamily& family : FromProto(response)) {
    if (family.name != "berth_grpc_requests_total") continue;
    for (const Sample& sample : family.samples) {
      if (sample.labels == Labels{{"grpc_service", "berth.metrics.v1.Metrics"},
                                  {"grpc_method", "Scrape"},
                                  {"grpc_code", "OK"}}) {
        EXPECT_EQ(sample.value, 2);
        found = true;
      }
    }
  }
  EXPECT_TRUE(found);

  server->Shutdown();
  server.reset();
  EXPECT_EQ(InFlight(registry, scrape_method), 0);
}

// Answers "Echo" by echoing, "Fail" with NOT_FOUND, like berthd's proxy
// answers every method through one generic service.
class EchoService final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    class Reactor final : public grpc::ServerGenericBidiReactor {
     public:
      explicit Reactor(const std::string& method) {
        if (method.size() >= 5 && method.compare(method.size() - 5, 5, "/Fail") == 0) {
          Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such thing"));
        } else {
          StartRead(&message_);
        }
      }
      void OnReadDone(bool ok) override {
        if (!ok) return Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
        StartWriteAndFinish(&message_, grpc::WriteOptions(), grpc::Status::OK);
      }
      void OnDone() override { delete this; }

     private:
      grpc::ByteBuffer message_;
    };
    return new Reactor(context->method());
  }
};

TEST(GrpcInterceptorTest, CountsCallsToAGenericService) {
  Registry registry;
  EchoService echo;
  std::string address = SocketAddress("generic.sock");
  grpc::ServerBuilder builder;
  builder.RegisterCallbackGenericService(&echo);
  std::unique_ptr<grpc::Server> server = StartServer(builder, registry, address);
  ASSERT_NE(server, nullptr);

  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(CallGeneric(channel, "/demo.v1.Echo/Echo").ok());
  EXPECT_EQ(CallGeneric(channel, "/demo.v1.Echo/Fail").error_code(), grpc::StatusCode::NOT_FOUND);
  // gRPC passes even a malformed path on to a generic service.
  EXPECT_TRUE(CallGeneric(channel, "no-slashes").ok());

  EXPECT_EQ(Requests(registry, {"demo.v1.Echo", "Echo", "OK"}), 3);
  EXPECT_EQ(Requests(registry, {"demo.v1.Echo", "Fail", "NOT_FOUND"}), 1);
  EXPECT_EQ(DurationCount(registry, {"demo.v1.Echo", "Echo"}), 3u);
  EXPECT_EQ(DurationCount(registry, {"demo.v1.Echo", "Fail"}), 1u);
  EXPECT_EQ(Requests(registry, {"unknown", "no-slashes", "OK"}), 1);

  server->Shutdown();
  server.reset();
  EXPECT_EQ(InFlight(registry, {"demo.v1.Echo", "Echo"}), 0);
}

// With a filter, made-up paths on a generic server all share one series.
TEST(GrpcInterceptorTest, UnknownMethodsShareOneSeries) {
  Registry registry;
  EchoService echo;
  std::string address = SocketAddress("filtered.sock");
  grpc::ServerBuilder builder;
  builder.RegisterCallbackGenericService(&echo);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(MakeServerMetricsInterceptorFactory(
      registry, [](const std::string& service, const std::string& method) {
        return service == "demo.v1.Echo" && method == "Echo";
      }));
  builder.experimental().SetInterceptorCreators(std::move(creators));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  EXPECT_TRUE(CallGeneric(channel, "/demo.v1.Echo/Echo").ok());
  EXPECT_TRUE(CallGeneric(channel, "/made.up.Service/One").ok());
  EXPECT_TRUE(CallGeneric(channel, "/made.up.Service/Two").ok());
  EXPECT_EQ(Requests(registry, {"demo.v1.Echo", "Echo", "OK"}), 1);
  EXPECT_EQ(Requests(registry, {"unknown", "unknown", "OK"}), 2);
  EXPECT_EQ(RenderText(registry.Collect()).find("made.up"), std::string::npos);
  server->Shutdown();
}

}  // namespace
}  // namespace berth::metrics
