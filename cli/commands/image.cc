// berth pull, images, image inspect, tag, rmi: as docker's.

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "berth/images/v1/images.grpc.pb.h"
#include "cli/auth_config.h"
#include "cli/commands/archive_output.h"
#include "cli/commands/commands.h"
#include "cli/commands/image.h"
#include "cli/commands/image_json.h"
#include "cli/commands/prune.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

using berth::images::v1::ImageDetail;

std::unique_ptr<berth::images::v1::Images::Stub> Stub(Cli& cli) {
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  return channel ? berth::images::v1::Images::NewStub(channel) : nullptr;
}

std::string ShortId(const std::string& id) {
  return absl::StartsWith(id, "sha256:") ? id.substr(7, 12) : id.substr(0, 12);
}

bool HasTagOrDigest(const std::string& ref) {
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  return ref.find('@') != std::string::npos ||
         (colon != std::string::npos && (slash == std::string::npos || colon > slash));
}

// docker's normalised name for display: docker.io/library/busybox:latest.
std::string FullName(const std::string& ref) {
  std::string name = ref;
  size_t slash = name.find('/');
  std::string first = slash == std::string::npos ? "" : name.substr(0, slash);
  bool has_domain = slash != std::string::npos &&
                    (first.find('.') != std::string::npos || first.find(':') != std::string::npos ||
                     first == "localhost");
  if (!has_domain) name = (slash == std::string::npos ? "docker.io/library/" : "docker.io/") + name;
  if (!HasTagOrDigest(ref)) name += ":latest";
  return name;
}

// Renders pull progress as docker does: on a terminal a line per layer that
// is redrawn in place; otherwise plain status lines without progress bars.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet, FILE* out = stdout)
      : quiet_(quiet), out_(out), tty_(::isatty(::fileno(out))) {}

  void Show(const berth::images::v1::Progress& progress) {
    if (quiet_) return;
    std::string text = progress.id().empty() ? progress.status()
                                             : progress.id() + ": " + progress.status();
    bool has_bar = progress.total() > 0 &&
                   (progress.status() == "Downloading" || progress.status() == "Extracting");
    if (!tty_) {
      if (!has_bar) std::fprintf(out_, "%s\n", text.c_str());
      std::fflush(out_);
      return;
    }
    if (has_bar) absl::StrAppend(&text, " ", Bar(progress.current(), progress.total()));
    auto it = lines_.find(progress.id());
    if (it == lines_.end() || progress.id().empty()) {
      lines_[progress.id()] = count_++;
      std::fprintf(out_, "%s\n", text.c_str());
    } else {
      int up = count_ - it->second;
      std::fprintf(out_, "\x1b[%dA\r\x1b[2K%s\x1b[%dB\r", up, text.c_str(), up);
    }
    std::fflush(out_);
  }

 private:
  static std::string Bar(int64_t current, int64_t total) {
    int width = 50;
    int filled = total > 0 ? static_cast<int>(width * std::min<int64_t>(current, total) / total) : 0;
    std::string bar(static_cast<size_t>(filled), '=');
    if (filled < width) bar += ">";
    bar.resize(static_cast<size_t>(width), ' ');
    return absl::StrCat("[", bar, "]  ", HumanSize(static_cast<double>(current)), "/",
                        HumanSize(static_cast<double>(total)));
  }

  bool quiet_;
  FILE* out_;
  bool tty_;
  std::map<std::string, int> lines_;
  int count_ = 0;
};

}  // namespace

int PullImage(Cli& cli, const std::string& ref, const PullOptions& options, grpc::Status* failed) {
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  berth::images::v1::PullRequest request;
  request.set_ref(ref);
  const std::string& platform = options.platform;
  if (!platform.empty()) {
    std::vector<std::string> parts = absl::StrSplit(platform, '/');
    if (parts.size() < 2 || parts.size() > 3) {
      std::fprintf(stderr, "invalid platform \"%s\": want os/arch[/variant]\n", platform.c_str());
      return kExitUsage;
    }
    request.mutable_platform()->set_os(parts[0]);
    request.mutable_platform()->set_architecture(parts[1]);
    if (parts.size() == 3) request.mutable_platform()->set_variant(parts[2]);
  }
  if (!HasTagOrDigest(ref) && !options.quiet && options.announce_default_tag) {
    std::fprintf(options.out, "Using default tag: latest\n");
  }
  if (auto credentials = LoadCredentials(RegistryOf(ref))) {
    request.mutable_auth()->set_username(credentials->username);
    request.mutable_auth()->set_password(credentials->password);
    request.mutable_auth()->set_server_address(RegistryOf(ref));
  }
  auto context = Cli::CallContext(/*stream=*/true);
  auto reader = stub->Pull(context.get(), request);
  ProgressPrinter printer(options.quiet, options.out);
  berth::images::v1::PullResponse response;
  while (reader->Read(&response)) {
    if (response.has_progress()) printer.Show(response.progress());
    for (const std::string& message : response.messages()) {
      if (!options.quiet) std::fprintf(options.out, "%s\n", message.c_str());
    }
  }
  std::fflush(options.out);
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    if (failed == nullptr) return ReportCallError(status, cli.connection.host, cli.Channel().get());
    *failed = status;
    return kExitDaemonError;
  }
  return 0;
}

int Pull(Cli& cli, const std::string& ref, const std::string& platform, bool quiet) {
  PullOptions options;
  options.platform = platform;
  options.quiet = quiet;
  int rc = PullImage(cli, ref, options);
  if (rc != 0) return rc;
  // docker ends with the full reference.
  std::printf("%s\n", FullName(ref).c_str());
  return 0;
}

namespace {

int Push(Cli& cli, const std::string& ref, bool quiet) {
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  berth::images::v1::PushRequest request;
  request.set_ref(ref);
  if (auto credentials = LoadCredentials(RegistryOf(ref))) {
    request.mutable_auth()->set_username(credentials->username);
    request.mutable_auth()->set_password(credentials->password);
    request.mutable_auth()->set_server_address(RegistryOf(ref));
  }
  auto context = Cli::CallContext(/*stream=*/true);
  auto reader = stub->Push(context.get(), request);
  ProgressPrinter printer(quiet);
  berth::images::v1::PushResponse response;
  while (reader->Read(&response)) {
    if (response.has_progress()) printer.Show(response.progress());
    for (const std::string& message : response.messages()) {
      if (!quiet) std::printf("%s\n", message.c_str());
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  if (quiet) std::printf("%s\n", FullName(ref).c_str());
  return 0;
}

int History(Cli& cli, const std::string& ref, bool quiet, bool no_trunc, bool human,
            const std::string& format) {
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  berth::images::v1::HistoryRequest request;
  request.set_ref(ref);
  berth::images::v1::HistoryResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->History(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  std::vector<std::vector<std::string>> rows = {{"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"}};
  for (const auto& entry : response.entries()) {
    std::string id = entry.id() == "<missing>" || no_trunc ? entry.id() : ShortId(entry.id());
    if (quiet) {
      std::printf("%s\n", id.c_str());
      continue;
    }
    std::string created_by = entry.created_by();
    if (!no_trunc && created_by.size() > 45) created_by = created_by.substr(0, 44) + "…";
    std::string created = human ? HumanDuration(std::time(nullptr) - entry.created().seconds()) + " ago"
                                : Rfc3339(entry.created().seconds());
    std::string size = human ? HumanSize(static_cast<double>(entry.size())) : std::to_string(entry.size());
    if (!format.empty()) {
      // docker history --format: the fields of its formatter.
      if (!PrintFormatted(format, {{"ID", id},
                                   {"CreatedSince", created},
                                   {"CreatedAt", Rfc3339(entry.created().seconds())},
                                   {"CreatedBy", created_by},
                                   {"Size", size},
                                   {"Comment", entry.comment()}})) {
        return kExitUsage;
      }
      continue;
    }
    rows.push_back({id, created, created_by, size, entry.comment()});
  }
  if (!quiet && format.empty()) std::printf("%s", FormatTable(rows).c_str());
  return 0;
}

int Save(Cli& cli, const std::vector<std::string>& refs, const std::string& output) {
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  berth::images::v1::SaveRequest request;
  for (const std::string& ref : refs) request.add_refs(ref);
  return WriteArchive(cli, output, "save image", [&](grpc::ClientContext* context) {
    return std::unique_ptr<ChunkReader>(stub->Save(context, request));
  });
}

int Import(Cli& cli, const std::vector<std::string>& args, const std::vector<std::string>& changes,
           const std::string& message, const std::string& platform) {
  if (args.empty() || args.size() > 2) {
    std::fprintf(stderr, "\"berth import\" requires at least 1 and at most 2 arguments.\n");
    return kExitUsage;
  }
  FILE* in = args[0] == "-" ? stdin : std::fopen(args[0].c_str(), "rb");
  if (in == nullptr) {
    std::fprintf(stderr, "open %s: no such file or directory\n", args[0].c_str());
    return kExitDaemonError;
  }
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  berth::images::v1::ImportResponse response;
  auto context = Cli::CallContext(/*stream=*/true);
  auto writer = stub->Import(context.get(), &response);
  berth::images::v1::ImportRequest header;
  if (args.size() == 2) header.mutable_header()->set_ref(args[1]);
  for (const std::string& change : changes) header.mutable_header()->add_changes(change);
  header.mutable_header()->set_message(message);
  if (!platform.empty()) {
    std::vector<std::string> parts = absl::StrSplit(platform, '/');
    if (parts.size() >= 2) {
      header.mutable_header()->mutable_platform()->set_os(parts[0]);
      header.mutable_header()->mutable_platform()->set_architecture(parts[1]);
      if (parts.size() == 3) header.mutable_header()->mutable_platform()->set_variant(parts[2]);
    }
  }
  bool open = writer->Write(header);
  std::vector<char> buffer(1 << 20);
  while (open) {
    size_t n = std::fread(buffer.data(), 1, buffer.size(), in);
    if (n == 0) break;
    berth::images::v1::ImportRequest data;
    data.set_data(buffer.data(), n);
    open = writer->Write(data);
  }
  if (in != stdin) std::fclose(in);
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  std::printf("%s\n", response.image().id().c_str());
  return 0;
}

int Load(Cli& cli, const std::string& input, bool quiet) {
  FILE* in = input.empty() ? stdin : std::fopen(input.c_str(), "rb");
  if (in == nullptr) {
    std::fprintf(stderr, "open %s: no such file or directory\n", input.c_str());
    return kExitDaemonError;
  }
  if (input.empty() && ::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "requested load from stdin, but stdin is empty\n");
    return kExitDaemonError;
  }
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  auto context = Cli::CallContext(/*stream=*/true);
  auto stream = stub->Load(context.get());
  berth::images::v1::LoadRequest header;
  header.mutable_header()->set_quiet(quiet);
  bool open = stream->Write(header);
  std::vector<char> buffer(1 << 20);
  while (open) {
    size_t n = std::fread(buffer.data(), 1, buffer.size(), in);
    if (n == 0) break;
    berth::images::v1::LoadRequest data;
    data.set_data(buffer.data(), n);
    open = stream->Write(data);
  }
  if (in != stdin) std::fclose(in);
  stream->WritesDone();
  berth::images::v1::LoadResponse response;
  while (stream->Read(&response)) {
    if (!response.loaded().empty()) std::printf("%s\n", response.loaded().c_str());
  }
  grpc::Status status = stream->Finish();
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  return 0;
}

nlohmann::json RowJson(const ImageDetail& image, const std::string& repository,
                       const std::string& tag, const std::string& digest) {
  int64_t age = std::time(nullptr) - image.created().seconds();
  return {{"Containers", "N/A"},
          {"CreatedAt", Rfc3339(image.created().seconds())},
          {"CreatedSince", HumanDuration(age) + " ago"},
          {"Digest", digest.empty() ? "<none>" : digest},
          {"ID", ShortId(image.id())},
          {"Repository", repository},
          {"SharedSize", "N/A"},
          {"Size", HumanSize(static_cast<double>(image.size()))},
          {"Tag", tag},
          {"UniqueSize", "N/A"},
          {"VirtualSize", HumanSize(static_cast<double>(image.size()))}};
}

int Images(Cli& cli, bool all, bool quiet, bool digests, const std::vector<std::string>& filters,
           const std::string& format, const std::string& repository_filter) {
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  berth::images::v1::ListImagesRequest request;
  request.set_all(all);
  for (const std::string& filter : filters) {
    size_t eq = filter.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "invalid filter '%s'\n", filter.c_str());
      return kExitUsage;
    }
    (*request.mutable_filters())[filter.substr(0, eq)].add_values(filter.substr(eq + 1));
  }
  if (!repository_filter.empty()) {
    (*request.mutable_filters())["reference"].add_values(repository_filter);
  }
  berth::images::v1::ListImagesResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->List(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  std::vector<std::vector<std::string>> rows;
  if (digests) {
    rows.push_back({"REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"});
  } else {
    rows.push_back({"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
  }
  for (const ImageDetail& image : response.images()) {
    if (quiet) {
      std::printf("%s\n", ShortId(image.id()).c_str());
      continue;
    }
    std::vector<std::pair<std::string, std::string>> names;
    for (const std::string& tag : image.repo_tags()) {
      size_t colon = tag.rfind(':');
      names.emplace_back(tag.substr(0, colon), tag.substr(colon + 1));
    }
    if (names.empty()) names.emplace_back("<none>", "<none>");
    for (const auto& [repository, tag] : names) {
      // docker: with --digests a row for each digest the repository was
      // pulled by (a tag pulled again after a re-push has two).
      std::vector<std::string> pinned_digests;
      for (const std::string& pinned : image.repo_digests()) {
        if (absl::StartsWith(pinned, repository + "@")) pinned_digests.push_back(pinned.substr(repository.size() + 1));
      }
      if (!digests || pinned_digests.empty()) pinned_digests = {pinned_digests.empty() ? "" : pinned_digests.back()};
      for (const std::string& digest : pinned_digests) {
        nlohmann::json row = RowJson(image, repository, tag, digest);
        if (!format.empty()) {
          if (!PrintFormatted(format, row)) return kExitUsage;
          continue;
        }
        std::vector<std::string> cells = {repository, tag};
        if (digests) cells.push_back(digest.empty() ? "<none>" : digest);
        cells.push_back(row["ID"]);
        cells.push_back(row["CreatedSince"]);
        cells.push_back(row["Size"]);
        rows.push_back(cells);
      }
    }
  }
  if (!quiet && format.empty()) std::printf("%s", FormatTable(rows).c_str());
  return 0;
}

int Inspect(Cli& cli, const std::vector<std::string>& refs, const std::string& format) {
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  nlohmann::json all = nlohmann::json::array();
  int rc = 0;
  for (const std::string& ref : refs) {
    nlohmann::json image;
    grpc::Status status = InspectImageJson(cli, ref, &image);
    if (!status.ok()) {
      rc = ReportCallError(status, cli.connection.host, cli.Channel().get());
      continue;
    }
    all.push_back(image);
  }
  return PrintInspect(all, format, rc);
}

int Tag(Cli& cli, const std::vector<std::string>& args) {
  if (args.size() != 2) {
    std::fprintf(stderr, "\"berth tag\" requires exactly 2 arguments.\n");
    return kExitUsage;
  }
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  berth::images::v1::TagRequest request;
  request.set_source(args[0]);
  request.set_target(args[1]);
  berth::images::v1::TagResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->Tag(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  return 0;
}

int Remove(Cli& cli, const std::vector<std::string>& refs, bool force) {
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  int rc = 0;
  for (const std::string& ref : refs) {
    berth::images::v1::RemoveImageRequest request;
    request.set_ref(ref);
    request.set_force(force);
    berth::images::v1::RemoveImageResponse response;
    auto context = Cli::CallContext();
    grpc::Status status = stub->Remove(context.get(), request, &response);
    if (!status.ok()) {
      rc = ReportCallError(status, cli.connection.host, cli.Channel().get());
      continue;
    }
    for (const std::string& name : response.untagged()) std::printf("Untagged: %s\n", name.c_str());
    for (const std::string& id : response.deleted()) std::printf("Deleted: %s\n", id.c_str());
  }
  return rc;
}

}  // namespace

grpc::Status InspectImageJson(Cli& cli, const std::string& ref, nlohmann::json* out) {
  auto stub = Stub(cli);
  if (!stub) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "no connection to berthd");
  berth::images::v1::GetImageRequest request;
  request.set_ref(ref);
  ImageDetail image;
  auto context = Cli::CallContext();
  grpc::Status status = stub->Get(context.get(), request, &image);
  if (status.ok()) *out = ImageInspectJson(image);
  return status;
}

void AddImageCommands(CLI::App& app, Cli& cli) {
  struct Flags {
    std::string ref, platform, format, repository;
    std::vector<std::string> refs, filters;
    bool quiet = false, digests = false, force = false, all = false;
  };
  auto flags = std::make_shared<Flags>();

  auto add_pull = [&cli, flags](CLI::App* parent, const std::string& name) {
    CLI::App* pull = parent->add_subcommand(name, "Download an image from a registry");
    pull->add_option("--platform", flags->platform, "Set platform if server is multi-platform capable");
    pull->add_flag("-q,--quiet", flags->quiet, "Suppress verbose output");
    pull->add_flag("-a,--all-tags", flags->all, "Download all tagged images in the repository");
    pull->add_option("image", flags->ref, "Image")->required();
    pull->callback([&cli, flags] {
      if (flags->all) {
        std::fprintf(stderr, "--all-tags is not supported yet\n");
        cli.exit_code = kExitUsage;
        return;
      }
      cli.exit_code = Pull(cli, flags->ref, flags->platform, flags->quiet);
    });
  };
  auto add_list = [&cli, flags](CLI::App* parent, const std::string& name) {
    CLI::App* list = parent->add_subcommand(name, "List images");
    list->add_flag("-q,--quiet", flags->quiet, "Only show image IDs");
    list->add_flag("--digests", flags->digests, "Show digests");
    list->add_flag("-a,--all", flags->all, "Show all images");
    list->add_option("-f,--filter", flags->filters, "Filter output based on conditions provided")
        ->allow_extra_args(false);
    list->add_option("--format", flags->format, "Format output using a template or 'json'");
    list->add_option("repository", flags->repository, "Repository");
    list->callback([&cli, flags] {
      cli.exit_code = Images(cli, flags->all, flags->quiet, flags->digests, flags->filters,
                             flags->format, flags->repository);
    });
    return list;
  };
  auto add_rm = [&cli, flags](CLI::App* parent, const std::string& name) {
    CLI::App* rm = parent->add_subcommand(name, "Remove one or more images");
    rm->add_flag("-f,--force", flags->force, "Force removal of the image");
    rm->add_flag("--no-prune", flags->all, "Do not delete untagged parents");
    rm->add_option("images", flags->refs, "Images")->required();
    rm->callback([&cli, flags] { cli.exit_code = Remove(cli, flags->refs, flags->force); });
  };
  auto add_tag = [&cli, flags](CLI::App* parent, const std::string& name) {
    CLI::App* tag = parent->add_subcommand(name, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE");
    tag->add_option("images", flags->refs, "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]")->required();
    tag->callback([&cli, flags] { cli.exit_code = Tag(cli, flags->refs); });
  };

  auto add_push = [&cli, flags](CLI::App* parent, const std::string& name) {
    CLI::App* push = parent->add_subcommand(name, "Upload an image to a registry");
    push->add_flag("-q,--quiet", flags->quiet, "Suppress verbose output");
    push->add_option("image", flags->ref, "Image")->required();
    push->callback([&cli, flags] { cli.exit_code = Push(cli, flags->ref, flags->quiet); });
  };

  auto add_history = [&cli, flags](CLI::App* parent, const std::string& name) {
    auto human = std::make_shared<bool>(true);
    CLI::App* history = parent->add_subcommand(name, "Show the history of an image");
    history->add_flag("-q,--quiet", flags->quiet, "Only show image IDs");
    history->add_flag("--no-trunc", flags->digests, "Don't truncate output");
    history->add_option("-H,--human", *human, "Print sizes and dates in human readable format");
    history->add_option("--format", flags->format, "Format output using a template");
    history->add_option("image", flags->ref, "Image")->required();
    history->callback([&cli, flags, human] {
      cli.exit_code = History(cli, flags->ref, flags->quiet, flags->digests, *human, flags->format);
    });
  };
  auto add_save = [&cli, flags](CLI::App* parent, const std::string& name) {
    CLI::App* save = parent->add_subcommand(name, "Save one or more images to a tar archive");
    save->add_option("-o,--output", flags->repository, "Write to a file, instead of STDOUT");
    save->add_option("images", flags->refs, "Images")->required();
    save->callback([&cli, flags] { cli.exit_code = Save(cli, flags->refs, flags->repository); });
  };

  auto import_changes = std::make_shared<std::vector<std::string>>();
  auto import_message = std::make_shared<std::string>();
  auto add_import = [&cli, flags, import_changes, import_message](CLI::App* parent,
                                                                  const std::string& name) {
    CLI::App* import = parent->add_subcommand(name, "Import the contents from a tarball to create a filesystem image");
    import->add_option("-c,--change", *import_changes, "Apply Dockerfile instruction to the created image")
        ->allow_extra_args(false);
    import->add_option("-m,--message", *import_message, "Set commit message for imported image");
    import->add_option("--platform", flags->platform, "Set platform if server is multi-platform capable");
    import->add_option("args", flags->refs, "file|- [REPOSITORY[:TAG]]")->required();
    import->callback([&cli, flags, import_changes, import_message] {
      cli.exit_code = Import(cli, flags->refs, *import_changes, *import_message, flags->platform);
    });
  };

  auto add_load = [&cli, flags](CLI::App* parent, const std::string& name) {
    CLI::App* load = parent->add_subcommand(name, "Load an image from a tar archive or STDIN");
    load->add_option("-i,--input", flags->repository, "Read from tar archive file, instead of STDIN");
    load->add_flag("-q,--quiet", flags->quiet, "Suppress the load output");
    load->callback([&cli, flags] { cli.exit_code = Load(cli, flags->repository, flags->quiet); });
  };

  add_pull(&app, "pull");
  add_push(&app, "push");
  add_load(&app, "load");
  add_import(&app, "import");
  add_history(&app, "history");
  add_save(&app, "save");
  add_list(&app, "images");
  add_rm(&app, "rmi");
  add_tag(&app, "tag");

  CLI::App* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);
  add_pull(image, "pull");
  add_push(image, "push");
  add_load(image, "load");
  add_import(image, "import");
  add_history(image, "history");
  add_save(image, "save");
  add_list(image, "ls")->alias("list");
  add_rm(image, "rm");
  add_tag(image, "tag");
  AddPruneCommand(image, cli, PruneKind::kImages);
  CLI::App* inspect = image->add_subcommand("inspect", "Display detailed information on one or more images");
  inspect->add_option("-f,--format", flags->format, "Format output using a template");
  inspect->add_option("images", flags->refs, "Images")->required();
  inspect->callback([&cli, flags] { cli.exit_code = Inspect(cli, flags->refs, flags->format); });
}

}  // namespace berth::cli
