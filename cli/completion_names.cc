// `berth __complete`: the completion candidates, with the names of
// containers, images, volumes and networks asked from berthd.

#include <chrono>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "berth/images/v1/images.grpc.pb.h"
#include "berth/network/v1/network.grpc.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "berth/tasks/v1/tasks.grpc.pb.h"
#include "cli/completion.h"

namespace berth::cli {
namespace {

// Names of one kind; none when berthd cannot be reached (a completion
// stays quiet rather than printing errors into the command line).
std::vector<std::string> DaemonNames(Cli& cli, NameKind kind) {
  std::vector<std::string> names;
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  if (channel == nullptr || kind == NameKind::kNone) return names;
  auto context = Cli::CallContext();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  switch (kind) {
    case NameKind::kContainers: {
      berth::tasks::v1::ListContainersRequest request;
      request.set_all(true);
      berth::tasks::v1::ListContainersResponse response;
      if (!berth::tasks::v1::Containers::NewStub(channel)->List(context.get(), request, &response).ok()) break;
      for (const auto& container : response.containers()) {
        names.push_back(std::string(absl::StripPrefix(container.name(), "/")));
      }
      break;
    }
    case NameKind::kImages: {
      berth::images::v1::ListImagesResponse response;
      if (!berth::images::v1::Images::NewStub(channel)->List(context.get(), {}, &response).ok()) break;
      for (const auto& image : response.images()) {
        for (const std::string& tag : image.repo_tags()) names.push_back(tag);
      }
      break;
    }
    case NameKind::kVolumes: {
      berth::snapshots::v1::ListVolumesResponse response;
      if (!berth::snapshots::v1::Volumes::NewStub(channel)->List(context.get(), {}, &response).ok()) break;
      for (const auto& volume : response.volumes()) names.push_back(volume.name());
      break;
    }
    case NameKind::kNetworks: {
      berth::network::v1::ListNetworksResponse response;
      if (!berth::network::v1::Networks::NewStub(channel)->List(context.get(), {}, &response).ok()) break;
      for (const auto& network : response.networks()) names.push_back(network.name());
      break;
    }
    case NameKind::kNone:
      break;
  }
  return names;
}

const char* KindName(NameKind kind) {
  switch (kind) {
    case NameKind::kContainers:
      return "container";
    case NameKind::kImages:
      return "image";
    case NameKind::kVolumes:
      return "volume";
    case NameKind::kNetworks:
      return "network";
    case NameKind::kNone:
      break;
  }
  return "";
}

}  // namespace

int RunComplete(CLI::App& root, Cli& cli, const std::vector<std::string>& words) {
  // The daemon the completed command line names, as it would reach it.
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == "-H" || words[i] == "--host") cli.connection.host = words[i + 1];
    if (absl::StartsWith(words[i], "--host=")) cli.connection.host = words[i].substr(7);
  }
  cli.connection = ResolveConnection(cli.connection);
  Completion completion = Complete(root, words);
  const std::string current = words.empty() ? "" : words.back();
  for (const auto& [word, description] : completion.words) {
    if (absl::StartsWith(word, current)) std::printf("%s\t%s\n", word.c_str(), description.c_str());
  }
  for (const std::string& name : DaemonNames(cli, completion.names)) {
    if (absl::StartsWith(name, current)) std::printf("%s\t%s\n", name.c_str(), KindName(completion.names));
  }
  return 0;
}

}  // namespace berth::cli
