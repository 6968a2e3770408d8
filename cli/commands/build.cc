// berth build: a Dockerfile and its context to berthd's builder, as the
// docker CLI's classic build sends them (the context as a tar with
// .dockerignore applied, owners 0:0), printing the build's output as it
// comes. Also `builder build` and `builder prune`.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "berth/builder/v1/builder.grpc.pb.h"
#include "cli/cli.h"
#include "cli/commands/commands.h"
#include "cli/commands/container_parse.h"
#include "cli/output.h"
#include "services/builder/context/context_tar.h"
#include "services/builder/context/dockerignore.h"

namespace berth::cli {
namespace {

struct BuildFlags {
  std::vector<std::string> tags;
  std::string file;
  std::vector<std::string> build_args;
  std::string target;
  bool no_cache = false;
  bool pull = false;
  std::vector<std::string> labels;
  bool quiet = false;
  std::string iidfile;
  std::string network;
  std::string rm = "true";
  bool force_rm = false;
  std::vector<std::string> cache_from;
  std::string platform;
  std::vector<std::string> add_hosts;
  std::string shm_size;
  std::string memory;
  std::string memory_swap;
  int64_t cpu_shares = 0;
  int64_t cpu_period = 0;
  int64_t cpu_quota = 0;
  std::string cpuset_cpus;
  std::string cpuset_mems;
  std::vector<std::string> ulimits;
  std::string context;
};

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("open ", path, ": no such file or directory"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ReadAll(FILE* in) {
  std::string text;
  char buffer[65536];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), in)) > 0) text.append(buffer, n);
  return text;
}

// docker build - < X: a tar (plain or compressed) is the context, anything
// else the Dockerfile itself.
bool LooksLikeArchive(const std::string& head) {
  auto starts = [&](const char* magic, size_t size) {
    return head.size() >= size && head.compare(0, size, magic, size) == 0;
  };
  return starts("\x1f\x8b", 2) || starts("BZh", 3) || starts("\xfd" "7zXZ\0", 6) ||
         starts("\x28\xb5\x2f\xfd", 4) ||
         (head.size() >= 262 && head.compare(257, 5, "ustar") == 0);
}

absl::Status FillOptions(const BuildFlags& flags, berth::builder::v1::BuildOptions* options) {
  for (const std::string& tag : flags.tags) options->add_tags(tag);
  for (const std::string& arg : flags.build_args) {
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      (*options->mutable_build_args())[arg.substr(0, eq)] = arg.substr(eq + 1);
    } else if (const char* value = std::getenv(arg.c_str()); value != nullptr) {
      // --build-arg NAME takes the value from the environment, as docker.
      (*options->mutable_build_args())[arg] = value;
    }
  }
  for (const std::string& label : flags.labels) {
    size_t eq = label.find('=');
    (*options->mutable_labels())[label.substr(0, eq)] =
        eq == std::string::npos ? "" : label.substr(eq + 1);
  }
  options->set_target(flags.target);
  options->set_no_cache(flags.no_cache);
  options->set_pull(flags.pull);
  options->set_quiet(flags.quiet);
  auto rm = ParseGoBool(flags.rm);
  if (!rm.ok()) return absl::InvalidArgumentError("invalid argument \"" + flags.rm + "\" for \"--rm\"");
  options->set_keep_intermediate(!*rm);
  options->set_force_remove(flags.force_rm);
  for (const std::string& image : flags.cache_from) options->add_cache_from(image);
  options->set_network_mode(flags.network);
  for (const std::string& host : flags.add_hosts) options->add_extra_hosts(host);
  options->set_platform(flags.platform);
  if (!flags.shm_size.empty()) {
    auto bytes = ParseMemoryBytes(flags.shm_size);
    if (!bytes.ok()) return bytes.status();
    options->set_shm_size(*bytes);
  }
  if (!flags.memory.empty()) {
    auto bytes = ParseMemoryBytes(flags.memory);
    if (!bytes.ok()) return bytes.status();
    options->set_memory(*bytes);
  }
  if (!flags.memory_swap.empty()) {
    auto swap = ParseMemorySwap(flags.memory_swap);
    if (!swap.ok()) return swap.status();
    options->set_memory_swap(*swap);
  }
  options->set_cpu_shares(flags.cpu_shares);
  options->set_cpu_period(flags.cpu_period);
  options->set_cpu_quota(flags.cpu_quota);
  options->set_cpuset_cpus(flags.cpuset_cpus);
  options->set_cpuset_mems(flags.cpuset_mems);
  for (const std::string& text : flags.ulimits) {
    auto ulimit = ParseUlimit(text);
    if (!ulimit.ok()) return ulimit.status();
    auto* limit = options->add_ulimits();
    limit->set_name(ulimit->name());
    limit->set_soft(ulimit->soft());
    limit->set_hard(ulimit->hard());
  }
  return absl::OkStatus();
}

int Build(Cli& cli, const BuildFlags& flags) {
  berth::builder::v1::BuildRequest first;
  auto* options = first.mutable_options();
  if (absl::Status filled = FillOptions(flags, options); !filled.ok()) {
    std::fprintf(stderr, "%s\n", std::string(filled.message()).c_str());
    return kExitUsage;
  }
  // Where the context comes from: a directory, a tar on stdin, or nothing
  // but a Dockerfile on stdin.
  std::string stdin_head;
  bool context_from_stdin = flags.context == "-";
  bool stdin_dockerfile = flags.file == "-";
  if (context_from_stdin && stdin_dockerfile) {
    std::fprintf(stderr, "invalid argument: can't use stdin for both build context and dockerfile\n");
    return kExitUsage;
  }
  struct stat st;
  if (!context_from_stdin && (::stat(flags.context.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
    std::fprintf(stderr, "unable to prepare context: path \"%s\" not found\n", flags.context.c_str());
    return kExitDaemonError;
  }
  std::string dockerfile_name = "Dockerfile";
  if (stdin_dockerfile) {
    options->set_dockerfile_content(ReadAll(stdin));
    options->set_dockerfile("Dockerfile");
  } else if (!flags.file.empty()) {
    // -f inside the context names it there; outside, its text goes along.
    std::string context_abs = context_from_stdin ? "" : flags.context;
    char resolved_context[PATH_MAX], resolved_file[PATH_MAX];
    bool inside = !context_from_stdin &&
                  ::realpath(context_abs.c_str(), resolved_context) != nullptr &&
                  ::realpath(flags.file.c_str(), resolved_file) != nullptr &&
                  absl::StartsWith(std::string(resolved_file), std::string(resolved_context) + "/");
    if (inside) {
      dockerfile_name = std::string(resolved_file).substr(std::strlen(resolved_context) + 1);
      options->set_dockerfile(dockerfile_name);
    } else if (context_from_stdin) {
      options->set_dockerfile(flags.file);
    } else {
      auto text = ReadFile(flags.file);
      if (!text.ok()) {
        std::fprintf(stderr, "unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat %s: no such file or directory\n",
                     flags.file.c_str());
        return kExitDaemonError;
      }
      options->set_dockerfile_content(*text);
      options->set_dockerfile(flags.file);
    }
  } else if (!context_from_stdin) {
    std::string path = flags.context + "/Dockerfile";
    if (::stat(path.c_str(), &st) != 0) {
      std::fprintf(stderr, "unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat %s: no such file or directory\n",
                   path.c_str());
      return kExitDaemonError;
    }
  }
  bool stdin_is_archive = false;
  if (context_from_stdin) {
    // Enough to tell a tar from a Dockerfile; a tar is then streamed.
    stdin_head.resize(512);
    stdin_head.resize(std::fread(stdin_head.data(), 1, stdin_head.size(), stdin));
    stdin_is_archive = LooksLikeArchive(stdin_head);
    if (!stdin_is_archive) {
      // Only a Dockerfile: no context.
      options->set_dockerfile_content(stdin_head + ReadAll(stdin));
      stdin_head.clear();
    }
  }

  auto channel = cli.Channel();
  if (!channel) return cli.exit_code;
  auto stub = berth::builder::v1::Builder::NewStub(channel);
  auto context = Cli::CallContext(/*stream=*/true);
  auto stream = stub->Build(context.get());
  // The context goes on its own thread while the output is printed.
  std::thread sender([&] {
    bool open = stream->Write(first);
    auto send = [&](const char* data, size_t size) {
      berth::builder::v1::BuildRequest chunk;
      chunk.set_context(data, size);
      open = open && stream->Write(chunk);
      return open;
    };
    if (context_from_stdin) {
      if (stdin_is_archive) {
        send(stdin_head.data(), stdin_head.size());
        std::vector<char> buffer(1 << 20);
        size_t n;
        while (open && (n = std::fread(buffer.data(), 1, buffer.size(), stdin)) > 0) {
          send(buffer.data(), n);
        }
      }
    } else {
      std::string ignore_text;
      if (auto own = ReadFile(flags.context + "/" + dockerfile_name + ".dockerignore"); own.ok()) {
        ignore_text = *own;
      } else if (auto shared = ReadFile(flags.context + "/.dockerignore"); shared.ok()) {
        ignore_text = *shared;
      }
      auto matcher = buildcontext::IgnoreMatcher::Create(
          buildcontext::ParseDockerignore(ignore_text), dockerfile_name);
      if (!matcher.ok()) {
        std::fprintf(stderr, "error checking context: %s\n",
                     std::string(matcher.status().message()).c_str());
        context->TryCancel();
      } else {
        std::string pending;
        absl::Status written = buildcontext::WriteContextTar(
            flags.context, *matcher, [&](const char* data, size_t size) {
              pending.append(data, size);
              if (pending.size() < (1 << 20)) return true;
              bool sent = send(pending.data(), pending.size());
              pending.clear();
              return sent;
            });
        if (!pending.empty()) send(pending.data(), pending.size());
        if (!written.ok() && open) {
          std::fprintf(stderr, "error checking context: %s\n",
                       std::string(written.message()).c_str());
          context->TryCancel();
        }
      }
    }
    stream->WritesDone();
  });
  berth::builder::v1::BuildResponse response;
  std::string image_id;
  while (stream->Read(&response)) {
    if (response.has_image_id()) {
      image_id = response.image_id();
    } else {
      std::fputs(response.stream().c_str(), stdout);
      std::fflush(stdout);
    }
  }
  sender.join();
  grpc::Status status = stream->Finish();
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      return ReportCallError(status, cli.connection.host, channel.get());
    }
    std::fprintf(stderr, "%s\n", status.error_message().c_str());
    return kExitDaemonError;
  }
  if (flags.quiet) std::printf("%s\n", image_id.c_str());
  if (!flags.iidfile.empty()) {
    std::ofstream out(flags.iidfile, std::ios::trunc);
    out << image_id;
    if (!out) {
      std::fprintf(stderr, "failed to write image ID to file: %s\n", flags.iidfile.c_str());
      return kExitDaemonError;
    }
  }
  return 0;
}

int PruneBuildCache(Cli& cli, bool force) {
  if (!force) {
    std::printf("WARNING! This will remove all dangling build cache.\nAre you sure you want to continue? [y/N] ");
    std::fflush(stdout);
    char answer[16] = {};
    if (std::fgets(answer, sizeof(answer), stdin) == nullptr ||
        (answer[0] != 'y' && answer[0] != 'Y')) {
      return 0;
    }
  }
  auto channel = cli.Channel();
  if (!channel) return cli.exit_code;
  auto stub = berth::builder::v1::Builder::NewStub(channel);
  berth::builder::v1::PruneCacheRequest request;
  berth::builder::v1::PruneCacheResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->PruneCache(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, channel.get());
  std::printf("Deleted build cache objects: %lld\nTotal reclaimed space: 0B\n",
              static_cast<long long>(response.entries_deleted()));
  return 0;
}

CLI::App* AddBuild(CLI::App* parent, Cli& cli, const std::shared_ptr<BuildFlags>& flags) {
  CLI::App* build = parent->add_subcommand("build", "Build an image from a Dockerfile");
  build->add_option("-t,--tag", flags->tags, "Name and optionally a tag in the \"name:tag\" format");
  build->add_option("-f,--file", flags->file, "Name of the Dockerfile (Default is \"PATH/Dockerfile\")");
  build->add_option("--build-arg", flags->build_args, "Set build-time variables");
  build->add_option("--target", flags->target, "Set the target build stage to build");
  build->add_flag("--no-cache", flags->no_cache, "Do not use cache when building the image");
  build->add_flag("--pull", flags->pull, "Always attempt to pull a newer version of the image");
  build->add_option("--label", flags->labels, "Set metadata for an image");
  build->add_flag("-q,--quiet", flags->quiet, "Suppress the build output and print image ID on success");
  build->add_option("--iidfile", flags->iidfile, "Write the image ID to the file");
  build->add_option("--network", flags->network, "Set the networking mode for the RUN instructions during build");
  build->add_option("--rm", flags->rm, "Remove intermediate containers after a successful build")
      ->expected(0, 1)
      ->default_str("true");
  build->add_flag("--force-rm", flags->force_rm, "Always remove intermediate containers");
  build->add_option("--cache-from", flags->cache_from, "Images to consider as cache sources");
  build->add_option("--platform", flags->platform, "Set platform if server is multi-platform capable");
  build->add_option("--add-host", flags->add_hosts, "Add a custom host-to-IP mapping (\"host:ip\")");
  build->add_option("--shm-size", flags->shm_size, "Size of \"/dev/shm\"");
  build->add_option("-m,--memory", flags->memory, "Memory limit");
  build->add_option("--memory-swap", flags->memory_swap, "Swap limit equal to memory plus swap: -1 to enable unlimited swap");
  build->add_option("-c,--cpu-shares", flags->cpu_shares, "CPU shares (relative weight)");
  build->add_option("--cpu-period", flags->cpu_period, "Limit the CPU CFS (Completely Fair Scheduler) period");
  build->add_option("--cpu-quota", flags->cpu_quota, "Limit the CPU CFS (Completely Fair Scheduler) quota");
  build->add_option("--cpuset-cpus", flags->cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
  build->add_option("--cpuset-mems", flags->cpuset_mems, "MEMs in which to allow execution (0-3, 0,1)");
  build->add_option("--ulimit", flags->ulimits, "Ulimit options");
  build->add_option("context", flags->context, "PATH | URL | -")->required();
  build->callback([&cli, flags] {
    if (flags->rm.empty()) flags->rm = "true";
    if (absl::StartsWith(flags->context, "http://") || absl::StartsWith(flags->context, "https://") ||
        absl::StartsWith(flags->context, "git@")) {
      std::fprintf(stderr, "unable to prepare context: remote build contexts are not supported by berth\n");
      cli.exit_code = kExitDaemonError;
      return;
    }
    cli.exit_code = Build(cli, *flags);
  });
  return build;
}

}  // namespace

void AddBuildCommands(CLI::App& app, Cli& cli) {
  auto flags = std::make_shared<BuildFlags>();
  AddBuild(&app, cli, flags);
  for (CLI::App* command : app.get_subcommands({})) {
    if (command->get_name() == "image") AddBuild(command, cli, flags);
  }
  CLI::App* builder = app.add_subcommand("builder", "Manage builds");
  builder->require_subcommand(1);
  AddBuild(builder, cli, flags);
  auto force = std::make_shared<bool>(false);
  CLI::App* prune = builder->add_subcommand("prune", "Remove build cache");
  prune->add_flag("-f,--force", *force, "Do not prompt for confirmation");
  prune->add_flag("-a,--all", "Remove all unused build cache, not just dangling ones");
  prune->callback([&cli, force] { cli.exit_code = PruneBuildCache(cli, *force); });
}

}  // namespace berth::cli
