#ifndef BERTH_SERVICES_DOCKER_BUILD_OUTPUT_H_
#define BERTH_SERVICES_DOCKER_BUILD_OUTPUT_H_

// A build's answer as dockerd writes it: one JSON line per message of the
// builder ({"stream":...}), the image as {"id":"moby.image.id","aux":
// {"ID":...}}, a failure as {"errorDetail":...,"error":...}.

#include <string>

#include <grpcpp/support/status.h>

#include "berth/builder/v1/builder.pb.h"

namespace berth::docker {

class BuildOutput {
 public:
  // quiet (q=1): the image ID is the only text, after the aux line.
  explicit BuildOutput(bool quiet) : quiet_(quiet) {}

  // The lines to send now for one message of the builder. dockerd writes
  // the aux line before "Successfully built"; the builder sends that text
  // before the ID, so it and what follows it wait for the ID.
  std::string Add(const berth::builder::v1::BuildResponse& message);
  // The last lines once the builder's call ended: text still held, then
  // the error if the build failed.
  std::string Finish(const grpc::Status& status);

 private:
  bool quiet_;
  bool holding_ = false;
  std::string held_;
};

// docker's error line; with "code" when the message is a RUN's exit
// ("... returned a non-zero code: N"): the CLI exits with that code.
std::string BuildErrorLine(const std::string& message);

}  // namespace berth::docker

#endif  // BERTH_SERVICES_DOCKER_BUILD_OUTPUT_H_
