#include "services/common/metrics/grpc_interceptor.h"

#include <unistd.h>

#include <cstdlib>
#include <memory>

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "services/common/metrics/proto_convert.h"
#include "services/common/metrics/scrape_service.h"

namespace berth::metrics {
namespace {

TEST(SplitMethodPathTest, SplitsAndFlagsMalformedPaths) {
  EXPECT_EQ(SplitMethodPath("/berth.images.v1.Images/Pull"),
            (std::pair<std::string, std::string>{"berth.images.v1.Images", "Pull"}));
  EXPECT_EQ(SplitMethodPath("garbage").first, "unknown");
  EXPECT_EQ(SplitMethodPath("/NoMethod").first, "unknown");
}

// A real server on a unix socket with the interceptor: calls are counted by
// code, latency observed, and the scrape API returns the same numbers.
TEST(GrpcInterceptorTest, CountsRealCallsByCode) {
  Registry registry;
  ScrapeService scrape(registry);
  // Bazel's temp dirs are too long for sun_path (108 bytes).
  char dir[] = "/tmp/berth-metrics.XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string socket = std::string(dir) + "/m.sock";
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix://" + socket, grpc::InsecureServerCredentials());
  builder.RegisterService(&scrape);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(MakeServerMetricsInterceptorFactory(registry));
  builder.experimental().SetInterceptorCreators(std::move(creators));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  auto channel = grpc::CreateChannel("unix://" + socket, grpc::InsecureChannelCredentials());
  auto stub = berth::metrics::v1::Metrics::NewStub(channel);
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    berth::metrics::v1::ScrapeResponse response;
    ASSERT_TRUE(stub->Scrape(&context, {}, &response).ok());
  }
  {
    grpc::GenericStub generic(channel);
    grpc::ClientContext context;
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1), response;
    grpc::Status status;
    absl::Notification done;
    generic.UnaryCall(&context, "/berth.metrics.v1.Metrics/Nope", grpc::StubOptions(), &request,
                      &response, [&](grpc::Status s) {
                        status = s;
                        done.Notify();
                      });
    done.WaitForNotification();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }

  CounterFamily& requests = registry.Counter(
      "berth_grpc_requests_total", "", {"grpc_service", "grpc_method", "grpc_code"});
  EXPECT_EQ(requests.WithLabels({"berth.metrics.v1.Metrics", "Scrape", "OK"}).Value(), 2);
  HistogramFamily& duration = registry.Histogram("berth_grpc_request_duration_seconds", "",
                                                 {"grpc_service", "grpc_method"},
                                                 DefaultLatencyBuckets());
  EXPECT_EQ(duration.WithLabels({"berth.metrics.v1.Metrics", "Scrape"}).Snapshot().count, 2u);

  // The scrape API reports what the registry holds.
  grpc::ClientContext context;
  berth::metrics::v1::ScrapeResponse response;
  ASSERT_TRUE(stub->Scrape(&context, {}, &response).ok());
  bool found = false;
  for (const MetricFamily& family : FromProto(response)) {
    if (family.name != "berth_grpc_requests_total") continue;
    for (const Sample& sample : family.samples) {
      if (sample.labels[1].second == "Scrape" && sample.labels[2].second == "OK") {
        EXPECT_EQ(sample.value, 2);
        found = true;
      }
    }
  }
  EXPECT_TRUE(found);
  server->Shutdown();
  ::unlink(socket.c_str());
  ::rmdir(dir);
}

TEST(ProtoConvertTest, RoundTripsEveryField) {
  std::vector<MetricFamily> families = {
      {"h_seconds", "H.", MetricType::kHistogram,
       {{{{"a", "b"}}, 0, {{0.5, 1}, {INFINITY, 3}}, 2.5, 3}}},
      {"c_total", "C.", MetricType::kCounter, {{{}, 7, {}, 0, 0}}}};
  std::vector<MetricFamily> back = FromProto(ToProto(families));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].type, MetricType::kHistogram);
  EXPECT_EQ(back[0].samples[0].buckets[1].second, 3u);
  EXPECT_TRUE(std::isinf(back[0].samples[0].buckets[1].first));
  EXPECT_EQ(back[0].samples[0].sum, 2.5);
  EXPECT_EQ(back[1].samples[0].value, 7);
}

}  // namespace
}  // namespace berth::metrics
