#ifndef BERTH_SERVICES_CRI_OOM_SCORE_H_
#define BERTH_SERVICES_CRI_OOM_SCORE_H_

// oom_score_adj as the kubelet asks for it, bounded by what this host lets
// berth give: a process may not lower its children's score below its own
// without CAP_SYS_RESOURCE, which a host's root may lack (a container
// running berth), so -998 would fail the pod. containerd clamps the same
// way (RestrictOOMScoreAdj).

#include <string>

namespace berth::cri {

// requested raised to at least floor, and within [-1000, 1000].
int ClampOomScoreAdj(int64_t requested, int floor);

// This process's own /proc/self/oom_score_adj (0 when unreadable).
int OwnOomScoreAdj(const std::string& path = "/proc/self/oom_score_adj");

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_OOM_SCORE_H_
