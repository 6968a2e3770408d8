#ifndef BERTH_SERVICES_CRI_IMAGE_CONVERT_H_
#define BERTH_SERVICES_CRI_IMAGE_CONVERT_H_

// Translations between the images service's messages and the CRI's, as
// containerd's CRI plugin makes them (references fully qualified, the
// image's user as uid or name, verbose info as its JSON).

#include <string>

#include "absl/status/statusor.h"
#include "berth/images/v1/images.pb.h"
#include "k8s/cri/runtime/v1/api.pb.h"

namespace berth::cri {

// docker.io/library/busybox:latest and docker.io/library/busybox@sha256:…
// from the familiar names the images service reports.
runtime::v1::Image ToCriImage(const berth::images::v1::ImageDetail& detail);

// The config's User ("1002", "www-data", "1003:1004"): a numeric user is a
// uid, anything else a name; the group does not count.
void SetImageUser(const std::string& user, runtime::v1::Image* image);

// ImageStatus's verbose info["info"]: {"chainID": …, "imageSpec": config}.
std::string VerboseImageInfo(const berth::images::v1::ImageDetail& detail);

// The kubelet's credentials for the registry; "auth" is base64 of
// user:password. INVALID_ARGUMENT when it does not decode to that.
absl::StatusOr<berth::images::v1::RegistryAuth> ToRegistryAuth(
    const runtime::v1::AuthConfig& auth);

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_IMAGE_CONVERT_H_
