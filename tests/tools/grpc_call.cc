// grpc_call: calls any method of a gRPC endpoint with an empty request and
// prints the status code name, for tests of what berthd does with methods
// it does not know (a generic client, like grpcurl, which Debian lacks).
//
//   grpc_call unix:///run/berth/berth.sock /berth.unknown.v1.X/Y

#include <chrono>
#include <cstdio>
#include <string>

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s TARGET /package.Service/Method\n", argv[0]);
    return 2;
  }
  auto channel = grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  // An empty message: valid for any request type (all fields unset).
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  grpc::Status result;
  absl::Notification done;
  stub.UnaryCall(&context, argv[2], grpc::StubOptions(), &request, &response,
                 [&](grpc::Status status) {
                   result = std::move(status);
                   done.Notify();
                 });
  done.WaitForNotification();
  std::printf("%s %s\n",
              absl::StatusCodeToString(static_cast<absl::StatusCode>(result.error_code())).c_str(),
              result.error_message().c_str());
  return 0;
}
