#include "services/cri/pod_holder_spec.h"

#include <gtest/gtest.h>

#include "services/cri/cri_labels.h"

namespace berth::cri {
namespace {

runtime::v1::PodSandboxConfig Pod() {
  runtime::v1::PodSandboxConfig config;
  auto* metadata = config.mutable_metadata();
  metadata->set_name("web");
  metadata->set_namespace_("default");
  metadata->set_uid("0d5c-uid");
  metadata->set_attempt(2);
  config.set_hostname("web-0");
  return config;
}

TEST(PodHolderSpecTest, MetadataIsRequired) {
  runtime::v1::PodSandboxConfig config = Pod();
  EXPECT_TRUE(ValidatePodMetadata(config).ok());
  config.mutable_metadata()->clear_uid();
  EXPECT_TRUE(absl::IsInvalidArgument(ValidatePodMetadata(config)));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidatePodMetadata(runtime::v1::PodSandboxConfig())));
}

TEST(PodHolderSpecTest, BridgeNetworkWithHostPortsDnsAndHostname) {
  runtime::v1::PodSandboxConfig config = Pod();
  auto* published = config.add_port_mappings();
  published->set_container_port(80);
  published->set_host_port(8080);
  auto* unpublished = config.add_port_mappings();
  unpublished->set_container_port(9090);
  auto* udp = config.add_port_mappings();
  udp->set_protocol(runtime::v1::UDP);
  udp->set_container_port(53);
  udp->set_host_port(5353);
  config.mutable_dns_config()->add_servers("10.96.0.10");
  config.mutable_dns_config()->add_searches("default.svc.cluster.local");
  config.mutable_dns_config()->add_options("ndots:5");
  config.mutable_linux()->set_cgroup_parent("/kubepods/besteffort/pod0d5c");
  auto request = HolderRequest("podid", config, -1000);
  EXPECT_TRUE(request.namespace_holder());
  EXPECT_EQ(request.name(), "k8s_POD_web_default_0d5c-uid_2");
  const auto& spec = request.spec();
  EXPECT_EQ(spec.image(), "");
  EXPECT_EQ(spec.network_mode(), "bridge");
  EXPECT_EQ(spec.hostname(), "web-0");
  ASSERT_EQ(spec.port_bindings_size(), 2) << "only mappings with a hostPort";
  EXPECT_EQ(spec.port_bindings(0).host_port(), 8080u);
  EXPECT_EQ(spec.port_bindings(0).container_port(), 80u);
  EXPECT_EQ(spec.port_bindings(0).protocol(), "tcp");
  EXPECT_EQ(spec.port_bindings(1).protocol(), "udp");
  EXPECT_EQ(spec.dns(0), "10.96.0.10");
  EXPECT_EQ(spec.dns_search(0), "default.svc.cluster.local");
  EXPECT_EQ(spec.dns_options(0), "ndots:5");
  EXPECT_EQ(spec.cgroup_parent(), "/kubepods/besteffort/pod0d5c");
  EXPECT_EQ(spec.labels().at(kKindLabel), kKindSandbox);
  EXPECT_EQ(spec.labels().at(kSandboxIdLabel), "podid");
  EXPECT_EQ(spec.oom_score_adj(), -998);
}

TEST(PodHolderSpecTest, HostNetworkPublishesNothing) {
  runtime::v1::PodSandboxConfig config = Pod();
  config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(
      runtime::v1::NODE);
  config.add_port_mappings()->set_host_port(8080);
  auto request = HolderRequest("podid", config, 0);
  EXPECT_EQ(request.spec().network_mode(), "host");
  EXPECT_EQ(request.spec().port_bindings_size(), 0);
}

TEST(PodHolderSpecTest, IpcIsShareableForThePodsContainers) {
  EXPECT_EQ(HolderRequest("p", Pod(), 0).spec().ipc_mode(), "shareable");
  runtime::v1::PodSandboxConfig config = Pod();
  config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_ipc(
      runtime::v1::NODE);
  EXPECT_EQ(HolderRequest("p", config, 0).spec().ipc_mode(), "host");
}

TEST(PodHolderSpecTest, OomScoreIsClampedToWhatTheHostAllows) {
  EXPECT_EQ(HolderRequest("p", Pod(), 0).spec().oom_score_adj(), 0);
  EXPECT_EQ(HolderRequest("p", Pod(), -1000).spec().oom_score_adj(), -998);
}

TEST(PodHolderSpecTest, NamesTheTasksServiceTakes) {
  EXPECT_EQ(TasksName("k8s_POD_a.b_c-d"), "k8s_POD_a.b_c-d");
  EXPECT_EQ(TasksName("_x/y z"), "xx-y-z");
}

}  // namespace
}  // namespace berth::cri
