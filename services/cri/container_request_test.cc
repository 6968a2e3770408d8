#include "services/cri/container_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/cri/cri_labels.h"

namespace berth::cri {
namespace {

PodRecord Pod() {
  PodRecord pod;
  pod.id = "podid";
  pod.holder_id = "holderid";
  auto* metadata = pod.config.mutable_metadata();
  metadata->set_name("web");
  metadata->set_namespace_("default");
  metadata->set_uid("uid1");
  pod.config.mutable_linux()->set_cgroup_parent("/kubepods/pod-uid1");
  return pod;
}

runtime::v1::ContainerConfig Config() {
  runtime::v1::ContainerConfig config;
  config.mutable_metadata()->set_name("app");
  config.mutable_metadata()->set_attempt(1);
  config.mutable_image()->set_image("busybox:1");
  return config;
}

TEST(ContainerRequestTest, MetadataAndImageAreRequired) {
  EXPECT_TRUE(ValidateContainerConfig(Config()).ok());
  runtime::v1::ContainerConfig config = Config();
  config.mutable_image()->clear_image();
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateContainerConfig(config)));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateContainerConfig(runtime::v1::ContainerConfig())));
}

TEST(ContainerRequestTest, JoinsThePodAndKeepsTheKubeletsFacts) {
  runtime::v1::ContainerConfig config = Config();
  config.add_command("/bin/sh");
  config.add_args("-c");
  config.add_args("echo hi");
  auto* env = config.add_envs();
  env->set_key("A");
  env->set_value("b=c");
  (*config.mutable_labels())["io.kubernetes.container.name"] = "app";
  (*config.mutable_annotations())["note"] = "x";
  config.set_log_path("app/1.log");
  auto request = ContainerRequest(config, Pod(), 0);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->name(), "k8s_app_web_default_uid1_1");
  const auto& spec = request->spec();
  EXPECT_EQ(spec.image(), "busybox:1");
  ASSERT_EQ(spec.entrypoint_size(), 1);
  EXPECT_EQ(spec.entrypoint(0), "/bin/sh");
  ASSERT_EQ(spec.cmd_size(), 2);
  EXPECT_EQ(spec.env(0), "A=b=c");
  EXPECT_EQ(spec.network_mode(), "container:holderid");
  EXPECT_EQ(spec.ipc_mode(), "container:holderid");
  EXPECT_EQ(spec.uts_mode(), "container:holderid");
  EXPECT_EQ(spec.cgroup_parent(), "/kubepods/pod-uid1");
  EXPECT_EQ(spec.labels().at(kKindLabel), kKindContainer);
  EXPECT_EQ(spec.labels().at(kSandboxIdLabel), "podid");
  EXPECT_EQ(spec.labels().at("io.kubernetes.container.name"), "app");
  runtime::v1::ContainerConfig facts = DecodeFacts(spec.labels().at(kContainerConfigLabel));
  EXPECT_EQ(facts.metadata().name(), "app");
  EXPECT_EQ(facts.image().image(), "busybox:1");
  EXPECT_EQ(facts.annotations().at("note"), "x");
  EXPECT_EQ(facts.log_path(), "app/1.log");
  EXPECT_EQ(facts.envs_size(), 0) << "no environment (secrets) in a label";
}

TEST(ContainerRequestTest, SecurityContextMountsAndResources) {
  runtime::v1::ContainerConfig config = Config();
  auto* security = config.mutable_linux()->mutable_security_context();
  security->mutable_run_as_user()->set_value(1000);
  security->mutable_run_as_group()->set_value(3000);
  security->add_supplemental_groups(4000);
  security->set_readonly_rootfs(true);
  security->mutable_capabilities()->add_add_capabilities("NET_ADMIN");
  security->mutable_capabilities()->add_drop_capabilities("CAP_CHOWN");
  security->set_no_new_privs(true);
  security->mutable_seccomp()->set_profile_type(runtime::v1::SecurityProfile::Unconfined);
  auto* mount = config.add_mounts();
  mount->set_host_path("/var/lib/kubelet/pods/x/volumes/data");
  mount->set_container_path("/data");
  mount->set_readonly(true);
  mount->set_propagation(runtime::v1::PROPAGATION_HOST_TO_CONTAINER);
  auto* resources = config.mutable_linux()->mutable_resources();
  resources->set_memory_limit_in_bytes(64 << 20);
  resources->set_cpu_quota(50000);
  resources->set_cpu_period(100000);
  resources->set_cpu_shares(512);
  resources->set_oom_score_adj(-998);
  auto request = ContainerRequest(config, Pod(), -500);
  ASSERT_TRUE(request.ok()) << request.status();
  const auto& spec = request->spec();
  EXPECT_EQ(spec.user(), "1000:3000");
  EXPECT_EQ(spec.group_add(0), "4000");
  EXPECT_TRUE(spec.read_only_rootfs());
  EXPECT_EQ(spec.cap_add(0), "NET_ADMIN");
  EXPECT_EQ(spec.cap_drop(0), "CHOWN");
  ASSERT_EQ(spec.security_opt_size(), 2);
  EXPECT_EQ(spec.security_opt(0), "no-new-privileges");
  EXPECT_EQ(spec.security_opt(1), "seccomp=unconfined");
  ASSERT_EQ(spec.mounts_size(), 1);
  EXPECT_EQ(spec.mounts(0).type(), "bind");
  EXPECT_EQ(spec.mounts(0).source(), "/var/lib/kubelet/pods/x/volumes/data");
  EXPECT_EQ(spec.mounts(0).destination(), "/data");
  EXPECT_TRUE(spec.mounts(0).read_only());
  EXPECT_EQ(spec.mounts(0).propagation(), "rslave");
  EXPECT_EQ(spec.resources().memory_bytes(), 64 << 20);
  EXPECT_EQ(spec.resources().cpu_quota_us(), 50000);
  EXPECT_EQ(spec.resources().cpu_period_us(), 100000u);
  EXPECT_EQ(spec.resources().cpu_shares(), 512u);
  EXPECT_EQ(spec.oom_score_adj(), -500) << "clamped to the host's floor";
}

TEST(ContainerRequestTest, HostNetworkPodsUseTheHostsNetworkDirectly) {
  PodRecord pod = Pod();
  pod.config.set_hostname("node-1");
  pod.config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(
      runtime::v1::NODE);
  auto request = ContainerRequest(Config(), pod, 0);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->spec().network_mode(), "host");
  EXPECT_EQ(request->spec().hostname(), "node-1");
}

TEST(ContainerRequestTest, UsernameAndMissingLocalhostProfile) {
  runtime::v1::ContainerConfig config = Config();
  auto* security = config.mutable_linux()->mutable_security_context();
  security->set_run_as_username("nobody");
  security->mutable_seccomp()->set_profile_type(runtime::v1::SecurityProfile::Localhost);
  security->mutable_seccomp()->set_localhost_ref("/nonexistent/profile.json");
  auto request = ContainerRequest(config, Pod(), 0);
  EXPECT_TRUE(absl::IsInvalidArgument(request.status())) << request.status();
  security->clear_seccomp();
  request = ContainerRequest(config, Pod(), 0);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->spec().user(), "nobody");
}

TEST(ContainerRequestTest, SeccompIsUnconfinedUnlessNamedAsTheCriSays) {
  runtime::v1::ContainerConfig config = Config();
  auto request = ContainerRequest(config, Pod(), 0);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_THAT(request->spec().security_opt(), ::testing::ElementsAre("seccomp=unconfined"));

  auto* security = config.mutable_linux()->mutable_security_context();
  security->mutable_seccomp()->set_profile_type(runtime::v1::SecurityProfile::RuntimeDefault);
  request = ContainerRequest(config, Pod(), 0);
  ASSERT_TRUE(request.ok());
  EXPECT_THAT(request->spec().security_opt(), ::testing::IsEmpty()) << "berth's default filter";
}

TEST(ContainerRequestTest, AGroupWithoutAUserIsRefused) {
  runtime::v1::ContainerConfig config = Config();
  auto* security = config.mutable_linux()->mutable_security_context();
  security->mutable_run_as_group()->set_value(3000);
  absl::Status status = ValidateContainerConfig(config);
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_EQ(status.message(), "user group \"3000\" is specified without user");
  security->set_run_as_username("nobody");
  EXPECT_TRUE(ValidateContainerConfig(config).ok());
  auto request = ContainerRequest(config, Pod(), 0);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->spec().user(), "nobody:3000");
}

}  // namespace
}  // namespace berth::cri
