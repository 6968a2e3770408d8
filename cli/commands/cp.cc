// berth cp: files between a container and the host, or a tar stream ("-"),
// with docker's path rules (cp_paths.h). The host side is packed and
// unpacked here; the container side by the tasks service, inside the
// container's root.

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/commands/cp_paths.h"
#include "cli/output.h"
#include "services/common/archive/tree_tar.h"

namespace berth::cli {
namespace {

using berth::tasks::v1::PathStat;

struct CpFlags {
  bool archive = false;
  bool follow_link = false;
  bool quiet = false;
  std::vector<std::string> args;
};

int LocalError(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return kExitDaemonError;
}

std::string Absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  if (::getcwd(cwd, sizeof(cwd)) == nullptr) return path;
  return absl::StrCat(cwd, "/", path);
}

// docker's HEAD /containers/ID/archive: the stat of a path in a container.
grpc::Status StatInContainer(Cli& cli, const std::string& container, const std::string& path,
                             PathStat* stat) {
  auto stub = ContainersStub(cli);
  if (!stub) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "no connection to berthd");
  berth::tasks::v1::CopyFromRequest request;
  request.set_id(container);
  request.set_path(path);
  request.set_stat_only(true);
  auto context = Cli::CallContext(/*stream=*/true);
  auto reader = stub->CopyFrom(context.get(), request);
  berth::tasks::v1::CopyFromResponse response;
  bool got = reader->Read(&response);
  grpc::Status status = reader->Finish();
  if (!status.ok()) return status;
  if (!got || !response.has_stat()) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "no stat of " + path + " from the daemon");
  }
  *stat = response.stat();
  return grpc::Status::OK;
}

// The target of a symlink in the container, as docker's CLI resolves it.
std::string LinkTargetPath(const std::string& link_path, const std::string& target) {
  if (!target.empty() && target[0] == '/') return target;
  return absl::StrCat(DirectoryOf(link_path), "/", target);
}

int CopyFromContainer(Cli& cli, const CpArgument& source, const std::string& destination,
                      const CpFlags& flags) {
  std::string path = source.path;
  if (path.empty() || path[0] != '/') path = "/" + path;
  std::string wanted_name = TarTopName(path);
  if (flags.follow_link) {
    PathStat stat;
    grpc::Status status = StatInContainer(cli, source.container, path, &stat);
    if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
    if (S_ISLNK(stat.mode())) path = LinkTargetPath(path, stat.link_target());
  }
  auto stub = ContainersStub(cli);
  if (!stub) return cli.exit_code;
  berth::tasks::v1::CopyFromRequest request;
  request.set_id(source.container);
  request.set_path(path);
  auto context = Cli::CallContext(/*stream=*/true);
  auto reader = stub->CopyFrom(context.get(), request);
  berth::tasks::v1::CopyFromResponse message;
  if (!reader->Read(&message) || !message.has_stat()) {
    grpc::Status status = reader->Finish();
    if (status.ok()) status = grpc::Status(grpc::StatusCode::INTERNAL, "no stat from the daemon");
    return ReportCallError(status, cli.connection.host, cli.Channel().get());
  }
  bool source_is_dir = S_ISDIR(message.stat().mode());

  if (destination == "-") {
    bool write_ok = true;
    while (reader->Read(&message)) {
      const std::string& data = message.data();
      write_ok &= std::fwrite(data.data(), 1, data.size(), stdout) == data.size();
    }
    std::fflush(stdout);
    grpc::Status status = reader->Finish();
    if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
    return write_ok ? 0 : LocalError("write error");
  }

  // docker's CopyInfoDestinationPath: a symlink on the host is followed.
  Destination target;
  target.path = Absolute(destination);
  struct stat st;
  if (::stat(target.path.c_str(), &st) == 0) {
    target.exists = true;
    target.is_dir = S_ISDIR(st.st_mode);
  } else {
    std::string parent = DirectoryOf(target.path);
    if (::stat(parent.c_str(), &st) != 0) {
      context->TryCancel();
      return LocalError(absl::StrCat("stat ", parent, ": ", std::strerror(errno)));
    }
    if (!S_ISDIR(st.st_mode)) {
      context->TryCancel();
      return LocalError(absl::StrCat("stat ", parent, ": not a directory"));
    }
  }
  auto plan = PlanExtraction(source.path, source_is_dir, target);
  if (!plan.ok()) {
    context->TryCancel();
    return LocalError(std::string(plan.status().message()));
  }
  if (::chdir(plan->directory.c_str()) != 0) {
    context->TryCancel();
    return LocalError(absl::StrCat("chdir ", plan->directory, ": ", std::strerror(errno)));
  }
  archive::ExtractOptions options;
  options.ownership = flags.archive ? archive::Ownership::kKeep : archive::Ownership::kCaller;
  // On the host nothing confines a symlink the container put in the tar.
  options.secure_symlinks = true;
  options.rebase_from = TarTopName(path);
  options.rebase_to = plan->rebase_from.empty() ? wanted_name : plan->rebase_to;
  std::string current;
  auto extracted = archive::ExtractTree(
      [&]() -> absl::StatusOr<std::string_view> {
        if (!reader->Read(&message)) return std::string_view();
        current = std::move(*message.mutable_data());
        return std::string_view(current);
      },
      options);
  if (!extracted.ok()) context->TryCancel();
  grpc::Status status = reader->Finish();
  if (!status.ok() && extracted.ok()) {
    return ReportCallError(status, cli.connection.host, cli.Channel().get());
  }
  if (!extracted.ok()) return LocalError(std::string(extracted.status().message()));
  return 0;
}

int CopyToContainer(Cli& cli, const std::string& source, const CpArgument& destination,
                    const CpFlags& flags) {
  std::string path = destination.path;
  if (path.empty() || path[0] != '/') path = "/" + path;
  // docker's CLI follows a symlink at the destination (inside the container).
  PathStat stat;
  bool exists = false;
  grpc::Status status = StatInContainer(cli, destination.container, path, &stat);
  if (status.ok() && S_ISLNK(stat.mode())) {
    path = LinkTargetPath(path, stat.link_target());
    status = StatInContainer(cli, destination.container, path, &stat);
  }
  if (status.ok()) {
    exists = true;
  } else if (status.error_code() != grpc::StatusCode::NOT_FOUND) {
    return ReportCallError(status, cli.connection.host, cli.Channel().get());
  }
  bool destination_is_dir = exists && S_ISDIR(stat.mode());

  berth::tasks::v1::CopyToRequest header;
  header.mutable_header()->set_id(destination.container);
  header.mutable_header()->set_no_overwrite_dir_non_dir(true);
  header.mutable_header()->set_copy_uid_gid(flags.archive);

  std::string source_dir, source_base, rebase_to;
  bool from_stdin = source == "-";
  if (from_stdin) {
    if (!destination_is_dir) {
      if (!exists) return ReportCallError(status, cli.connection.host, cli.Channel().get());
      return LocalError(absl::StrCat("destination \"", destination.container, ":", destination.path,
                                     "\" must be a directory"));
    }
    header.mutable_header()->set_path(path);
  } else {
    std::string absolute = Absolute(source);
    struct stat st;
    int rc = flags.follow_link ? ::stat(absolute.c_str(), &st) : ::lstat(absolute.c_str(), &st);
    if (rc != 0) {
      return LocalError(absl::StrCat(flags.follow_link ? "stat " : "lstat ", absolute, ": ",
                                     std::strerror(errno)));
    }
    Destination target{path, exists, destination_is_dir};
    auto plan = PlanExtraction(source, S_ISDIR(st.st_mode), target);
    if (!plan.ok()) return LocalError(std::string(plan.status().message()));
    header.mutable_header()->set_path(plan->directory);
    source_dir = DirectoryOf(absolute);
    source_base = TarTopName(absolute);
    rebase_to = plan->rebase_from.empty() ? "" : plan->rebase_to;
    if (::chdir(source_dir.c_str()) != 0) {
      return LocalError(absl::StrCat("chdir ", source_dir, ": ", std::strerror(errno)));
    }
  }

  auto stub = ContainersStub(cli);
  if (!stub) return cli.exit_code;
  berth::tasks::v1::CopyToResponse response;
  auto context = Cli::CallContext(/*stream=*/true);
  auto writer = stub->CopyTo(context.get(), &response);
  bool open = writer->Write(header);
  bool read_ok = true;
  absl::Status packed;
  if (from_stdin) {
    std::vector<char> buffer(1 << 20);
    while (open) {
      size_t n = std::fread(buffer.data(), 1, buffer.size(), stdin);
      if (n == 0) {
        read_ok = !std::ferror(stdin);
        break;
      }
      berth::tasks::v1::CopyToRequest data;
      data.set_data(buffer.data(), n);
      open = writer->Write(data);
    }
  } else if (open) {
    archive::WriteTreeOptions options;
    options.rebase_to = rebase_to;
    options.follow_base = flags.follow_link;
    packed = archive::WriteTree(source_base, options, [&](const char* data, size_t size) {
      berth::tasks::v1::CopyToRequest message;
      message.set_data(data, size);
      return open = writer->Write(message);
    });
  }
  if (!read_ok || (!packed.ok() && open)) context->TryCancel();
  writer->WritesDone();
  status = writer->Finish();
  if (!read_ok) return LocalError("read error on standard input");
  if (!packed.ok() && open) return LocalError(std::string(packed.message()));
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  return 0;
}

int Copy(Cli& cli, const CpFlags& flags, const std::string& command) {
  if (int rc = CheckArgCount(command, flags.args.size(), 2, 2)) return rc;
  CpArgument source = SplitCpArgument(flags.args[0]);
  CpArgument destination = SplitCpArgument(flags.args[1]);
  if (!source.container.empty() && !destination.container.empty()) {
    return LocalError("copying between containers is not supported");
  }
  if (source.container.empty() && destination.container.empty()) {
    return LocalError("must specify at least one container source");
  }
  if (!source.container.empty()) return CopyFromContainer(cli, source, destination.path, flags);
  return CopyToContainer(cli, source.path, destination, flags);
}

}  // namespace

void AddCpCommand(CLI::App* parent, Cli& cli, const std::string& prefix) {
  auto flags = std::make_shared<CpFlags>();
  CLI::App* cp = parent->add_subcommand(
      "cp", "Copy files/folders between a container and the local filesystem");
  cp->add_flag("-a,--archive", flags->archive, "Archive mode (copy all uid/gid information)");
  cp->add_flag("-L,--follow-link", flags->follow_link, "Always follow symbol link in SRC_PATH");
  cp->add_flag("-q,--quiet", flags->quiet, "Suppress progress output during copy");
  cp->add_option("paths", flags->args, "CONTAINER:SRC_PATH DEST_PATH|- or SRC_PATH|- CONTAINER:DEST_PATH");
  std::string command = prefix + " cp";
  cp->callback([&cli, flags, command] { cli.exit_code = Copy(cli, *flags, command); });
}

}  // namespace berth::cli
