#include "services/cri/cri_stats.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/base/grpc_status.h"

namespace berth::cri {
namespace {

constexpr auto kCallTimeout = std::chrono::seconds(30);

runtime::v1::UInt64Value Value(uint64_t value) {
  runtime::v1::UInt64Value out;
  out.set_value(value);
  return out;
}

runtime::v1::MemoryUsage Memory(int64_t now_ns, const berth::tasks::v1::ContainerStats& stats) {
  runtime::v1::MemoryUsage memory;
  memory.set_timestamp(now_ns);
  *memory.mutable_working_set_bytes() = Value(stats.memory_working_set_bytes());
  *memory.mutable_usage_bytes() = Value(stats.memory_usage_bytes());
  *memory.mutable_rss_bytes() = Value(stats.memory_rss_bytes());
  // As containerd: what the limit leaves, when there is one.
  uint64_t limit = stats.memory_limit_bytes();
  if (limit > 0 && limit < (uint64_t{1} << 62)) {
    uint64_t used = stats.memory_working_set_bytes();
    *memory.mutable_available_bytes() = Value(limit > used ? limit - used : 0);
  }
  *memory.mutable_page_faults() = Value(0);
  *memory.mutable_major_page_faults() = Value(0);
  return memory;
}

}  // namespace

absl::StatusOr<CriStats::Sample> CriStats::TakeSample() const {
  berth::tasks::v1::StatsRequest request;  // no ids: every running one
  auto context = CallContext(kCallTimeout);
  auto reader = backends_->tasks->Stats(context.get(), request);
  berth::tasks::v1::StatsResponse response;
  Sample sample;
  if (reader->Read(&response)) {
    for (const auto& stats : response.stats()) sample[stats.id()] = stats;
  }
  context->TryCancel();
  grpc::Status status = reader->Finish();
  if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
    return FromGrpcStatus(status);
  }
  return sample;
}

runtime::v1::CpuUsage CriStats::Cpu(const std::string& id, int64_t now_ns, uint64_t usage_ns) {
  runtime::v1::CpuUsage cpu;
  cpu.set_timestamp(now_ns);
  *cpu.mutable_usage_core_nano_seconds() = Value(usage_ns);
  absl::MutexLock lock(&mu_);
  auto it = last_cpu_.find(id);
  uint64_t nano_cores = 0;
  if (it != last_cpu_.end() && now_ns > it->second.first && usage_ns >= it->second.second) {
    nano_cores = static_cast<uint64_t>(static_cast<double>(usage_ns - it->second.second) * 1e9 /
                                       static_cast<double>(now_ns - it->second.first));
  }
  *cpu.mutable_usage_nano_cores() = Value(nano_cores);
  last_cpu_[id] = {now_ns, usage_ns};
  return cpu;
}

void CriStats::AddWritableLayer(const std::string& id, int64_t now_ns,
                                runtime::v1::ContainerStats* out) const {
  auto container = containers_->GetRunning(id);
  if (!container.ok() || container->snapshot_key().empty()) return;
  berth::snapshots::v1::UsageRequest request;
  request.set_key(container->snapshot_key());
  berth::snapshots::v1::UsageResponse usage;
  auto context = CallContext(kCallTimeout);
  if (!backends_->snapshots->Usage(context.get(), request, &usage).ok()) return;
  auto* layer = out->mutable_writable_layer();
  layer->set_timestamp(now_ns);
  layer->mutable_fs_id()->set_mountpoint(snapshot_root_);
  *layer->mutable_used_bytes() = Value(static_cast<uint64_t>(std::max<int64_t>(0, usage.size())));
  *layer->mutable_inodes_used() =
      Value(static_cast<uint64_t>(std::max<int64_t>(0, usage.inodes())));
}

runtime::v1::ContainerStats CriStats::Convert(const runtime::v1::Container& container,
                                              const berth::tasks::v1::ContainerStats& stats) {
  const int64_t now_ns = absl::GetCurrentTimeNanos();
  runtime::v1::ContainerStats out;
  auto* attributes = out.mutable_attributes();
  attributes->set_id(container.id());
  *attributes->mutable_metadata() = container.metadata();
  *attributes->mutable_labels() = container.labels();
  *attributes->mutable_annotations() = container.annotations();
  *out.mutable_cpu() = Cpu(container.id(), now_ns, stats.cpu_usage_ns());
  *out.mutable_memory() = Memory(now_ns, stats);
  AddWritableLayer(container.id(), now_ns, &out);
  return out;
}

absl::StatusOr<runtime::v1::ContainerStats> CriStats::Container(const std::string& id) {
  auto running = containers_->GetRunning(id);
  if (!running.ok()) return running.status();
  runtime::v1::ContainerFilter filter;
  filter.set_id(running->id());
  auto listed = containers_->List(filter);
  if (!listed.ok()) return listed.status();
  if (listed->empty()) return absl::NotFoundError(absl::StrCat("container ", id, " not found"));
  auto sample = TakeSample();
  if (!sample.ok()) return sample.status();
  auto it = sample->find(running->id());
  if (it == sample->end()) {
    return absl::FailedPreconditionError(absl::StrCat("container ", id, " is not running"));
  }
  return Convert(listed->front(), it->second);
}

absl::StatusOr<std::vector<runtime::v1::Container>> CriStats::RunningContainers(
    const runtime::v1::ContainerStatsFilter& filter) const {
  runtime::v1::ContainerFilter list_filter;
  list_filter.set_id(filter.id());
  list_filter.set_pod_sandbox_id(filter.pod_sandbox_id());
  *list_filter.mutable_label_selector() = filter.label_selector();
  list_filter.mutable_state()->set_state(runtime::v1::CONTAINER_RUNNING);
  return containers_->List(list_filter);
}

std::vector<runtime::v1::ContainerStats> CriStats::ConvertAll(
    const std::vector<runtime::v1::Container>& containers, const Sample& sample) {
  std::vector<runtime::v1::ContainerStats> out;
  for (const runtime::v1::Container& container : containers) {
    auto it = sample.find(container.id());
    if (it != sample.end()) out.push_back(Convert(container, it->second));
  }
  return out;
}

absl::StatusOr<std::vector<runtime::v1::ContainerStats>> CriStats::ListContainers(
    const runtime::v1::ContainerStatsFilter& filter) {
  auto listed = RunningContainers(filter);
  if (!listed.ok()) return listed.status();
  if (listed->empty()) return std::vector<runtime::v1::ContainerStats>();
  auto sample = TakeSample();
  if (!sample.ok()) return sample.status();
  return ConvertAll(*listed, *sample);
}

runtime::v1::PodSandboxStats CriStats::PodStats(const runtime::v1::PodSandbox& pod,
                                                const std::string& holder_id,
                                                const Sample& sample) {
  const int64_t now_ns = absl::GetCurrentTimeNanos();
  runtime::v1::PodSandboxStats out;
  auto* attributes = out.mutable_attributes();
  attributes->set_id(pod.id());
  *attributes->mutable_metadata() = pod.metadata();
  *attributes->mutable_labels() = pod.labels();
  *attributes->mutable_annotations() = pod.annotations();
  auto* linux = out.mutable_linux();
  berth::tasks::v1::ContainerStats total;
  auto add = [&total](const berth::tasks::v1::ContainerStats& stats) {
    total.set_cpu_usage_ns(total.cpu_usage_ns() + stats.cpu_usage_ns());
    total.set_memory_usage_bytes(total.memory_usage_bytes() + stats.memory_usage_bytes());
    total.set_memory_working_set_bytes(total.memory_working_set_bytes() +
                                       stats.memory_working_set_bytes());
    total.set_memory_rss_bytes(total.memory_rss_bytes() + stats.memory_rss_bytes());
    total.set_pids_current(total.pids_current() + stats.pids_current());
  };
  if (auto holder = sample.find(holder_id); holder != sample.end()) {
    add(holder->second);
    auto* network = linux->mutable_network();
    network->set_timestamp(now_ns);
    auto* eth0 = network->mutable_default_interface();
    eth0->set_name("eth0");
    *eth0->mutable_rx_bytes() = Value(holder->second.net_rx_bytes());
    *eth0->mutable_tx_bytes() = Value(holder->second.net_tx_bytes());
    *eth0->mutable_rx_errors() = Value(0);
    *eth0->mutable_tx_errors() = Value(0);
    *network->add_interfaces() = *eth0;
  }
  runtime::v1::ContainerStatsFilter filter;
  filter.set_pod_sandbox_id(pod.id());
  // The pod's sample is its containers' too: one Stats call for them all.
  if (auto listed = RunningContainers(filter); listed.ok()) {
    for (runtime::v1::ContainerStats& stats : ConvertAll(*listed, sample)) {
      auto it = sample.find(stats.attributes().id());
      if (it != sample.end()) add(it->second);
      *linux->add_containers() = std::move(stats);
    }
  }
  *linux->mutable_cpu() = Cpu("pod:" + pod.id(), now_ns, total.cpu_usage_ns());
  *linux->mutable_memory() = Memory(now_ns, total);
  linux->mutable_process()->set_timestamp(now_ns);
  *linux->mutable_process()->mutable_process_count() = Value(total.pids_current());
  return out;
}

absl::StatusOr<runtime::v1::PodSandboxStats> CriStats::Pod(const std::string& id) {
  auto record = pods_->Resolve(id);
  if (!record.ok()) return record.status();
  runtime::v1::PodSandboxFilter filter;
  filter.set_id(record->id);
  auto listed = pods_->List(filter);
  if (!listed.ok()) return listed.status();
  if (listed->empty() || listed->front().state() != runtime::v1::SANDBOX_READY) {
    return absl::FailedPreconditionError(absl::StrCat("pod sandbox ", id, " is not ready"));
  }
  auto sample = TakeSample();
  if (!sample.ok()) return sample.status();
  return PodStats(listed->front(), record->holder_id, *sample);
}

absl::StatusOr<std::vector<runtime::v1::PodSandboxStats>> CriStats::ListPods(
    const runtime::v1::PodSandboxStatsFilter& filter) {
  runtime::v1::PodSandboxFilter list_filter;
  list_filter.set_id(filter.id());
  *list_filter.mutable_label_selector() = filter.label_selector();
  list_filter.mutable_state()->set_state(runtime::v1::SANDBOX_READY);
  auto listed = pods_->List(list_filter);
  if (!listed.ok()) return listed.status();
  std::vector<runtime::v1::PodSandboxStats> out;
  if (listed->empty()) return out;
  auto sample = TakeSample();
  if (!sample.ok()) return sample.status();
  for (const runtime::v1::PodSandbox& pod : *listed) {
    auto record = pods_->Resolve(pod.id());
    if (!record.ok()) continue;
    out.push_back(PodStats(pod, record->holder_id, *sample));
  }
  return out;
}

}  // namespace berth::cri
