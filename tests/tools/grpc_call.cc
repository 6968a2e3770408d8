// grpc_call: calls any unary method of a gRPC endpoint and prints the
// status code name and message, for tests of what berthd does with methods
// it does not know (a generic client, like grpcurl, which Debian lacks) and
// of RPCs the CLI does not reach (filters it never sends).
//
//   grpc_call unix:///run/berth/berth.sock /berth.unknown.v1.X/Y
//   grpc_call TARGET /berth.network.v1.Networks/List 'filters { key: "name" value { values: "x" } }'
//   grpc_call -H berth-namespace=k8s.io TARGET /berth.images.v1.Images/List ''
//   grpc_call unix:///run/berth/cri.sock /runtime.v1.ImageService/ListImages ''
//
// Without a request the call carries an empty message (valid for any
// request type). With one (protobuf text format, for a berth method), the
// response follows the status line in text format. -H KEY=VALUE (repeatable,
// first) adds request metadata. The CRI's runtime.v1 is known too: this is
// berth's own CRI client in the end-to-end tests. -n COUNT (first) calls a
// server-streaming method and prints its first COUNT responses, each after
// a line "---", then the status (the call is cancelled once it has them).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "berth/images/v1/images.pb.h"
#include "berth/network/v1/network.pb.h"
#include "berth/snapshots/v1/snapshots.pb.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "k8s/cri/runtime/v1/api.pb.h"

namespace {

// Links each berth API's descriptors into the generated pool.
void RegisterApis() {
  berth::images::v1::ListImagesRequest::default_instance();
  berth::network::v1::ListNetworksRequest::default_instance();
  berth::snapshots::v1::ListRequest::default_instance();
  berth::tasks::v1::WaitRequest::default_instance();
  runtime::v1::VersionRequest::default_instance();
}

// The generated descriptors register themselves only when their object
// files are linked, and the linker keeps those only if something refers to
// them (an optimised build drops them): name one message of each file.
void LinkDescriptors() {
  (void)berth::images::v1::ListImagesRequest::descriptor();
  (void)berth::network::v1::ListNetworksRequest::descriptor();
  (void)berth::snapshots::v1::ListRequest::descriptor();
  (void)berth::tasks::v1::ListContainersRequest::descriptor();
  (void)runtime::v1::VersionRequest::descriptor();
}

}  // namespace

// A "---" line and the message in text format.
void PrintResponse(const google::protobuf::MethodDescriptor* descriptor,
                   const grpc::ByteBuffer& response) {
  std::unique_ptr<google::protobuf::Message> typed_response(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(descriptor->output_type())
          ->New());
  std::string bytes;
  std::vector<grpc::Slice> slices;
  response.Dump(&slices);
  for (const grpc::Slice& part : slices) {
    bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }
  std::string text;
  if (typed_response->ParseFromString(bytes) &&
      google::protobuf::TextFormat::PrintToString(*typed_response, &text)) {
    std::printf("%s", text.c_str());
  }
}

// A server-streaming call: its first count responses, then its status.
grpc::Status StreamCall(grpc::GenericStub& stub, grpc::ClientContext& context,
                        const std::string& method, const grpc::ByteBuffer& request, int count,
                        const google::protobuf::MethodDescriptor* descriptor) {
  grpc::CompletionQueue queue;
  auto wait = [&queue] {
    void* tag = nullptr;
    bool ok = false;
    return queue.Next(&tag, &ok) && ok;
  };
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, method, &queue);
  call->StartCall(nullptr);
  bool open = wait();
  if (open) {
    call->Write(request, nullptr);
    open = wait();
  }
  if (open) {
    call->WritesDone(nullptr);
    open = wait();
  }
  int got = 0;
  while (open && got < count) {
    grpc::ByteBuffer response;
    call->Read(&response, nullptr);
    if (!wait()) break;
    std::printf("---\n");
    PrintResponse(descriptor, response);
    std::fflush(stdout);
    ++got;
  }
  if (got == count) context.TryCancel();
  grpc::Status status;
  call->Finish(&status, nullptr);
  wait();
  queue.Shutdown();
  while (wait()) {
  }
  return got == count ? grpc::Status::OK : status;
}

int main(int argc, char** argv) {
  LinkDescriptors();
  const char* program = argv[0];
  int stream_count = 0;
  if (argc >= 3 && std::string(argv[1]) == "-n") {
    stream_count = std::atoi(argv[2]);
    argc -= 2;
    argv += 2;
  }
  std::vector<std::pair<std::string, std::string>> metadata;
  while (argc >= 3 && std::string(argv[1]) == "-H") {
    std::string pair = argv[2];
    size_t eq = pair.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "-H wants KEY=VALUE, not %s\n", pair.c_str());
      return 2;
    }
    metadata.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
    argc -= 2;
    argv += 2;
  }
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: %s [-n COUNT] [-H KEY=VALUE]... TARGET /package.Service/Method [TEXT_REQUEST]\n",
                 program);
    return 2;
  }
  RegisterApis();
  std::string method = argv[2];
  const google::protobuf::MethodDescriptor* descriptor = nullptr;
  std::unique_ptr<google::protobuf::Message> typed_request;
  std::string payload;
  if (argc == 4) {
    std::string full_name = method.substr(1);
    size_t slash = full_name.find('/');
    if (slash != std::string::npos) full_name[slash] = '.';
    descriptor = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full_name);
    if (descriptor == nullptr) {
      std::fprintf(stderr, "unknown method %s\n", method.c_str());
      return 2;
    }
    typed_request.reset(google::protobuf::MessageFactory::generated_factory()
                            ->GetPrototype(descriptor->input_type())
                            ->New());
    if (!google::protobuf::TextFormat::ParseFromString(argv[3], typed_request.get())) {
      std::fprintf(stderr, "bad request text for %s\n", descriptor->input_type()->full_name().c_str());
      return 2;
    }
    payload = typed_request->SerializeAsString();
  }
  auto channel = grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  // Long enough for a pull from a local registry.
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
  grpc::Slice slice(payload);
  grpc::ByteBuffer request(&slice, 1);
  if (stream_count > 0) {
    if (descriptor == nullptr) {
      std::fprintf(stderr, "-n needs a request (the method's type)\n");
      return 2;
    }
    grpc::Status status = StreamCall(stub, context, method, request, stream_count, descriptor);
    std::printf("%s %s\n",
                absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())).c_str(),
                status.error_message().c_str());
    return 0;
  }
  grpc::ByteBuffer response;
  grpc::Status result;
  absl::Notification done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status status) {
                   result = std::move(status);
                   done.Notify();
                 });
  done.WaitForNotification();
  std::printf("%s %s\n",
              absl::StatusCodeToString(static_cast<absl::StatusCode>(result.error_code())).c_str(),
              result.error_message().c_str());
  if (descriptor != nullptr && result.ok()) PrintResponse(descriptor, response);
  return 0;
}
