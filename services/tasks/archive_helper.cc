#include "services/tasks/archive_helper.h"

#include <fcntl.h>
#include <iconv.h>
#include <langinfo.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sched.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/base/unique_fd.h"
#include "services/tasks/container_mounts.h"
#include "services/common/base/write_all.h"

extern char** environ;

namespace berth::tasks {
namespace {

constexpr char kHelperArg[] = "archive-helper";

// A running helper: its pid, the socket of its stdin or stdout, and the
// pipe of its stderr (where it says why it failed).
struct Helper {
  pid_t pid = -1;
  UniqueFd data;
  UniqueFd errors;
};

absl::StatusOr<Helper> Spawn(const std::vector<std::string>& args, bool helper_reads) {
  int sockets[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) {
    return absl::ErrnoToStatus(errno, "archive helper: socketpair");
  }
  UniqueFd ours(sockets[0]), theirs(sockets[1]);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "archive helper: pipe");
  UniqueFd error_read(pipe_fds[0]), error_write(pipe_fds[1]);
  UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, helper_reads ? theirs.get() : null_fd.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, helper_reads ? null_fd.get() : theirs.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, error_write.get(), 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // The service blocks SIGPIPE and others; the helper starts clean.
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  std::vector<std::string> argv_strings = {"/proc/self/exe", kHelperArg};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) return absl::ErrnoToStatus(rc, "archive helper: spawn");
  Helper helper;
  helper.pid = pid;
  helper.data = std::move(ours);
  helper.errors = std::move(error_read);
  return helper;
}

// Waits for the helper and turns its failure into a status carrying what
// it wrote on stderr.
absl::Status Finish(Helper& helper, const std::string& what) {
  std::string message;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(helper.errors.get(), buffer, sizeof(buffer));
    if (n > 0) {
      message.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  int wstatus = 0;
  while (::waitpid(helper.pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  while (!message.empty() && message.back() == '\n') message.pop_back();
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return absl::OkStatus();
  if (message.empty()) message = absl::StrCat(what, ": the archive helper failed");
  // "code:message" from the helper keeps NotFound apart from the rest.
  absl::StatusCode code = absl::StatusCode::kInternal;
  if (absl::StartsWith(message, "notfound:")) {
    code = absl::StatusCode::kNotFound;
    message = message.substr(9);
  } else if (absl::StartsWith(message, "invalid:")) {
    code = absl::StatusCode::kInvalidArgument;
    message = message.substr(8);
  }
  return absl::Status(code, message);
}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::_Exit(1);
}

// glibc reads its charset conversion table (and would load conversion
// modules) on first use: from inside the root that would be the
// container's files. libarchive converts names between the locale's
// charset and UTF-8 (pax headers); load that conversion from the host's
// files now, before the chroot.
void PreloadCharsetConversions() {
  const char* local = ::nl_langinfo(CODESET);
  for (auto [to, from] : {std::pair{"UTF-8", local}, std::pair{local, "UTF-8"}}) {
    iconv_t conversion = ::iconv_open(to, from);
    if (conversion != reinterpret_cast<iconv_t>(-1)) ::iconv_close(conversion);
  }
}

// Inside the root the helper only creates, reads and owns files: it keeps
// the capabilities for that and nothing else (no chroot to climb out of its
// root, no mounts, no ptrace), in case a hostile tree ever found a way to
// run code in it.
void KeepFileCapabilitiesOnly() {
  cap_value_t keep[] = {CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
                        CAP_FSETID, CAP_MKNOD,        CAP_SETFCAP};
  cap_t caps = ::cap_init();
  int count = static_cast<int>(sizeof(keep) / sizeof(keep[0]));
  bool ok = caps != nullptr && ::cap_set_flag(caps, CAP_EFFECTIVE, count, keep, CAP_SET) == 0 &&
            ::cap_set_flag(caps, CAP_PERMITTED, count, keep, CAP_SET) == 0 &&
            ::cap_set_proc(caps) == 0;
  int error = errno;
  if (caps != nullptr) ::cap_free(caps);
  if (!ok) Die(absl::StrCat("drop capabilities: ", std::strerror(error)));
}

struct DetachedBind {
  UniqueFd tree;
  std::string destination;
};

// Clones each bind's source (outside the root) into a detached mount, in a
// mount namespace of the helper's own: nothing it mounts is seen elsewhere
// or outlives it.
std::vector<DetachedBind> DetachBinds(const std::vector<RootBind>& binds) {
  std::vector<DetachedBind> detached;
  if (binds.empty()) return detached;
  if (::unshare(CLONE_NEWNS) != 0) Die(absl::StrCat("unshare: ", std::strerror(errno)));
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    Die(absl::StrCat("make mounts private: ", std::strerror(errno)));
  }
  for (const RootBind& bind : binds) {
    UniqueFd tree(::open_tree(AT_FDCWD, bind.source.c_str(),
                              OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
    if (!tree.valid()) Die(absl::StrCat("clone mount ", bind.source, ": ", std::strerror(errno)));
    if (bind.read_only) {
      struct mount_attr attr = {};
      attr.attr_set = MOUNT_ATTR_RDONLY;
      if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) != 0) {
        Die(absl::StrCat("make ", bind.source, " read-only: ", std::strerror(errno)));
      }
    }
    detached.push_back({std::move(tree), bind.destination});
  }
  return detached;
}

// Attaches the binds at their mount points, resolved inside the root (the
// chroot is in place: a symlink cannot send a mount outside it).
void AttachBinds(std::vector<DetachedBind>& binds) {
  for (DetachedBind& bind : binds) {
    struct stat st;
    if (::stat(bind.destination.c_str(), &st) != 0) continue;
    if (::move_mount(bind.tree.get(), "", AT_FDCWD, bind.destination.c_str(),
                     MOVE_MOUNT_F_EMPTY_PATH) != 0) {
      Die(absl::StrCat("mount on ", bind.destination, ": ", std::strerror(errno)));
    }
  }
}

void EnterRoot(const char* root, const std::vector<RootBind>& binds) {
  PreloadCharsetConversions();
  std::vector<DetachedBind> detached = DetachBinds(binds);
  if (::chroot(root) != 0) Die(absl::StrCat("chroot ", root, ": ", std::strerror(errno)));
  if (::chdir("/") != 0) Die(absl::StrCat("chdir /: ", std::strerror(errno)));
  AttachBinds(detached);
  KeepFileCapabilitiesOnly();
}

void AddBindArgs(const std::vector<RootBind>& binds, std::vector<std::string>* args) {
  for (const RootBind& bind : binds) {
    args->insert(args->end(), {"--bind", bind.source, bind.destination, bind.read_only ? "ro" : "rw"});
  }
}

void EnterDirectory(const std::string& directory) {
  if (::chdir(directory.c_str()) != 0) {
    int error = errno;
    Die(absl::StrCat(error == ENOENT ? "notfound:" : "invalid:", "cannot enter ", directory, ": ",
                     std::strerror(error)));
  }
}

int HelperTar(const std::string& path, bool strip_dot) {
  auto [directory, base] = SplitDirEntry(path);
  EnterDirectory(directory);
  archive::WriteTreeOptions options;
  options.strip_dot = strip_dot;
  absl::Status status = archive::WriteTree(base, options, [](const char* data, size_t size) {
    return WriteAll(STDOUT_FILENO, std::string_view(data, size), "the archive").ok();
  });
  if (!status.ok()) Die(std::string(status.message()));
  return 0;
}

int HelperStat(const std::string& path) {
  bool follow = absl::EndsWith(path, "/") || absl::EndsWith(path, "/.");
  auto [directory, base] = SplitDirEntry(path);
  std::string resolved = base == "." ? directory : absl::StrCat(directory, "/", base);
  struct stat st;
  if ((follow ? ::stat(resolved.c_str(), &st) : ::lstat(resolved.c_str(), &st)) != 0) {
    int error = errno;
    Die(absl::StrCat(error == ENOENT || error == ENOTDIR ? "notfound:" : "", "stat ", path, ": ",
                     std::strerror(error)));
  }
  if (follow && !S_ISDIR(st.st_mode)) Die(absl::StrCat("invalid:", path, ": not a directory"));
  v1::PathStat stat;
  std::string name = base;
  if (name == ".") {
    name = directory.substr(directory.rfind('/') + 1);
    if (name.empty()) name = "/";
  }
  stat.set_name(name);
  stat.set_size(st.st_size);
  stat.set_mode(st.st_mode);
  stat.mutable_mtime()->set_seconds(st.st_mtim.tv_sec);
  stat.mutable_mtime()->set_nanos(static_cast<int32_t>(st.st_mtim.tv_nsec));
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = ::readlink(resolved.c_str(), target, sizeof(target) - 1);
    if (n > 0) stat.set_link_target(std::string(target, static_cast<size_t>(n)));
  }
  std::string bytes = stat.SerializeAsString();
  return ::write(STDOUT_FILENO, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size())
             ? 0
             : 1;
}

int HelperUntar(const std::string& directory, bool keep_owner, bool no_overwrite) {
  EnterDirectory(directory);
  archive::ExtractOptions options;
  options.ownership = keep_owner ? archive::Ownership::kKeep : archive::Ownership::kRoot;
  options.no_overwrite_dir_non_dir = no_overwrite;
  std::vector<char> buffer(1 << 16);
  auto extracted = archive::ExtractTree(
      [&buffer]() -> absl::StatusOr<std::string_view> {
        for (;;) {
          ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) return absl::ErrnoToStatus(errno, "read the tar");
          return std::string_view(buffer.data(), static_cast<size_t>(n));
        }
      },
      options);
  if (!extracted.ok()) Die(absl::StrCat("invalid:", extracted.status().message()));
  return 0;
}

}  // namespace

std::pair<std::string, std::string> SplitDirEntry(const std::string& path) {
  std::string clean = CleanMountPath(path);  // "/a/b", ".." never above "/"
  bool contents = absl::EndsWith(path, "/.") || path == ".";
  if (contents || clean == "/") return {clean, "."};
  size_t slash = clean.rfind('/');
  return {slash == 0 ? "/" : clean.substr(0, slash), clean.substr(slash + 1)};
}

absl::StatusOr<v1::PathStat> StatInRoot(const std::string& root, const std::string& path,
                                        const std::vector<RootBind>& binds) {
  std::vector<std::string> args = {"stat", root, path};
  AddBindArgs(binds, &args);
  auto helper = Spawn(args, /*helper_reads=*/false);
  if (!helper.ok()) return helper.status();
  std::string bytes;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(helper->data.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  helper->data.Reset();
  if (absl::Status status = Finish(*helper, "stat " + path); !status.ok()) return status;
  v1::PathStat stat;
  if (!stat.ParseFromString(bytes)) return absl::InternalError("stat " + path + ": bad answer");
  return stat;
}

absl::Status TarFromRoot(const TarFromRootOptions& options, const archive::WriteChunk& write) {
  std::vector<std::string> args = {"tar", options.root, options.path};
  if (options.strip_dot) args.push_back("--strip-dot");
  AddBindArgs(options.binds, &args);
  auto helper = Spawn(args, /*helper_reads=*/false);
  if (!helper.ok()) return helper.status();
  std::vector<char> buffer(1 << 20);
  bool reader_gone = false;
  for (;;) {
    ssize_t n = ::read(helper->data.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (!write(buffer.data(), static_cast<size_t>(n))) {
      reader_gone = true;
      ::kill(helper->pid, SIGKILL);
      break;
    }
  }
  helper->data.Reset();
  absl::Status status = Finish(*helper, "tar " + options.path);
  if (reader_gone) return absl::CancelledError("the client went away");
  return status;
}

absl::Status UntarIntoRoot(const UntarIntoRootOptions& options, const archive::ReadChunk& read) {
  std::vector<std::string> args = {"untar", options.root, options.directory};
  if (options.keep_owner) args.push_back("--keep-owner");
  if (options.no_overwrite_dir_non_dir) args.push_back("--no-overwrite-dir-non-dir");
  AddBindArgs(options.binds, &args);
  auto helper = Spawn(args, /*helper_reads=*/true);
  if (!helper.ok()) return helper.status();
  absl::Status read_status;
  for (;;) {
    absl::StatusOr<std::string_view> chunk = read();
    if (!chunk.ok()) {
      read_status = chunk.status();
      ::kill(helper->pid, SIGKILL);
      break;
    }
    if (chunk->empty()) break;
    const char* data = chunk->data();
    size_t size = chunk->size();
    bool helper_gone = false;
    while (size > 0) {
      ssize_t n = ::send(helper->data.get(), data, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // It stopped reading: its exit status says why.
        helper_gone = true;
        break;
      }
      data += n;
      size -= static_cast<size_t>(n);
    }
    if (helper_gone) break;
  }
  ::shutdown(helper->data.get(), SHUT_WR);
  absl::Status status = Finish(*helper, "untar into " + options.directory);
  helper->data.Reset();
  if (!read_status.ok()) return read_status;
  return status;
}

int ArchiveHelperMain(int argc, char** argv) {
  // argv: exe archive-helper tar|untar ROOT PATH [flags]
  if (argc < 5) Die("usage: archive-helper stat|tar|untar ROOT PATH [flags]");
  // Nothing the helper runs may gain privileges (a setuid file in the
  // container is never executed anyway; this makes it certain).
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  std::string mode = argv[2];
  std::vector<std::string> flags;
  std::vector<RootBind> binds;
  for (int i = 5; i < argc; ++i) {
    if (std::strcmp(argv[i], "--bind") == 0 && i + 3 < argc) {
      binds.push_back({argv[i + 1], argv[i + 2], std::strcmp(argv[i + 3], "ro") == 0});
      i += 3;
    } else {
      flags.emplace_back(argv[i]);
    }
  }
  auto has = [&flags](const char* flag) {
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
  };
  EnterRoot(argv[3], binds);
  if (mode == "stat") return HelperStat(argv[4]);
  if (mode == "tar") return HelperTar(argv[4], has("--strip-dot"));
  if (mode == "untar") {
    return HelperUntar(argv[4], has("--keep-owner"), has("--no-overwrite-dir-non-dir"));
  }
  Die("archive-helper: unknown mode " + mode);
}

bool IsArchiveHelperCall(int argc, char** argv) {
  return argc > 1 && std::strcmp(argv[1], kHelperArg) == 0;
}

}  // namespace berth::tasks
