// cri_bench_client: drives a CRI runtime (runtime.v1 over a unix socket)
// through the pod lifecycle a kubelet runs and prints timings, so that
// berth-cri and containerd's CRI plugin are measured by the same client
// (bench/cri_bench.sh; crictl and critest are not Debian packages).
//
//   cri_bench_client SOCKET wait SECONDS         until Version answers
//   cri_bench_client SOCKET image REF            ImageStatus, PullImage if absent
//   cri_bench_client SOCKET cycle LABEL PODS PARALLEL LOGDIR CGROUP_PARENT IMAGE
//       each pod: RunPodSandbox, CreateContainer, StartContainer,
//       StopPodSandbox, RemovePodSandbox; PARALLEL pods at a time
//   cri_bench_client SOCKET start LABEL PODS PARALLEL LOGDIR CGROUP_PARENT IMAGE
//       each pod: RunPodSandbox, CreateContainer, StartContainer; left running
//   cri_bench_client SOCKET clean PARALLEL       stops and removes every pod
//
// cycle and start print a human summary and machine lines for the script:
//   RESULT LABEL PODS PARALLEL OK TOTAL_MS POD_MEDIAN_MS POD_P90_MS
//   RPC LABEL METHOD CALLS MEAN_MS
// The exit code is 1 when any call failed (the numbers are then not valid).

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "k8s/cri/runtime/v1/api.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
using runtime::v1::ImageService;
using runtime::v1::RuntimeService;

constexpr auto kCallDeadline = std::chrono::seconds(120);

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Nearest-rank percentile of sorted samples.
double Percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(fraction * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

struct Clients {
  std::unique_ptr<RuntimeService::Stub> runtime;
  std::unique_ptr<ImageService::Stub> images;
};

Clients Connect(const std::string& target) {
  // One channel for every thread, as the kubelet keeps one connection.
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  return {RuntimeService::NewStub(channel), ImageService::NewStub(channel)};
}

// Per-method call counts and time, shared by the worker threads.
class RpcTimes {
 public:
  // Calls `call(context)` and records its duration under `method`. Prints
  // the error and returns false when the call fails.
  template <typename Call>
  bool Time(const std::string& method, const std::string& pod, Call&& call) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    Clock::time_point start = Clock::now();
    grpc::Status status = call(&context);
    double ms = MsSince(start);
    std::lock_guard<std::mutex> lock(mu_);
    if (!status.ok()) {
      std::fprintf(stderr, "%s %s: code %d: %s\n", method.c_str(), pod.c_str(),
                   static_cast<int>(status.error_code()), status.error_message().c_str());
      return false;
    }
    Entry& entry = entries_[method];
    entry.calls++;
    entry.total_ms += ms;
    return true;
  }

  void Print(const std::string& label, const std::vector<std::string>& order) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& method : order) {
      auto it = entries_.find(method);
      if (it == entries_.end()) continue;
      const Entry& entry = it->second;
      std::printf("  %-18s mean %8.1f ms over %d calls\n", method.c_str(),
                  entry.total_ms / entry.calls, entry.calls);
    }
    for (const std::string& method : order) {
      auto it = entries_.find(method);
      if (it == entries_.end()) continue;
      std::printf("RPC %s %s %d %.2f\n", label.c_str(), method.c_str(), it->second.calls,
                  it->second.total_ms / it->second.calls);
    }
  }

 private:
  struct Entry {
    int calls = 0;
    double total_ms = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

struct PodPlan {
  std::string label;
  std::string log_root;
  std::string cgroup_root;
  std::string image;
  bool stop_and_remove = true;
};

// The pod and container a kubelet would ask for: a busybox container
// sleeping, its CRI log under the pod's log directory, the pod's cgroup
// under a parent of its own (the kubelet's /kubepods/.../pod<uid>).
runtime::v1::PodSandboxConfig PodConfig(const PodPlan& plan, const std::string& name,
                                        const std::string& uid) {
  runtime::v1::PodSandboxConfig config;
  config.mutable_metadata()->set_name(name);
  config.mutable_metadata()->set_uid(uid);
  config.mutable_metadata()->set_namespace_("bench");
  config.mutable_metadata()->set_attempt(0);
  config.set_hostname(name);
  config.set_log_directory(absl::StrCat(plan.log_root, "/bench_", name, "_", uid));
  (*config.mutable_labels())["io.kubernetes.pod.name"] = name;
  config.mutable_linux()->set_cgroup_parent(absl::StrCat(plan.cgroup_root, "/pod", uid));
  return config;
}

runtime::v1::ContainerConfig ContainerConfig(const PodPlan& plan) {
  runtime::v1::ContainerConfig config;
  config.mutable_metadata()->set_name("sleeper");
  config.mutable_image()->set_image(plan.image);
  config.add_command("sleep");
  config.add_args("3600");
  config.set_log_path("sleeper_0.log");
  return config;
}

// One pod through the lifecycle; returns its wall time in ms, or a
// negative number when a call failed (the pod is then removed if it can be).
double RunOnePod(const Clients& clients, RpcTimes& times, const PodPlan& plan, int index) {
  std::string name = absl::StrCat(plan.label, "-", getpid(), "-", index);
  std::string uid = absl::StrCat("uid-", getpid(), "-", index);
  runtime::v1::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig(plan, name, uid);
  std::error_code ignored;
  // The kubelet makes the pod's log directory before it runs the pod.
  std::filesystem::create_directories(run.config().log_directory(), ignored);

  Clock::time_point start = Clock::now();
  runtime::v1::RunPodSandboxResponse ran;
  if (!times.Time("RunPodSandbox", name, [&](grpc::ClientContext* context) {
        return clients.runtime->RunPodSandbox(context, run, &ran);
      })) {
    return -1;
  }
  const std::string& pod_id = ran.pod_sandbox_id();
  auto stop_and_remove = [&]() {
    runtime::v1::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(pod_id);
    runtime::v1::StopPodSandboxResponse stopped;
    bool ok = times.Time("StopPodSandbox", name, [&](grpc::ClientContext* context) {
      return clients.runtime->StopPodSandbox(context, stop, &stopped);
    });
    runtime::v1::RemovePodSandboxRequest remove;
    remove.set_pod_sandbox_id(pod_id);
    runtime::v1::RemovePodSandboxResponse removed;
    ok = times.Time("RemovePodSandbox", name, [&](grpc::ClientContext* context) {
           return clients.runtime->RemovePodSandbox(context, remove, &removed);
         }) && ok;
    return ok;
  };

  runtime::v1::CreateContainerRequest create;
  create.set_pod_sandbox_id(pod_id);
  *create.mutable_config() = ContainerConfig(plan);
  *create.mutable_sandbox_config() = run.config();
  runtime::v1::CreateContainerResponse created;
  if (!times.Time("CreateContainer", name, [&](grpc::ClientContext* context) {
        return clients.runtime->CreateContainer(context, create, &created);
      })) {
    stop_and_remove();
    return -1;
  }
  runtime::v1::StartContainerRequest start_request;
  start_request.set_container_id(created.container_id());
  runtime::v1::StartContainerResponse started;
  if (!times.Time("StartContainer", name, [&](grpc::ClientContext* context) {
        return clients.runtime->StartContainer(context, start_request, &started);
      })) {
    stop_and_remove();
    return -1;
  }
  if (plan.stop_and_remove && !stop_and_remove()) return -1;
  return MsSince(start);
}

// Runs `pods` pods, `parallel` at a time, and prints the summary.
int RunPods(const Clients& clients, const PodPlan& plan, int pods, int parallel) {
  RpcTimes times;
  std::vector<double> pod_ms;
  std::mutex pod_ms_mu;
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  Clock::time_point start = Clock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < parallel; ++w) {
    workers.emplace_back([&]() {
      for (int index = next++; index < pods; index = next++) {
        double ms = RunOnePod(clients, times, plan, index);
        if (ms < 0) {
          failed++;
          continue;
        }
        std::lock_guard<std::mutex> lock(pod_ms_mu);
        pod_ms.push_back(ms);
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  double total_ms = MsSince(start);
  std::sort(pod_ms.begin(), pod_ms.end());
  double median = Percentile(pod_ms, 0.5);
  double p90 = Percentile(pod_ms, 0.9);
  std::printf("%s: %d pods, %d at a time: %zu ok, total %.0f ms, per pod median %.1f ms, p90 %.1f ms\n",
              plan.label.c_str(), pods, parallel, pod_ms.size(), total_ms, median, p90);
  times.Print(plan.label, {"RunPodSandbox", "CreateContainer", "StartContainer", "StopPodSandbox",
                           "RemovePodSandbox"});
  std::printf("RESULT %s %d %d %zu %.1f %.1f %.1f\n", plan.label.c_str(), pods, parallel,
              pod_ms.size(), total_ms, median, p90);
  return failed > 0 ? 1 : 0;
}

int Wait(const Clients& clients, int seconds) {
  Clock::time_point give_up = Clock::now() + std::chrono::seconds(seconds);
  grpc::Status status;
  do {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    runtime::v1::VersionResponse version;
    status = clients.runtime->Version(&context, {}, &version);
    if (status.ok()) {
      std::printf("%s %s (CRI %s)\n", version.runtime_name().c_str(),
                  version.runtime_version().c_str(), version.runtime_api_version().c_str());
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (Clock::now() < give_up);
  std::fprintf(stderr, "Version: %s\n", status.error_message().c_str());
  return 1;
}

// The kubelet's pull policy IfNotPresent: pull only what ImageStatus lacks.
int EnsureImage(const Clients& clients, const std::string& ref) {
  grpc::ClientContext context;
  runtime::v1::ImageStatusRequest request;
  request.mutable_image()->set_image(ref);
  runtime::v1::ImageStatusResponse status;
  grpc::Status result = clients.images->ImageStatus(&context, request, &status);
  if (!result.ok()) {
    std::fprintf(stderr, "ImageStatus %s: %s\n", ref.c_str(), result.error_message().c_str());
    return 1;
  }
  if (status.has_image()) {
    std::printf("%s present: %s\n", ref.c_str(), status.image().id().c_str());
    return 0;
  }
  grpc::ClientContext pull_context;
  runtime::v1::PullImageRequest pull;
  pull.mutable_image()->set_image(ref);
  runtime::v1::PullImageResponse pulled;
  result = clients.images->PullImage(&pull_context, pull, &pulled);
  if (!result.ok()) {
    std::fprintf(stderr, "PullImage %s: %s\n", ref.c_str(), result.error_message().c_str());
    return 1;
  }
  std::printf("%s pulled: %s\n", ref.c_str(), pulled.image_ref().c_str());
  return 0;
}

// Stops and removes every pod the runtime lists, `parallel` at a time.
int Clean(const Clients& clients, int parallel) {
  grpc::ClientContext context;
  runtime::v1::ListPodSandboxResponse list;
  grpc::Status status = clients.runtime->ListPodSandbox(&context, {}, &list);
  if (!status.ok()) {
    std::fprintf(stderr, "ListPodSandbox: %s\n", status.error_message().c_str());
    return 1;
  }
  RpcTimes times;
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < parallel; ++w) {
    workers.emplace_back([&]() {
      for (int index = next++; index < list.items_size(); index = next++) {
        const std::string& id = list.items(index).id();
        runtime::v1::StopPodSandboxRequest stop;
        stop.set_pod_sandbox_id(id);
        runtime::v1::StopPodSandboxResponse stopped;
        runtime::v1::RemovePodSandboxRequest remove;
        remove.set_pod_sandbox_id(id);
        runtime::v1::RemovePodSandboxResponse removed;
        bool ok = times.Time("StopPodSandbox", id, [&](grpc::ClientContext* c) {
          return clients.runtime->StopPodSandbox(c, stop, &stopped);
        });
        ok = ok && times.Time("RemovePodSandbox", id, [&](grpc::ClientContext* c) {
               return clients.runtime->RemovePodSandbox(c, remove, &removed);
             });
        if (!ok) failed++;
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  std::printf("removed %d of %d pods\n", list.items_size() - failed.load(), list.items_size());
  return failed > 0 ? 1 : 0;
}

int Usage() {
  std::fprintf(stderr,
               "usage: cri_bench_client SOCKET wait SECONDS\n"
               "       cri_bench_client SOCKET image REF\n"
               "       cri_bench_client SOCKET cycle|start LABEL PODS PARALLEL LOGDIR "
               "CGROUP_PARENT IMAGE\n"
               "       cri_bench_client SOCKET clean PARALLEL\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Usage();
  Clients clients = Connect(argv[1]);
  std::string command = argv[2];
  if (command == "wait" && argc == 4) return Wait(clients, std::atoi(argv[3]));
  if (command == "image" && argc == 4) return EnsureImage(clients, argv[3]);
  if (command == "clean" && argc == 4) return Clean(clients, std::max(1, std::atoi(argv[3])));
  if ((command == "cycle" || command == "start") && argc == 9) {
    PodPlan plan{argv[3], argv[6], argv[7], argv[8], command == "cycle"};
    int pods = std::atoi(argv[4]);
    int parallel = std::max(1, std::atoi(argv[5]));
    return RunPods(clients, plan, pods, parallel);
  }
  return Usage();
}
