#include "services/cri/image_convert.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"

namespace berth::cri {
namespace {

TEST(ImageConvertTest, NamesAreFullyQualified) {
  berth::images::v1::ImageDetail detail;
  detail.set_id("sha256:aaaa");
  detail.add_repo_tags("busybox:latest");
  detail.add_repo_tags("localhost:5000/team/app:1");
  detail.add_repo_digests("busybox@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  detail.set_size(4096);
  runtime::v1::Image image = ToCriImage(detail);
  EXPECT_EQ(image.id(), "sha256:aaaa");
  ASSERT_EQ(image.repo_tags_size(), 2);
  EXPECT_EQ(image.repo_tags(0), "docker.io/library/busybox:latest");
  EXPECT_EQ(image.repo_tags(1), "localhost:5000/team/app:1");
  ASSERT_EQ(image.repo_digests_size(), 1);
  EXPECT_EQ(image.repo_digests(0), "docker.io/library/busybox@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  EXPECT_EQ(image.size(), 4096u);
  EXPECT_EQ(image.spec().image(), "sha256:aaaa");
  EXPECT_FALSE(image.has_uid());
  EXPECT_EQ(image.username(), "");
}

TEST(ImageConvertTest, UserIsUidOrName) {
  // critest's test-image-user-* images: the group never counts.
  struct Case {
    const char* user;
    bool has_uid;
    int64_t uid;
    const char* name;
  };
  for (const Case& c : {Case{"1002", true, 1002, ""}, Case{"www-data", false, 0, "www-data"},
                        Case{"1003:1004", true, 1003, ""},
                        Case{"www-data:1004", false, 0, "www-data"}, Case{"", false, 0, ""}}) {
    runtime::v1::Image image;
    SetImageUser(c.user, &image);
    EXPECT_EQ(image.has_uid(), c.has_uid) << c.user;
    if (c.has_uid) {
      EXPECT_EQ(image.uid().value(), c.uid) << c.user;
    }
    EXPECT_EQ(image.username(), c.name) << c.user;
  }
}

TEST(ImageConvertTest, UserComesFromTheConfig) {
  berth::images::v1::ImageDetail detail;
  detail.set_config_json(R"({"config": {"User": "1000"}})");
  EXPECT_EQ(ToCriImage(detail).uid().value(), 1000);
  detail.set_config_json(R"({"config": {"User": 5}})");  // malformed: ignored
  EXPECT_FALSE(ToCriImage(detail).has_uid());
  detail.set_config_json("not json");
  EXPECT_FALSE(ToCriImage(detail).has_uid());
}

TEST(ImageConvertTest, VerboseInfoCarriesChainAndSpec) {
  berth::images::v1::ImageDetail detail;
  detail.set_chain_id("sha256:cccc");
  detail.set_config_json(R"({"architecture": "amd64"})");
  EXPECT_EQ(VerboseImageInfo(detail),
            R"({"chainID":"sha256:cccc","imageSpec":{"architecture":"amd64"}})");
}

TEST(ImageConvertTest, AuthDecodesUserAndPassword) {
  runtime::v1::AuthConfig auth;
  auth.set_auth(absl::Base64Escape("alice:s3cr:et"));
  auth.set_server_address("registry.example");
  auto converted = ToRegistryAuth(auth);
  ASSERT_TRUE(converted.ok()) << converted.status();
  EXPECT_EQ(converted->username(), "alice");
  EXPECT_EQ(converted->password(), "s3cr:et");
  EXPECT_EQ(converted->server_address(), "registry.example");

  // Explicit fields win over auth, tokens pass through.
  auth.set_username("bob");
  auth.set_password("pw");
  auth.set_identity_token("id-token");
  auth.set_registry_token("reg-token");
  converted = ToRegistryAuth(auth);
  ASSERT_TRUE(converted.ok());
  EXPECT_EQ(converted->username(), "bob");
  EXPECT_EQ(converted->password(), "pw");
  EXPECT_EQ(converted->identity_token(), "id-token");
  EXPECT_EQ(converted->registry_token(), "reg-token");
}

TEST(ImageConvertTest, MalformedAuthIsRefused) {
  runtime::v1::AuthConfig auth;
  auth.set_auth("!!!not base64");
  EXPECT_EQ(ToRegistryAuth(auth).status().code(), absl::StatusCode::kInvalidArgument);
  auth.set_auth(absl::Base64Escape("no-colon"));
  EXPECT_EQ(ToRegistryAuth(auth).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ToRegistryAuth(runtime::v1::AuthConfig()).ok());  // anonymous
}

}  // namespace
}  // namespace berth::cri
