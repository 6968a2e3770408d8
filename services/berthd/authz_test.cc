#include "services/berthd/authz.h"

#include "berth/images/v1/images.pb.h"
#include "berth/system/v1/system.pb.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "gtest/gtest.h"

namespace berth::berthd {
namespace {

TEST(DistinguishedNameTest, ParsesRfc2253WithEscapes) {
  auto parts = ParseDistinguishedName("CN=alice,O=viewer,O=ops\\, inc,C=DE");
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0], std::make_pair(std::string("CN"), std::string("alice")));
  EXPECT_EQ(parts[1], std::make_pair(std::string("O"), std::string("viewer")));
  EXPECT_EQ(parts[2], std::make_pair(std::string("O"), std::string("ops, inc")));
  EXPECT_EQ(parts[3], std::make_pair(std::string("C"), std::string("DE")));
}

TEST(DistinguishedNameTest, ToleratesBlanksAndMultiValuedRdn) {
  auto parts = ParseDistinguishedName("CN=bob+O=admin, OU=x");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1].second, "admin");
  EXPECT_EQ(parts[2].first, "OU");
}

PeerIdentity Remote(std::string cn, std::vector<std::string> orgs) {
  PeerIdentity identity;
  identity.name = "CN=" + cn;
  identity.common_name = std::move(cn);
  identity.organizations = std::move(orgs);
  return identity;
}

TEST(RoleTest, DefaultMappingUsesOrganisation) {
  EXPECT_EQ(MapRole(Remote("a", {"admin"}), {}), Role::kAdmin);
  EXPECT_EQ(MapRole(Remote("b", {"viewer"}), {}), Role::kViewer);
  EXPECT_EQ(MapRole(Remote("c", {"other"}), {}), Role::kNone);
  // By default a common name never grants a role: anyone the CA signed
  // could be called "admin".
  EXPECT_EQ(MapRole(Remote("admin", {}), {}), Role::kNone);
}

TEST(RoleTest, ConfiguredMappingByOrganisationOrCommonName) {
  std::map<std::string, std::string> roles = {{"ops", "admin"}, {"grafana", "viewer"}};
  EXPECT_EQ(MapRole(Remote("x", {"ops"}), roles), Role::kAdmin);
  EXPECT_EQ(MapRole(Remote("grafana", {"monitoring"}), roles), Role::kViewer);
  // The configured table replaces the defaults.
  EXPECT_EQ(MapRole(Remote("y", {"admin"}), roles), Role::kNone);
  // Strongest role wins.
  EXPECT_EQ(MapRole(Remote("grafana", {"ops"}), roles), Role::kAdmin);
}

TEST(RoleTest, LocalCallersAreAdmin) {
  PeerIdentity local;
  local.local = true;
  EXPECT_EQ(MapRole(local, {}), Role::kAdmin);
}

TEST(MethodPolicyTest, ReadsReadOnlyAnnotations) {
  // Link the generated code so the descriptors are in the pool.
  berth::images::v1::ListImagesRequest keep_images;
  berth::system::v1::InfoRequest keep_system;
  MethodPolicy list = LookupMethod("/berth.images.v1.Images/List");
  ASSERT_NE(list.method, nullptr);
  EXPECT_TRUE(list.read_only);
  MethodPolicy pull = LookupMethod("/berth.images.v1.Images/Pull");
  ASSERT_NE(pull.method, nullptr);
  EXPECT_FALSE(pull.read_only);
  EXPECT_TRUE(LookupMethod("/berth.system.v1.System/Info").read_only);
  EXPECT_EQ(LookupMethod("/berth.images.v1.Images/Nope").method, nullptr);
  EXPECT_EQ(LookupMethod("/berth.unknown.v1.X/Y").method, nullptr);
  EXPECT_EQ(LookupMethod("garbage").method, nullptr);
}

TEST(MethodPolicyTest, ViewerMayOnlyRead) {
  berth::images::v1::ListImagesRequest keep;
  PeerIdentity viewer = Remote("v", {"viewer"});
  EXPECT_TRUE(Authorize(viewer, Role::kViewer, LookupMethod("/berth.images.v1.Images/List")).ok());
  absl::Status denied =
      Authorize(viewer, Role::kViewer, LookupMethod("/berth.images.v1.Images/Remove"));
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(denied.message().find("berth.images.v1.Images.Remove"), std::string::npos);
  EXPECT_EQ(Authorize(viewer, Role::kNone, LookupMethod("/berth.images.v1.Images/List")).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(Authorize(viewer, Role::kAdmin, LookupMethod("/berth.images.v1.Images/Remove")).ok());
}

TEST(AuditTargetTest, FindsAnnotatedFieldsAtTopAndNested) {
  berth::images::v1::RemoveImageRequest remove;
  remove.set_ref("docker.io/library/busybox:latest");
  EXPECT_EQ(AuditTarget(remove), "docker.io/library/busybox:latest");

  berth::tasks::v1::AttachRequest attach;
  attach.mutable_target()->set_id("c0ffee");
  EXPECT_EQ(AuditTarget(attach), "c0ffee");

  berth::tasks::v1::AttachRequest stdin_only;
  stdin_only.set_stdin("x");
  EXPECT_EQ(AuditTarget(stdin_only), "");
}

}  // namespace
}  // namespace berth::berthd
