#ifndef BERTH_SERVICES_TASKS_TASKS_SERVICE_H_
#define BERTH_SERVICES_TASKS_TASKS_SERVICE_H_

// berth.tasks.v1.Tasks: the running side (start, stop, kill, wait, pause,
// attach, exec, resize, logs, stats, top, events).

#include "berth/tasks/v1/tasks.grpc.pb.h"
#include "services/tasks/container_store.h"
#include "services/tasks/events.h"
#include "services/tasks/execs.h"
#include "services/tasks/task_manager.h"
#include "shim/logging/log_reader.h"

namespace berth::tasks {

class TasksService final : public v1::Tasks::Service {
 public:
  TasksService(ContainerStore* store, TaskManager* tasks, EventBroker* events, int log_max_files)
      : store_(store), tasks_(tasks), events_(events), log_max_files_(log_max_files),
        execs_(store, tasks) {}

  grpc::Status Start(grpc::ServerContext*, const v1::StartRequest*, v1::StartResponse*) override;
  grpc::Status Kill(grpc::ServerContext*, const v1::KillRequest*, v1::KillResponse*) override;
  grpc::Status Stop(grpc::ServerContext*, const v1::StopRequest*, v1::StopResponse*) override;
  grpc::Status Restart(grpc::ServerContext*, const v1::RestartRequest*,
                       v1::RestartResponse*) override;
  grpc::Status Wait(grpc::ServerContext*, const v1::WaitRequest*, v1::WaitResponse*) override;
  grpc::Status Pause(grpc::ServerContext*, const v1::PauseRequest*, v1::PauseResponse*) override;
  grpc::Status Resume(grpc::ServerContext*, const v1::ResumeRequest*, v1::ResumeResponse*) override;
  grpc::Status Update(grpc::ServerContext*, const v1::UpdateTaskRequest*,
                      v1::UpdateTaskResponse*) override;
  grpc::Status Attach(grpc::ServerContext*,
                      grpc::ServerReaderWriter<v1::AttachResponse, v1::AttachRequest>*) override;
  grpc::Status CreateExec(grpc::ServerContext*, const v1::CreateExecRequest*,
                          v1::CreateExecResponse*) override;
  grpc::Status InspectExec(grpc::ServerContext*, const v1::InspectExecRequest*,
                           v1::ExecInfo*) override;
  grpc::Status Resize(grpc::ServerContext*, const v1::ResizeRequest*, v1::ResizeResponse*) override;
  grpc::Status Logs(grpc::ServerContext*, const v1::LogsRequest*,
                    grpc::ServerWriter<v1::LogEntry>*) override;
  grpc::Status ReopenLog(grpc::ServerContext*, const v1::ReopenLogRequest*,
                         v1::ReopenLogResponse*) override;
  grpc::Status Stats(grpc::ServerContext*, const v1::StatsRequest*,
                     grpc::ServerWriter<v1::StatsResponse>*) override;
  grpc::Status Top(grpc::ServerContext*, const v1::TopRequest*, v1::TopResponse*) override;
  grpc::Status Subscribe(grpc::ServerContext*, const v1::SubscribeRequest*,
                         grpc::ServerWriter<berth::types::v1::Envelope>*) override;

 private:
  absl::StatusOr<v1::ContainerStats> StatsOf(const v1::Container& container);
  absl::Status ResizeTerminal(const std::string& ns, const std::string& ref,
                              const std::string& exec_id, const v1::WindowSize& size);

  ContainerStore* store_;
  TaskManager* tasks_;
  EventBroker* events_;
  int log_max_files_;
  // The container's log: its driver, and how many files it rotates through
  // (json-file's --log-opt max-file, else the daemon's).
  logging::LogFile LogFileOf(const v1::Container& container) const;
  Execs execs_;
};

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_TASKS_SERVICE_H_
