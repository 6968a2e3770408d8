#include "services/common/mount/mount.h"

#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace berth::mount {
namespace {

size_t PageSize() { return static_cast<size_t>(::sysconf(_SC_PAGESIZE)); }

absl::Status BindMount(const berth::types::v1::Mount& m, const std::string& target) {
  bool read_only = false;
  for (const std::string& option : m.options()) read_only |= option == "ro";
  if (::mount(m.source().c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("bind mount ", m.source(), " on ", target));
  }
  if (read_only &&
      ::mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC,
              nullptr) != 0) {
    absl::Status status = absl::ErrnoToStatus(errno, absl::StrCat("remount ", target, " read-only"));
    ::umount2(target.c_str(), MNT_DETACH);
    return status;
  }
  return absl::OkStatus();
}

// The longest directory prefix shared by every path.
std::string CommonParent(const std::vector<std::string>& paths) {
  if (paths.empty()) return "";
  std::string prefix = paths[0].substr(0, paths[0].rfind('/') + 1);
  for (const std::string& path : paths) {
    while (!prefix.empty() && !absl::StartsWith(path, prefix)) {
      prefix.pop_back();
      prefix = prefix.substr(0, prefix.rfind('/') + 1);
    }
  }
  return prefix;
}

absl::Status OverlayMount(const berth::types::v1::Mount& m, const std::string& target) {
  std::vector<std::string> data_options;
  unsigned long flags = 0;
  for (const std::string& option : m.options()) {
    if (option == "ro") {
      flags |= MS_RDONLY;
    } else if (option != "rw") {
      data_options.push_back(option);
    }
  }
  std::string data = absl::StrJoin(data_options, ",");
  if (data.size() < PageSize()) {
    if (::mount("overlay", target.c_str(), "overlay", flags, data.c_str()) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("mount overlay on ", target, " (", data, ")"));
    }
    return absl::OkStatus();
  }
  // Too long for one page: make every layer path relative to the common
  // parent and mount from there. A forked child changes directory so the
  // (multithreaded) caller's working directory is untouched.
  std::vector<std::string> paths;
  for (const std::string& option : data_options) {
    absl::string_view value(option);
    if (absl::ConsumePrefix(&value, "lowerdir=")) {
      for (absl::string_view lower : absl::StrSplit(value, ':')) paths.emplace_back(lower);
    } else if (absl::ConsumePrefix(&value, "upperdir=") ||
               absl::ConsumePrefix(&value, "workdir=")) {
      paths.emplace_back(value);
    }
  }
  std::string parent = CommonParent(paths);
  if (parent.size() <= 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("overlay options for ", target, " are too long and share no parent"));
  }
  std::vector<std::string> relative;
  for (const std::string& option : data_options) {
    absl::string_view value(option);
    std::string key;
    if (absl::ConsumePrefix(&value, "lowerdir=")) {
      std::vector<std::string> lowers;
      for (absl::string_view lower : absl::StrSplit(value, ':')) {
        lowers.emplace_back(lower.substr(parent.size()));
      }
      relative.push_back("lowerdir=" + absl::StrJoin(lowers, ":"));
    } else if (absl::ConsumePrefix(&value, "upperdir=")) {
      relative.push_back(absl::StrCat("upperdir=", value.substr(parent.size())));
    } else if (absl::ConsumePrefix(&value, "workdir=")) {
      relative.push_back(absl::StrCat("workdir=", value.substr(parent.size())));
    } else {
      relative.push_back(option);
    }
  }
  std::string short_data = absl::StrJoin(relative, ",");
  if (short_data.size() >= PageSize()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "overlay options for ", target, " need ", short_data.size(), " bytes even relative to ",
        parent, "; the kernel takes ", PageSize() - 1));
  }
  std::string absolute_target = target;
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(parent.c_str()) != 0) ::_exit(errno);
    if (::mount("overlay", absolute_target.c_str(), "overlay", flags, short_data.c_str()) != 0) {
      ::_exit(errno);
    }
    ::_exit(0);
  }
  if (pid < 0) return absl::ErrnoToStatus(errno, "fork for overlay mount");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    int error = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
    return absl::ErrnoToStatus(error, absl::StrCat("mount overlay on ", target, " from ", parent));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MountAll(const std::vector<berth::types::v1::Mount>& mounts,
                      const std::string& target) {
  for (const auto& m : mounts) {
    std::string where = m.target().empty() ? target : absl::StrCat(target, "/", m.target());
    absl::Status status;
    if (m.type() == "bind") {
      status = BindMount(m, where);
    } else if (m.type() == "overlay") {
      status = OverlayMount(m, where);
    } else {
      status = absl::InvalidArgumentError(absl::StrCat("unsupported mount type \"", m.type(), "\""));
    }
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status Unmount(const std::string& target) {
  if (::umount2(target.c_str(), 0) == 0) return absl::OkStatus();
  if (errno == EBUSY && ::umount2(target.c_str(), MNT_DETACH) == 0) return absl::OkStatus();
  return absl::ErrnoToStatus(errno, absl::StrCat("unmount ", target));
}

ScopedMount& ScopedMount::operator=(ScopedMount&& other) noexcept {
  if (this != &other) {
    (void)Release();
    target_ = std::move(other.target_);
    other.target_.clear();
  }
  return *this;
}

ScopedMount::~ScopedMount() { (void)Release(); }

absl::Status ScopedMount::Release() {
  if (target_.empty()) return absl::OkStatus();
  absl::Status status = Unmount(target_);
  target_.clear();
  return status;
}

}  // namespace berth::mount
