#include "services/tasks/container_devices.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shim/cgroup/devices.h"

namespace berth::tasks {
namespace {

using berth::shim::v1::CreateRequest;

// Go's lower-case errno texts, as docker's messages have them.
std::string ErrnoText(int error) {
  std::string text = std::strerror(error);
  if (!text.empty()) text[0] = absl::ascii_tolower(static_cast<unsigned char>(text[0]));
  return text;
}

void AddRule(CreateRequest* create, char type, int64_t major, int64_t minor, const std::string& access) {
  auto* rule = create->add_device_rules();
  rule->set_type(std::string(1, type));
  rule->set_major(major);
  rule->set_minor(minor);
  rule->set_access(access);
}

// One node, from its stat().
void AddNode(CreateRequest* create, const std::string& host_path, const std::string& container_path,
             const struct stat& st) {
  auto* device = create->add_devices();
  device->set_path(container_path);
  device->set_host_path(host_path);
  device->set_type(S_ISBLK(st.st_mode) ? "b" : "c");
  device->set_major(major(st.st_rdev));
  device->set_minor(minor(st.st_rdev));
  device->set_file_mode(st.st_mode & 07777);
  device->set_uid(st.st_uid);
  device->set_gid(st.st_gid);
}

bool IsDevice(const struct stat& st) { return S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode); }

// Every node under a directory (not following links), as docker's
// --device DIR and runc's host devices for --privileged. `skip` are names
// of directories and nodes that the container has its own of.
void WalkDevices(const std::string& host_dir, const std::string& container_dir,
                 const std::vector<std::string>& skip, CreateRequest* create, bool rules,
                 const std::string& access) {
  DIR* dir = ::opendir(host_dir.c_str());
  if (dir == nullptr) return;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    std::string host_path = host_dir + "/" + name;
    std::string container_path = container_dir + "/" + name;
    struct stat st;
    if (::lstat(host_path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      WalkDevices(host_path, container_path, {}, create, rules, access);
    } else if (IsDevice(st)) {
      AddNode(create, host_path, container_path, st);
      if (rules) AddRule(create, S_ISBLK(st.st_mode) ? 'b' : 'c', major(st.st_rdev), minor(st.st_rdev), access);
    }
  }
  ::closedir(dir);
}

std::string CapabilitiesText(const v1::DeviceRequest& request) {
  return absl::StrCat("[[", absl::StrJoin(request.capabilities(), " "), "]]");
}

bool ValidMode(const std::string& mode) {
  if (mode.empty() || mode.size() > 3) return false;
  std::string seen;
  for (char c : mode) {
    if ((c != 'r' && c != 'w' && c != 'm') || seen.find(c) != std::string::npos) return false;
    seen += c;
  }
  return true;
}

}  // namespace

absl::Status ValidateDevices(const v1::ContainerSpec& spec) {
  for (const std::string& rule : spec.device_cgroup_rules()) {
    if (auto parsed = cgroup::ParseDeviceRule(rule); !parsed.ok()) return parsed.status();
  }
  for (const v1::DeviceMapping& device : spec.devices()) {
    if (!device.cgroup_permissions().empty() && !ValidMode(device.cgroup_permissions())) {
      return absl::InvalidArgumentError(absl::StrCat("invalid device mode: ", device.cgroup_permissions()));
    }
  }
  return absl::OkStatus();
}

absl::Status AddDevices(const v1::ContainerSpec& spec, CreateRequest* create, const std::string& dev) {
  for (const v1::DeviceRequest& request : spec.device_requests()) {
    // No device driver (NVIDIA's container toolkit or another) is known.
    return absl::FailedPreconditionError(absl::StrCat("could not select device driver \"",
                                                      request.driver(), "\" with capabilities: ",
                                                      CapabilitiesText(request)));
  }
  if (spec.privileged()) {
    // Every node of the host but those the container has its own of (its
    // pty instance, shm, mqueue) and the console.
    WalkDevices(dev, "/dev", {"pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev", "console", "ptmx"},
                create, false, "");
    return absl::OkStatus();
  }
  for (const v1::DeviceMapping& device : spec.devices()) {
    const std::string& host = device.path_on_host();
    std::string target = device.path_in_container().empty() ? host : device.path_in_container();
    std::string access = device.cgroup_permissions().empty() ? "rwm" : device.cgroup_permissions();
    auto fail = [&](const std::string& reason) {
      return absl::InvalidArgumentError(absl::StrCat(
          "error gathering device information while adding custom device \"", host, "\": ", reason));
    };
    struct stat st;
    if (::stat(host.c_str(), &st) != 0) return fail(ErrnoText(errno));
    if (S_ISDIR(st.st_mode)) {
      WalkDevices(host, target, {}, create, true, access);
      continue;
    }
    if (!IsDevice(st)) return fail("not a device node");
    AddNode(create, host, target, st);
    AddRule(create, S_ISBLK(st.st_mode) ? 'b' : 'c', major(st.st_rdev), minor(st.st_rdev), access);
  }
  for (const std::string& text : spec.device_cgroup_rules()) {
    auto rule = cgroup::ParseDeviceRule(text);
    if (!rule.ok()) return rule.status();
    AddRule(create, rule->type, rule->major, rule->minor, rule->access);
  }
  return absl::OkStatus();
}

}  // namespace berth::tasks
