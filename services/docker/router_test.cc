#include "services/docker/router.h"

#include "gtest/gtest.h"

namespace berth::docker {
namespace {

http::HttpRequest Request(const std::string& method, const std::string& path) {
  http::HttpRequest request;
  request.method = method;
  request.path = path;
  return request;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/containers/{id}/json", [this](const ApiRequest& r) {
      seen_ = r.params;
      version_ = r.version;
      return http::HttpResponse::Json(200, "{}");
    });
    router_.Add("GET", "/images/{name*}/json", [this](const ApiRequest& r) {
      seen_ = r.params;
      return http::HttpResponse::Json(200, "{}");
    });
    router_.Add("DELETE", "/images/{name*}", [this](const ApiRequest& r) {
      seen_ = r.params;
      return http::HttpResponse::Empty(200);
    });
  }
  Router router_;
  std::vector<std::string> seen_;
  std::string version_;
};

TEST_F(RouterTest, VersionPrefixAndParams) {
  EXPECT_EQ(router_.Dispatch(Request("GET", "/v1.41/containers/web/json")).status, 200);
  EXPECT_EQ(seen_, std::vector<std::string>{"web"});
  EXPECT_EQ(version_, "1.41");
  EXPECT_EQ(router_.Dispatch(Request("GET", "/containers/abc/json")).status, 200);
  EXPECT_EQ(version_, kMaxApiVersion);
}

TEST_F(RouterTest, ImageNamesKeepTheirSlashes) {
  EXPECT_EQ(router_.Dispatch(Request("GET", "/v1.45/images/localhost:5000/a/b:1/json")).status, 200);
  EXPECT_EQ(seen_, std::vector<std::string>{"localhost:5000/a/b:1"});
  EXPECT_EQ(router_.Dispatch(Request("DELETE", "/v1.45/images/docker.io/library/busybox")).status,
            200);
  EXPECT_EQ(seen_, std::vector<std::string>{"docker.io/library/busybox"});
}

TEST_F(RouterTest, VersionsOutsideTheRangeAreRefusedAsDockerd) {
  http::HttpResponse too_new = router_.Dispatch(Request("GET", "/v1.99/containers/x/json"));
  EXPECT_EQ(too_new.status, 400);
  EXPECT_NE(too_new.body.find("client version 1.99 is too new. Maximum supported API version is"),
            std::string::npos);
  http::HttpResponse too_old = router_.Dispatch(Request("GET", "/v1.12/containers/x/json"));
  EXPECT_EQ(too_old.status, 400);
  EXPECT_NE(too_old.body.find("client version 1.12 is too old. Minimum supported API version is 1.24"),
            std::string::npos);
}

TEST_F(RouterTest, UnknownPathsAndMethods) {
  http::HttpResponse unknown = router_.Dispatch(Request("GET", "/v1.45/nothing/here"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, "{\"message\":\"page not found\"}\n");
  EXPECT_EQ(router_.Dispatch(Request("POST", "/v1.45/containers/x/json")).status, 405);
}

TEST(ApiVersionTest, Compares) {
  EXPECT_LT(CompareApiVersions("1.9", "1.24"), 0);
  EXPECT_EQ(CompareApiVersions("1.45", "1.45"), 0);
  EXPECT_GT(CompareApiVersions("1.50", "1.45"), 0);
}

}  // namespace
}  // namespace berth::docker
