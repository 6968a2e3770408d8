#ifndef BERTH_SERVICES_CRI_CRI_STATS_H_
#define BERTH_SERVICES_CRI_CRI_STATS_H_

// Container and pod statistics as the kubelet's summary API and crictl
// stats read them: the tasks service's cgroup statistics (one call for
// every running container of k8s.io), the writable layer's usage from the
// snapshots service, and usage_nano_cores from the previous sample of the
// same container, as containerd computes it. A pod's figures are its
// holder's and its containers' together; its network is the holder's.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "k8s/cri/runtime/v1/api.pb.h"
#include "services/cri/backends.h"
#include "services/cri/cri_containers.h"
#include "services/cri/pod_sandboxes.h"

namespace berth::cri {

class CriStats {
 public:
  // snapshot_root: the writable layers' filesystem (their fs_id).
  CriStats(const Backends* backends, CriContainers* containers, PodSandboxes* pods,
           std::string snapshot_root)
      : backends_(backends),
        containers_(containers),
        pods_(pods),
        snapshot_root_(std::move(snapshot_root)) {}

  absl::StatusOr<runtime::v1::ContainerStats> Container(const std::string& id);
  // Running containers only, as containerd lists them.
  absl::StatusOr<std::vector<runtime::v1::ContainerStats>> ListContainers(
      const runtime::v1::ContainerStatsFilter& filter);
  absl::StatusOr<runtime::v1::PodSandboxStats> Pod(const std::string& id);
  // Ready pods only.
  absl::StatusOr<std::vector<runtime::v1::PodSandboxStats>> ListPods(
      const runtime::v1::PodSandboxStatsFilter& filter);

 private:
  using Sample = std::map<std::string, berth::tasks::v1::ContainerStats>;
  // The cgroup statistics of every running container of k8s.io, by id.
  absl::StatusOr<Sample> TakeSample() const;
  absl::StatusOr<std::vector<runtime::v1::Container>> RunningContainers(
      const runtime::v1::ContainerStatsFilter& filter) const;
  // Those of containers the sample has (a container that just stopped has
  // none), in their order.
  std::vector<runtime::v1::ContainerStats> ConvertAll(
      const std::vector<runtime::v1::Container>& containers, const Sample& sample);
  runtime::v1::ContainerStats Convert(const runtime::v1::Container& container,
                                      const berth::tasks::v1::ContainerStats& stats);
  runtime::v1::PodSandboxStats PodStats(const runtime::v1::PodSandbox& pod,
                                        const std::string& holder_id, const Sample& sample);
  runtime::v1::CpuUsage Cpu(const std::string& id, int64_t now_ns, uint64_t usage_ns);
  void AddWritableLayer(const std::string& id, int64_t now_ns, runtime::v1::ContainerStats* out) const;

  const Backends* backends_;
  CriContainers* containers_;
  PodSandboxes* pods_;
  const std::string snapshot_root_;
  absl::Mutex mu_;
  // id → (time, cumulative CPU) of its last sample.
  std::map<std::string, std::pair<int64_t, uint64_t>> last_cpu_ ABSL_GUARDED_BY(mu_);
};

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_CRI_STATS_H_
