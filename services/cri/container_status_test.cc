#include "services/cri/container_status.h"

#include <gtest/gtest.h>

#include "services/cri/container_request.h"
#include "services/cri/cri_labels.h"

namespace berth::cri {
namespace {

berth::tasks::v1::Container Exited(int code, bool oom) {
  runtime::v1::ContainerConfig config;
  config.mutable_metadata()->set_name("app");
  config.mutable_image()->set_image("busybox:1");
  (*config.mutable_labels())["tier"] = "web";
  config.set_log_path("app/0.log");
  berth::tasks::v1::Container container;
  container.set_id("c1");
  container.set_image_id("sha256:abc");
  auto& labels = *container.mutable_spec()->mutable_labels();
  labels[kKindLabel] = kKindContainer;
  labels[kSandboxIdLabel] = "pod1";
  labels[kContainerConfigLabel] = EncodeFacts(StatusFacts(config));
  labels["from-the-image"] = "x";
  container.mutable_created_at()->set_seconds(10);
  container.mutable_state()->set_status(berth::tasks::v1::EXITED);
  container.mutable_state()->set_exit_code(code);
  container.mutable_state()->set_oom_killed(oom);
  container.mutable_state()->mutable_started_at()->set_seconds(11);
  container.mutable_state()->mutable_finished_at()->set_seconds(12);
  container.mutable_state()->mutable_finished_at()->set_nanos(5);
  return container;
}

TEST(ContainerStatusTest, ExitedWithReasonTimesAndFacts) {
  auto status = ToCriStatus(Exited(0, false), "/var/log/pods/x");
  EXPECT_EQ(status.state(), runtime::v1::CONTAINER_EXITED);
  EXPECT_EQ(status.reason(), "Completed");
  EXPECT_EQ(status.created_at(), 10000000000);
  EXPECT_EQ(status.started_at(), 11000000000);
  EXPECT_EQ(status.finished_at(), 12000000005);
  EXPECT_EQ(status.metadata().name(), "app");
  EXPECT_EQ(status.image().image(), "busybox:1");
  EXPECT_EQ(status.image_ref(), "sha256:abc");
  EXPECT_EQ(status.log_path(), "/var/log/pods/x/app/0.log");
  EXPECT_EQ(status.labels().size(), 1u) << "the kubelet's labels only";
  EXPECT_EQ(ToCriStatus(Exited(2, false), "").reason(), "Error");
  EXPECT_EQ(ToCriStatus(Exited(137, true), "").reason(), "OOMKilled");
}

TEST(ContainerStatusTest, ListEntryAndKinds) {
  berth::tasks::v1::Container container = Exited(0, false);
  EXPECT_TRUE(IsCriContainer(container));
  runtime::v1::Container listed = ToCriContainer(container);
  EXPECT_EQ(listed.pod_sandbox_id(), "pod1");
  EXPECT_EQ(listed.state(), runtime::v1::CONTAINER_EXITED);
  container.mutable_state()->set_status(berth::tasks::v1::CREATED);
  EXPECT_EQ(ToCriStatus(container, "").started_at(), 0);
  (*container.mutable_spec()->mutable_labels())[kKindLabel] = kKindSandbox;
  EXPECT_FALSE(IsCriContainer(container));
  EXPECT_FALSE(IsCriContainer(berth::tasks::v1::Container()));
}

TEST(ContainerStatusTest, LabelSelector) {
  google::protobuf::Map<std::string, std::string> labels;
  labels["a"] = "1";
  labels["b"] = "2";
  google::protobuf::Map<std::string, std::string> selector;
  EXPECT_TRUE(MatchesSelector(labels, selector));
  selector["a"] = "1";
  EXPECT_TRUE(MatchesSelector(labels, selector));
  selector["b"] = "3";
  EXPECT_FALSE(MatchesSelector(labels, selector));
}

}  // namespace
}  // namespace berth::cri
