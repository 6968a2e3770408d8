#ifndef BERTH_SERVICES_CRI_CRI_LABELS_H_
#define BERTH_SERVICES_CRI_CRI_LABELS_H_

// Labels berth-cri puts on the tasks containers it makes, so that it finds
// them (and what the kubelet asked for) after a restart: the tasks service
// keeps the one record of every container.

namespace berth::cri {

// "sandbox" (a pod's namespace holder) or "container".
inline constexpr char kKindLabel[] = "io.berth.cri.kind";
inline constexpr char kKindSandbox[] = "sandbox";
inline constexpr char kKindContainer[] = "container";
// The pod sandbox's id.
inline constexpr char kSandboxIdLabel[] = "io.berth.cri.sandbox-id";
// On a pod's holder: the pod's name and namespace (berth pods shows them).
inline constexpr char kPodNameLabel[] = "io.berth.cri.pod-name";
inline constexpr char kPodNamespaceLabel[] = "io.berth.cri.pod-namespace";
// A container's CRI facts (metadata, image, labels, annotations, log path,
// mounts): base64 of a runtime.v1.ContainerConfig holding only those.
inline constexpr char kContainerConfigLabel[] = "io.berth.cri.container-config";

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_CRI_LABELS_H_
