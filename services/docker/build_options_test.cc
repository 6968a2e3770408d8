#include "services/docker/build_options.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace berth::docker {
namespace {

http::HttpRequest Query(std::initializer_list<std::pair<const std::string, std::string>> query) {
  http::HttpRequest request;
  request.method = "POST";
  request.path = "/v1.45/build";
  request.query = query;
  return request;
}

TEST(BuildOptionsTest, TheQueryTheDockerCliSends) {
  auto options = BuildOptionsFromRequest(Query({{"t", "x:1"},
                                                {"t", "x:2"},
                                                {"dockerfile", ".dockerfile.0123abcd"},
                                                {"buildargs", R"({"FOO":"bar","UNSET":null})"},
                                                {"labels", R"({"l1":"v1"})"},
                                                {"cachefrom", R"(["busybox"])"},
                                                {"ulimits", R"([{"Name":"nofile","Hard":2048,"Soft":1024}])"},
                                                {"nocache", "1"},
                                                {"pull", "1"},
                                                {"q", "1"},
                                                {"target", "t1"},
                                                {"platform", "linux/amd64"},
                                                {"networkmode", "host"},
                                                {"extrahosts", "a:1.2.3.4"},
                                                {"shmsize", "67108864"},
                                                {"memory", "100000000"},
                                                {"cpushares", "not-a-number"},
                                                {"version", "1"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(std::vector<std::string>(options->tags().begin(), options->tags().end()),
            (std::vector<std::string>{"x:1", "x:2"}));
  EXPECT_EQ(options->dockerfile(), ".dockerfile.0123abcd");
  EXPECT_EQ(options->build_args().size(), 1u) << "a null build arg sets nothing";
  EXPECT_EQ(options->build_args().at("FOO"), "bar");
  EXPECT_EQ(options->labels().at("l1"), "v1");
  ASSERT_EQ(options->cache_from_size(), 1);
  EXPECT_EQ(options->cache_from(0), "busybox");
  ASSERT_EQ(options->ulimits_size(), 1);
  EXPECT_EQ(options->ulimits(0).name(), "nofile");
  EXPECT_EQ(options->ulimits(0).soft(), 1024);
  EXPECT_EQ(options->ulimits(0).hard(), 2048);
  EXPECT_TRUE(options->no_cache());
  EXPECT_TRUE(options->pull());
  EXPECT_TRUE(options->quiet());
  EXPECT_EQ(options->target(), "t1");
  EXPECT_EQ(options->platform(), "linux/amd64");
  EXPECT_EQ(options->network_mode(), "host");
  ASSERT_EQ(options->extra_hosts_size(), 1);
  EXPECT_EQ(options->shm_size(), 67108864);
  EXPECT_EQ(options->memory(), 100000000);
  EXPECT_EQ(options->cpu_shares(), 0) << "dockerd reads a bad number as 0";
}

TEST(BuildOptionsTest, RemovesIntermediateContainersUnlessRmIsOff) {
  auto plain = BuildOptionsFromRequest(Query({}));
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->keep_intermediate());
  EXPECT_FALSE(plain->force_remove());
  EXPECT_FALSE(plain->quiet());

  auto kept = BuildOptionsFromRequest(Query({{"rm", "0"}}));
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->keep_intermediate());

  auto forced = BuildOptionsFromRequest(Query({{"rm", "0"}, {"forcerm", "1"}}));
  ASSERT_TRUE(forced.ok());
  EXPECT_FALSE(forced->keep_intermediate()) << "forcerm implies rm";
  EXPECT_TRUE(forced->force_remove());
}

TEST(BuildOptionsTest, RegistryConfigByHost) {
  http::HttpRequest request = Query({});
  request.headers["X-Registry-Config"] =
      absl::WebSafeBase64Escape(R"({"reg.example:5000":{"username":"alice","password":"pw"}})");
  auto options = BuildOptionsFromRequest(request);
  ASSERT_TRUE(options.ok());
  ASSERT_EQ(options->registry_auth().count("reg.example:5000"), 1u);
  EXPECT_EQ(options->registry_auth().at("reg.example:5000").username(), "alice");
  EXPECT_EQ(options->registry_auth().at("reg.example:5000").password(), "pw");

  request.headers["X-Registry-Config"] = "e30=";  // {}
  options = BuildOptionsFromRequest(request);
  ASSERT_TRUE(options.ok());
  EXPECT_TRUE(options->registry_auth().empty());
}

TEST(BuildOptionsTest, NullJsonParametersAreEmpty) {
  // What docker 20.10 sends for a plain `docker build .`.
  auto options = BuildOptionsFromRequest(
      Query({{"ulimits", "null"}, {"buildargs", "null"}, {"labels", "null"}, {"cachefrom", "null"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->ulimits_size(), 0);
  EXPECT_TRUE(options->build_args().empty());
}

void ExpectRefused(std::initializer_list<std::pair<const std::string, std::string>> query,
                   absl::StatusCode code, const std::string& needle) {
  auto options = BuildOptionsFromRequest(Query(query));
  ASSERT_FALSE(options.ok()) << needle;
  EXPECT_EQ(options.status().code(), code) << options.status();
  EXPECT_NE(options.status().message().find(needle), std::string::npos) << options.status();
}

TEST(BuildOptionsTest, Refusals) {
  ExpectRefused({{"buildargs", "[1]"}}, absl::StatusCode::kInvalidArgument, "error reading build args");
  ExpectRefused({{"buildargs", R"({"A":1})"}}, absl::StatusCode::kInvalidArgument, "A is not a string");
  ExpectRefused({{"labels", "{"}}, absl::StatusCode::kInvalidArgument, "error reading labels");
  ExpectRefused({{"cachefrom", R"({"a":"b"})"}}, absl::StatusCode::kInvalidArgument,
                "error reading cache-from");
  ExpectRefused({{"ulimits", R"([{"Soft":1}])"}}, absl::StatusCode::kInvalidArgument,
                "error reading ulimit settings");
  ExpectRefused({{"shmsize", "64m"}}, absl::StatusCode::kInvalidArgument, "invalid shmsize");
  ExpectRefused({{"remote", "https://github.com/x/y.git"}}, absl::StatusCode::kUnimplemented,
                "remote build contexts are not supported");
  ExpectRefused({{"version", "2"}}, absl::StatusCode::kUnimplemented, "DOCKER_BUILDKIT=0");
  ExpectRefused({{"securityopt", "seccomp=unconfined"}}, absl::StatusCode::kInvalidArgument,
                "security options");
  ExpectRefused({{"squash", "1"}}, absl::StatusCode::kInvalidArgument, "experimental");
  ExpectRefused({{"isolation", "hyperv"}}, absl::StatusCode::kInvalidArgument, "unsupported isolation");
}

}  // namespace
}  // namespace berth::docker
