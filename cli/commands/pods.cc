// berth pods: the Kubernetes pods berth-cri runs, from their namespace
// holders in k8s.io (whatever --namespace says: pods live there only), so
// an operator sees what the kubelet runs without crictl. Columns as
// crictl pods: POD ID, CREATED, STATE, NAME, NAMESPACE; and CONTAINERS
// (running/all) and IP.

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/commands/container_format.h"
#include "cli/output.h"
#include "services/common/namespaces/namespace.h"
#include "services/cri/cri_labels.h"

namespace berth::cli {
namespace {

using berth::tasks::v1::Container;

struct PodsFlags {
  bool quiet = false, no_trunc = false;
  std::string format;
};

std::string Label(const Container& container, const char* key) {
  auto it = container.spec().labels().find(key);
  return it == container.spec().labels().end() ? "" : it->second;
}

// The CRI's containers of one kind, running or not, from k8s.io.
absl::StatusOr<std::vector<Container>> ListKind(berth::tasks::v1::Containers::Stub& stub,
                                                const char* kind) {
  berth::tasks::v1::ListContainersRequest request;
  request.set_all(true);
  (*request.mutable_filters())["label"].add_values(absl::StrCat(cri::kKindLabel, "=", kind));
  berth::tasks::v1::ListContainersResponse response;
  auto context = Cli::CallContext();
  namespaces::SetNamespace(*context, namespaces::kKubernetes);
  grpc::Status status = stub.List(context.get(), request, &response);
  if (!status.ok()) return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                                        status.error_message());
  return std::vector<Container>(response.containers().begin(), response.containers().end());
}

int Pods(Cli& cli, const PodsFlags& flags) {
  auto stub = ContainersStub(cli);
  if (!stub) return cli.exit_code;
  auto holders = ListKind(*stub, cri::kKindSandbox);
  auto containers = holders.ok() ? ListKind(*stub, cri::kKindContainer) : holders.status();
  if (!containers.ok()) {
    std::fprintf(stderr, "Error: %s\n", std::string(containers.status().message()).c_str());
    return 1;
  }
  std::map<std::string, std::pair<int, int>> counts;  // pod → running, all
  for (const Container& container : *containers) {
    auto& [running, all] = counts[Label(container, cri::kSandboxIdLabel)];
    ++all;
    if (container.state().status() == berth::tasks::v1::RUNNING) ++running;
  }
  std::sort(holders->begin(), holders->end(), [](const Container& a, const Container& b) {
    return a.created_at().seconds() > b.created_at().seconds();
  });
  int64_t now = std::time(nullptr);
  std::vector<nlohmann::json> rows;
  for (const Container& holder : *holders) {
    std::string id = Label(holder, cri::kSandboxIdLabel);
    if (flags.quiet) {
      std::printf("%s\n", flags.no_trunc ? id.c_str() : ShortContainerId(id).c_str());
      continue;
    }
    std::string name = Label(holder, cri::kPodNameLabel);
    auto [running, all] = counts[id];
    rows.push_back({{"ID", flags.no_trunc ? id : ShortContainerId(id)},
                    {"Created", HumanDuration(now - holder.created_at().seconds()) + " ago"},
                    {"State", holder.state().status() == berth::tasks::v1::RUNNING ? "Ready"
                                                                                  : "NotReady"},
                    {"Name", name.empty() ? ContainerName(holder) : name},
                    {"Namespace", Label(holder, cri::kPodNamespaceLabel)},
                    {"Containers", absl::StrCat(running, "/", all)},
                    {"IP", holder.network_settings().ip_address()}});
  }
  if (flags.quiet) return 0;
  nlohmann::json header = {{"ID", "POD ID"},   {"Created", "CREATED"},
                           {"State", "STATE"}, {"Name", "NAME"},
                           {"Namespace", "NAMESPACE"}, {"Containers", "CONTAINERS"},
                           {"IP", "IP"}};
  return PrintRows(flags.format,
                   "table {{.ID}}\t{{.Created}}\t{{.State}}\t{{.Name}}\t{{.Namespace}}\t"
                   "{{.Containers}}\t{{.IP}}",
                   header, rows);
}

}  // namespace

void AddPodsCommand(CLI::App* parent, Cli& cli) {
  auto flags = std::make_shared<PodsFlags>();
  CLI::App* pods = parent->add_subcommand("pods", "List the Kubernetes pods berth-cri runs");
  pods->add_flag("-q,--quiet", flags->quiet, "Only display pod IDs");
  pods->add_flag("--no-trunc", flags->no_trunc, "Don't truncate output");
  pods->add_option("--format", flags->format, "Format output using a custom template or 'json'");
  pods->callback([&cli, flags] { cli.exit_code = Pods(cli, *flags); });
}

}  // namespace berth::cli
