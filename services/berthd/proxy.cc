#include "services/berthd/proxy.h"

#include <memory>
#include <string>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>
#include <grpcpp/support/server_callback.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/berthd/authz.h"
#include "services/common/base/log.h"

namespace berth::berthd {
namespace {

class ServerSide;
class ClientSide;

// State shared by the two halves of one proxied call. Each half deletes
// itself when gRPC is done with it; this outlives both.
struct Call {
  grpc::GenericCallbackServerContext* server_context = nullptr;
  grpc::ClientContext client_context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;

  ServerSide* server = nullptr;
  ClientSide* client = nullptr;

  // Client-side operations are started from server-side callbacks; a hold
  // keeps the client half alive (its OnDone waits) while such an operation
  // can still come. read_hold covers caller → backend messages, write_hold
  // backend → caller reads. Each is released once, under mu, and every
  // client operation from the server side is started under mu while its hold
  // is still held.
  absl::Mutex mu;
  bool read_hold ABSL_GUARDED_BY(mu) = false;
  bool write_hold ABSL_GUARDED_BY(mu) = false;
  bool client_done ABSL_GUARDED_BY(mu) = false;
  bool server_write_pending ABSL_GUARDED_BY(mu) = false;
  bool finish_pending ABSL_GUARDED_BY(mu) = false;
  bool finished ABSL_GUARDED_BY(mu) = false;
  grpc::Status final_status ABSL_GUARDED_BY(mu);

  // Audit of mutating calls.
  AuditLog* audit = nullptr;
  bool audited = false;
  bool first_request_seen = false;
  AuditRecord record;
};

bool IsLocalPeer(const std::string& peer) { return absl::StartsWith(peer, "unix:"); }

std::string MethodName(const std::string& path) {
  // "/berth.images.v1.Images/Pull" → "berth.images.v1.Images"
  if (path.size() < 2) return "";
  size_t slash = path.find('/', 1);
  return slash == std::string::npos ? "" : path.substr(1, slash - 1);
}

bool Forwardable(absl::string_view key) {
  return !absl::StartsWith(key, ":") && !absl::StartsWith(key, "grpc-") &&
         key != "user-agent" && key != "content-type" && key != "te" && key != "host" &&
         key != "x-berth-identity";
}

class ClientSide final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  explicit ClientSide(std::shared_ptr<Call> call) : call_(std::move(call)) {}
  void OnWriteDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  std::shared_ptr<Call> call_;
};

class ServerSide final : public grpc::ServerGenericBidiReactor {
 public:
  ServerSide(std::shared_ptr<Call> call) : call_(std::move(call)) {}

  void Begin(const Backends* backends, const ProxyOptions& options);
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override { call_->client_context.TryCancel(); }
  void OnDone() override;

  // Sends the final status once no write is pending (at most once).
  void FinishWith(const grpc::Status& status);

 private:
  void Refuse(const grpc::Status& status);
  void NoteAuditTarget();

  std::shared_ptr<Call> call_;
  MethodPolicy policy_;
  // Set when the caller may not make this call.
  grpc::Status denied_ = grpc::Status::OK;
};

void ServerSide::Begin(const Backends* backends, const ProxyOptions& options) {
  Call& call = *call_;
  const std::string& method = call.server_context->method();
  std::string peer = call.server_context->peer();
  bool local = IsLocalPeer(peer);
  PeerIdentity identity = IdentityFromAuthContext(*call.server_context->auth_context(), local);
  Role role = MapRole(identity, options.roles);
  if (!local && options.insecure_tcp && identity.name == "anonymous") role = Role::kAdmin;
  policy_ = LookupMethod(method);

  call.record.identity = identity.name;
  call.record.role = RoleName(role);
  call.record.peer = peer;
  call.record.method = method;
  call.audited = call.audit != nullptr && !policy_.read_only;

  std::string owner = Backends::OwnerOf(MethodName(method));
  std::shared_ptr<grpc::Channel> channel = owner.empty() ? nullptr : backends->Get(owner);
  if (policy_.method == nullptr || channel == nullptr) {
    call.audited = false;  // Nothing happened: not an API call.
    Refuse(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        absl::StrCat("unknown method ", method)));
    return;
  }
  absl::Status allowed = Authorize(identity, role, policy_);
  if (!allowed.ok()) {
    BERTH_LOG(Warn) << "denied " << method << " to " << identity.name << " (" << peer << ")";
    // Read the first request before refusing, so the audit log records
    // what the caller tried to change.
    denied_ = grpc::Status(grpc::StatusCode::PERMISSION_DENIED, std::string(allowed.message()));
    {
      absl::MutexLock lock(&call.mu);
      call.client_done = true;
    }
    StartRead(&call.request);
    return;
  }

  // Pass the caller's metadata and deadline on, and who the caller is.
  for (const auto& [key, value] : call.server_context->client_metadata()) {
    absl::string_view k(key.data(), key.size());
    if (Forwardable(k)) {
      call.client_context.AddMetadata(std::string(k), std::string(value.data(), value.size()));
    }
  }
  call.client_context.AddMetadata("x-berth-identity", identity.name);
  call.client_context.set_deadline(call.server_context->deadline());

  auto* client = new ClientSide(call_);
  call.client = client;
  grpc::GenericStub stub(channel);
  stub.PrepareBidiStreamingCall(&call.client_context, method, grpc::StubOptions(), client);
  client->AddHold();
  client->AddHold();
  {
    absl::MutexLock lock(&call.mu);
    call.read_hold = true;
    call.write_hold = true;
  }
  StartRead(&call.request);
  client->StartRead(&call.response);
  client->StartCall();
}

void ServerSide::Refuse(const grpc::Status& status) {
  {
    absl::MutexLock lock(&call_->mu);
    call_->client_done = true;
  }
  FinishWith(status);
}

void ServerSide::NoteAuditTarget() {
  Call& call = *call_;
  if (!call.audited || call.first_request_seen || policy_.method == nullptr) return;
  call.first_request_seen = true;
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          policy_.method->input_type());
  if (prototype == nullptr) return;
  std::unique_ptr<google::protobuf::Message> message(prototype->New());
  std::vector<grpc::Slice> slices;
  if (!call.request.Dump(&slices).ok()) return;
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  if (message->ParseFromString(bytes)) call.record.target = AuditTarget(*message);
}

void ServerSide::OnReadDone(bool ok) {
  Call& call = *call_;
  if (ok) NoteAuditTarget();
  if (!denied_.ok()) {
    FinishWith(denied_);
    return;
  }
  bool release = false;
  {
    absl::MutexLock lock(&call.mu);
    if (!call.read_hold) return;  // The backend has finished.
    if (ok) {
      call.client->StartWrite(&call.request);
    } else {
      // The caller half-closed: pass that on.
      call.client->StartWritesDone();
      call.read_hold = false;
      release = true;
    }
  }
  if (release) call.client->RemoveHold();
}

void ServerSide::OnWriteDone(bool ok) {
  Call& call = *call_;
  bool finish = false;
  grpc::Status status;
  {
    absl::MutexLock lock(&call.mu);
    call.server_write_pending = false;
    if (call.finish_pending) {
      finish = true;
      status = call.final_status;
    }
  }
  if (finish) {
    FinishWith(status);
    return;
  }
  bool release = false;
  {
    absl::MutexLock lock(&call.mu);
    if (!call.write_hold) return;
    if (ok) {
      call.client->StartRead(&call.response);
    } else {
      // The caller is gone: stop the backend's side too.
      call.write_hold = false;
      release = true;
    }
  }
  if (release) {
    call.client_context.TryCancel();
    call.client->RemoveHold();
  }
}

void ServerSide::FinishWith(const grpc::Status& status) {
  Call& call = *call_;
  {
    absl::MutexLock lock(&call.mu);
    if (call.finished) return;
    if (call.server_write_pending) {
      call.finish_pending = true;
      call.final_status = status;
      return;
    }
    call.finished = true;
  }
  if (call.audited) {
    call.record.time = absl::Now();
    call.record.code = absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
    call.record.message = status.error_message();
    call.audit->Write(call.record);
  }
  Finish(status);
}

void ServerSide::OnDone() { delete this; }

void ClientSide::OnWriteDone(bool ok) {
  Call& call = *call_;
  if (ok) {
    call.server->StartRead(&call.request);
    return;
  }
  // The backend's stream ended; OnDone brings its status.
  bool release = false;
  {
    absl::MutexLock lock(&call.mu);
    release = call.read_hold;
    call.read_hold = false;
  }
  if (release) RemoveHold();
}

void ClientSide::OnReadDone(bool ok) {
  Call& call = *call_;
  if (ok) {
    {
      absl::MutexLock lock(&call.mu);
      call.server_write_pending = true;
    }
    call.server->StartWrite(&call.response);
    return;
  }
  // The backend sent its last message: nothing more will be read from it or
  // need writing to it, so let its status through.
  int releases = 0;
  {
    absl::MutexLock lock(&call.mu);
    releases = int{call.read_hold} + int{call.write_hold};
    call.read_hold = false;
    call.write_hold = false;
  }
  for (int i = 0; i < releases; ++i) RemoveHold();
}

void ClientSide::OnDone(const grpc::Status& status) {
  std::shared_ptr<Call> call = call_;
  {
    absl::MutexLock lock(&call->mu);
    call->client_done = true;
  }
  for (const auto& [key, value] : call->client_context.GetServerTrailingMetadata()) {
    absl::string_view k(key.data(), key.size());
    if (Forwardable(k)) {
      call->server_context->AddTrailingMetadata(std::string(k),
                                                std::string(value.data(), value.size()));
    }
  }
  grpc::Status forwarded = status;
  // Only a transport failure means the service is down; a service may
  // itself answer UNAVAILABLE (a registry it could not reach).
  const std::string& message = status.error_message();
  bool transport = absl::StartsWith(message, "failed to connect to all addresses") ||
                   absl::StartsWith(message, "Socket closed") ||
                   absl::StartsWith(message, "Connection reset") ||
                   absl::StartsWith(message, "Broken pipe") ||
                   absl::StartsWith(message, "Stream removed") ||
                   absl::StartsWith(message, "connections to all backends failing");
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE && transport) {
    std::string owner = Backends::OwnerOf(MethodName(call->server_context->method()));
    forwarded = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             absl::StrCat("the ", owner, " service is not available: ",
                                          status.error_message()));
  }
  call->server->FinishWith(forwarded);
  delete this;
}

}  // namespace

grpc::ServerGenericBidiReactor* ProxyService::CreateReactor(
    grpc::GenericCallbackServerContext* context) {
  auto call = std::make_shared<Call>();
  call->server_context = context;
  call->audit = audit_;
  auto* server = new ServerSide(call);
  call->server = server;
  server->Begin(backends_, options_);
  return server;
}

}  // namespace berth::berthd
