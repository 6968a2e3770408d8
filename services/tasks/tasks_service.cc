#include "services/tasks/tasks_service.h"

#include <unistd.h>

#include <cstdio>
#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "services/tasks/container_spec.h"
#include "absl/synchronization/notification.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/base/grpc_status.h"
#include "services/common/namespaces/namespace.h"
#include "services/tasks/time_util.h"
#include "services/tasks/host_stats.h"
#include "shim/client/shim_client.h"
#include "shim/logging/log_reader.h"
#include "shim/logging/log_driver.h"

namespace berth::tasks {
namespace {

}  // namespace

logging::LogFile TasksService::LogFileOf(const v1::Container& container) const {
  logging::LogFile file;
  file.path = container.log_path();
  file.driver = EffectiveLogDriver(container.spec());
  // cri logs are rotated by the kubelet, under names of its own.
  if (file.driver == logging::kJsonFileDriver) {
    file.max_files = ContainerLogLimits(container.spec(), {0, log_max_files_}).max_files;
  }
  return file;
}

grpc::Status TasksService::Start(grpc::ServerContext* context, const v1::StartRequest* request,
                                 v1::StartResponse* response) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  if (!request->exec_id().empty()) {
    // exec -d: started, not attached.
    auto exec = execs_.Get(*ns, request->exec_id());
    if (!exec.ok()) return ToGrpcStatus(exec.status());
    auto pid = execs_.Start(*exec);
    if (!pid.ok()) return ToGrpcStatus(pid.status());
    response->set_pid(*pid);
    return grpc::Status::OK;
  }
  if (absl::Status status = tasks_->Start(*ns, request->id()); !status.ok()) {
    return ToGrpcStatus(status);
  }
  if (auto container = store_->Resolve(*ns, request->id()); container.ok()) {
    response->set_pid(container->state().pid());
  }
  return grpc::Status::OK;
}

grpc::Status TasksService::Kill(grpc::ServerContext* context, const v1::KillRequest* request,
                                v1::KillResponse*) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  if (!request->exec_id().empty()) {
    auto exec = execs_.Get(*ns, request->exec_id());
    if (!exec.ok()) return ToGrpcStatus(exec.status());
    if (auto container = store_->Resolve(*ns, request->id());
        !container.ok() || container->id() != exec->container_id) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "No such exec instance: " + request->exec_id());
    }
    return ToGrpcStatus(execs_.Kill(*exec, request->signal()));
  }
  return ToGrpcStatus(tasks_->Kill(*ns, request->id(), request->signal()));
}

grpc::Status TasksService::Stop(grpc::ServerContext* context, const v1::StopRequest* request,
                                v1::StopResponse*) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  return ToGrpcStatus(tasks_->Stop(*ns, request->id(), request->timeout(), request->signal()));
}

grpc::Status TasksService::Restart(grpc::ServerContext* context, const v1::RestartRequest* request,
                                   v1::RestartResponse*) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  return ToGrpcStatus(
      tasks_->Restart(*ns, request->id(), request->timeout(), request->signal()));
}

grpc::Status TasksService::Wait(grpc::ServerContext* context, const v1::WaitRequest* request,
                                v1::WaitResponse* response) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto result = tasks_->Wait(*ns, request->id(), request->condition(),
                             [context] { return context->IsCancelled(); });
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *result;
  return grpc::Status::OK;
}

grpc::Status TasksService::Pause(grpc::ServerContext* context, const v1::PauseRequest* request,
                                 v1::PauseResponse*) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  return ToGrpcStatus(tasks_->Pause(*ns, request->id()));
}

grpc::Status TasksService::Resume(grpc::ServerContext* context, const v1::ResumeRequest* request,
                                  v1::ResumeResponse*) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  return ToGrpcStatus(tasks_->Resume(*ns, request->id()));
}

grpc::Status TasksService::Update(grpc::ServerContext* context, const v1::UpdateTaskRequest* request,
                                  v1::UpdateTaskResponse*) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  return ToGrpcStatus(tasks_->UpdateResources(*ns, request->id(), request->resources()));
}

grpc::Status TasksService::CreateExec(grpc::ServerContext* context,
                                      const v1::CreateExecRequest* request,
                                      v1::CreateExecResponse* response) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto exec_id = execs_.Create(*ns, request->id(), request->process());
  if (!exec_id.ok()) return ToGrpcStatus(exec_id.status());
  response->set_exec_id(*exec_id);
  return grpc::Status::OK;
}

grpc::Status TasksService::InspectExec(grpc::ServerContext* context,
                                       const v1::InspectExecRequest* request,
                                       v1::ExecInfo* response) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto info = execs_.Inspect(*ns, request->exec_id());
  if (!info.ok()) return ToGrpcStatus(info.status());
  *response = *info;
  return grpc::Status::OK;
}

grpc::Status TasksService::Resize(grpc::ServerContext* context, const v1::ResizeRequest* request,
                                  v1::ResizeResponse*) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  return ToGrpcStatus(ResizeTerminal(*ns, request->id(), request->exec_id(), request->size()));
}

absl::Status TasksService::ResizeTerminal(const std::string& ns, const std::string& ref,
                                          const std::string& exec_id,
                                          const v1::WindowSize& size) {
  auto container = store_->Resolve(ns, ref);
  if (!container.ok()) return container.status();
  if (!exec_id.empty()) {
    auto exec = execs_.Get(ns, exec_id);
    if (!exec.ok()) return exec.status();
    return execs_.Resize(*exec, size.rows(), size.cols());
  }
  if (!IsRunning(*container)) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", container->id(), " is not running"));
  }
  berth::shim::v1::ResizePtyRequest resize;
  resize.set_rows(size.rows());
  resize.set_cols(size.cols());
  berth::shim::ShimClient shim(tasks_->BundleDir(container->id()) + "/sock");
  absl::Status resized = shim.Call("ResizePty", resize, nullptr);
  // dockerd's "resize" event (a container's, not an exec's).
  if (resized.ok()) {
    tasks_->Publish(*container, "resize",
                    {{"height", std::to_string(size.rows())}, {"width", std::to_string(size.cols())}});
  }
  return resized;
}

grpc::Status TasksService::Logs(grpc::ServerContext* context, const v1::LogsRequest* request,
                                grpc::ServerWriter<v1::LogEntry>* writer) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto container = store_->Resolve(*ns, request->id());
  if (!container.ok()) return ToGrpcStatus(container.status());
  if (!logging::LogDriverReadable(EffectiveLogDriver(container->spec()))) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "configured logging driver does not support reading");
  }
  logging::ReadOptions options;
  options.include_stdout = request->stdout() || !request->stderr();
  options.include_stderr = request->stderr() || !request->stdout();
  // -1 for everything; --tail 0 shows nothing, as docker.
  options.tail = request->tail() < 0 ? -1 : request->tail();
  if (request->has_since()) options.since = FromProto(request->since());
  if (request->has_until()) options.until = FromProto(request->until());
  auto send = [&](const logging::LogRecord& record) {
    v1::LogEntry entry;
    entry.set_stream(record.stream);
    entry.set_line(record.line);
    SetTime(entry.mutable_time(), record.time);
    return writer->Write(entry);
  };
  if (request->follow()) {
    // Follow from now, after sending the tail: records written between the
    // two are taken by the follower, which starts first.
    absl::Notification opened;
    bool backlog_sent = false;  // guarded by early_mu
    std::vector<logging::LogRecord> early;
    absl::Mutex early_mu;
    std::thread follower([&] {
      logging::ReadOptions follow_options = options;
      follow_options.tail = -1;
      logging::FollowLogs(
          LogFileOf(*container), follow_options,
          [&](const logging::LogRecord& record) {
            {
              // Checked and kept under the lock the backlog is flushed under:
              // a record cannot fall between the flush and the flag.
              absl::MutexLock lock(&early_mu);
              if (!backlog_sent) {
                early.push_back(record);
                return;
              }
            }
            send(record);
          },
          [&] {
            if (context->IsCancelled()) return true;
            auto now = store_->Get(container->id());
            return !now || !IsRunning(*now) ||
                   (request->has_until() && absl::Now() > FromProto(request->until()));
          },
          [&] { opened.Notify(); })
          .IgnoreError();
      if (!opened.HasBeenNotified()) opened.Notify();
    });
    opened.WaitForNotification();
    auto records = logging::ReadLogs(LogFileOf(*container), options);
    if (records.ok()) {
      for (const auto& record : *records) send(record);
    }
    {
      absl::MutexLock lock(&early_mu);
      // What the follower took early may also be at the end of what was read
      // (written between its start and the read): skip that overlap, found
      // by whole records (several lines can share a time stamp).
      size_t skip = records.ok() ? logging::OverlapLength(*records, early) : 0;
      for (size_t i = skip; i < early.size(); ++i) send(early[i]);
      backlog_sent = true;
    }
    follower.join();
    return grpc::Status::OK;
  }
  auto records = logging::ReadLogs(LogFileOf(*container), options);
  if (!records.ok()) return ToGrpcStatus(records.status());
  for (const auto& record : *records) {
    if (!send(record)) break;
  }
  return grpc::Status::OK;
}

grpc::Status TasksService::ReopenLog(grpc::ServerContext* context,
                                     const v1::ReopenLogRequest* request, v1::ReopenLogResponse*) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  return ToGrpcStatus(tasks_->ReopenLog(*ns, request->id()));
}

absl::StatusOr<v1::ContainerStats> TasksService::StatsOf(const v1::Container& container) {
  v1::ContainerStats stats;
  stats.set_id(container.id());
  stats.set_name(container.name());
  stats.set_image(container.spec().image());
  SetTime(stats.mutable_read(), absl::Now());
  stats.set_system_cpu_usage_ns(SystemCpuUsageNanos());
  stats.set_online_cpus(static_cast<uint32_t>(::sysconf(_SC_NPROCESSORS_ONLN)));
  if (!IsRunning(container)) return stats;
  auto s = tasks_->Stats(container.id());
  if (!s.ok()) return s.status();
  stats.set_cpu_usage_ns(s->cpu_usage_ns());
  stats.set_cpu_user_ns(s->cpu_user_ns());
  stats.set_cpu_system_ns(s->cpu_system_ns());
  stats.set_cpu_throttled_periods(s->cpu_throttled_periods());
  stats.set_cpu_throttled_time_ns(s->cpu_throttled_ns());
  stats.set_cpu_periods(s->cpu_periods());
  stats.set_memory_usage_bytes(s->memory_usage_bytes());
  stats.set_memory_working_set_bytes(s->memory_working_set_bytes());
  // An unlimited cgroup reports a huge number; docker shows the host's.
  uint64_t limit = s->memory_limit_bytes();
  uint64_t host = static_cast<uint64_t>(HostMemoryBytes());
  stats.set_memory_limit_bytes(limit == 0 || limit > host ? host : limit);
  stats.set_memory_failcnt(s->memory_failcnt());
  stats.set_memory_cache_bytes(s->memory_cache_bytes());
  stats.set_memory_rss_bytes(s->memory_rss_bytes());
  stats.set_oom_events(s->oom_kills());
  stats.set_pids_current(s->pids_current());
  stats.set_pids_limit(s->pids_limit());
  stats.set_blkio_read_bytes(s->blkio_read_bytes());
  stats.set_blkio_write_bytes(s->blkio_write_bytes());
  stats.set_net_rx_bytes(s->net_rx_bytes());
  stats.set_net_tx_bytes(s->net_tx_bytes());
  return stats;
}

grpc::Status TasksService::Stats(grpc::ServerContext* context, const v1::StatsRequest* request,
                                 grpc::ServerWriter<v1::StatsResponse>* writer) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  std::vector<std::string> ids;
  for (const std::string& ref : request->ids()) {
    auto container = store_->Resolve(*ns, ref);
    if (!container.ok()) return ToGrpcStatus(container.status());
    ids.push_back(container->id());
  }
  while (!context->IsCancelled()) {
    v1::StatsResponse response;
    if (request->ids().empty()) {
      for (const auto& container : store_->List(*ns)) {
        if (!IsRunning(container)) continue;
        if (auto stats = StatsOf(container); stats.ok()) *response.add_stats() = *stats;
      }
    } else {
      for (const std::string& id : ids) {
        auto container = store_->Get(id);
        if (!container) continue;
        if (auto stats = StatsOf(*container); stats.ok()) *response.add_stats() = *stats;
      }
    }
    if (!writer->Write(response) || !request->stream()) break;
    for (int i = 0; i < 10 && !context->IsCancelled(); ++i) absl::SleepFor(absl::Milliseconds(100));
  }
  return grpc::Status::OK;
}

grpc::Status TasksService::Top(grpc::ServerContext* context, const v1::TopRequest* request,
                               v1::TopResponse* response) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto pids = tasks_->Pids(*ns, request->id());
  if (!pids.ok()) return ToGrpcStatus(pids.status());
  std::vector<std::string> args(request->ps_args().begin(), request->ps_args().end());
  if (args.empty()) args = {"-ef"};
  for (const std::string& arg : args) {
    for (char c : arg) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && std::string("-,=_ %").find(c) == std::string::npos) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "invalid ps arguments: " + arg);
      }
    }
  }
  auto table = RunPs(args);
  if (!table.ok()) return ToGrpcStatus(table.status());
  std::set<int> wanted(pids->begin(), pids->end());
  auto filtered = FilterPsTable(*table, wanted);
  if (!filtered.ok()) return ToGrpcStatus(filtered.status());
  *response = *filtered;
  return grpc::Status::OK;
}

grpc::Status TasksService::Subscribe(grpc::ServerContext* context,
                                     const v1::SubscribeRequest* request,
                                     grpc::ServerWriter<berth::types::v1::Envelope>* writer) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  absl::Time since = request->has_since() ? FromProto(request->since()) : absl::Now();
  absl::Time until = request->has_until() ? FromProto(request->until()) : absl::InfiniteFuture();
  events_->Subscribe(
      since,
      [&](const berth::types::v1::Envelope& envelope) {
        if (FromProto(envelope.timestamp()) > until) return false;
        // The Docker API and the CLI work in default: the kubelet's
        // containers stay out of their event streams unless asked for.
        if (!request->all_namespaces() && !EventInNamespace(envelope, *ns)) return true;
        v1::ContainerEvent event;
        if (!envelope.event().UnpackTo(&event) || !EventMatches(event, request->filters())) {
          return true;
        }
        return writer->Write(envelope);
      },
      [&] { return context->IsCancelled() || absl::Now() > until; });
  return grpc::Status::OK;
}

}  // namespace berth::tasks
