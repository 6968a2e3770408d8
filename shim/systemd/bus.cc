#include "shim/systemd/bus.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shim/cgroup/systemd_unit.h"

namespace berth::systemd {
namespace {

constexpr char kService[] = "org.freedesktop.systemd1";
constexpr char kPath[] = "/org/freedesktop/systemd1";
constexpr char kManager[] = "org.freedesktop.systemd1.Manager";
constexpr uint64_t kCallTimeoutUs = 30 * 1000000ull;

absl::Status BusError(int r, const std::string& what, const sd_bus_error* error = nullptr) {
  if (error != nullptr && sd_bus_error_is_set(error)) {
    return absl::UnknownError(absl::StrCat(what, ": ", error->message ? error->message : error->name));
  }
  return absl::ErrnoToStatus(-r, what);
}

// Frees an sd-bus message at scope exit.
struct MessageRef {
  sd_bus_message* message = nullptr;
  ~MessageRef() { sd_bus_message_unref(message); }
};

struct ErrorRef {
  sd_bus_error error = SD_BUS_ERROR_NULL;
  ~ErrorRef() { sd_bus_error_free(&error); }
};

enum class Type { kUint64, kBool, kString, kCpuMask, kDeviceAllow };

// The properties berth sets and the D-Bus type of each.
bool PropertyType(const std::string& name, Type* type) {
  static const std::pair<const char*, Type> kTypes[] = {
      {"MemoryLimit", Type::kUint64},       {"MemoryMax", Type::kUint64},
      {"MemorySwapMax", Type::kUint64},     {"CPUShares", Type::kUint64},
      {"CPUWeight", Type::kUint64},         {"CPUQuotaPerSecUSec", Type::kUint64},
      {"CPUQuotaPeriodUSec", Type::kUint64}, {"TasksMax", Type::kUint64},
      {"BlockIOWeight", Type::kUint64},     {"IOWeight", Type::kUint64},
      {"MemoryAccounting", Type::kBool},    {"CPUAccounting", Type::kBool},
      {"TasksAccounting", Type::kBool},     {"BlockIOAccounting", Type::kBool},
      {"IOAccounting", Type::kBool},        {"Delegate", Type::kBool},
      {"DefaultDependencies", Type::kBool}, {"Description", Type::kString},
      {"Slice", Type::kString},             {"AllowedCPUs", Type::kCpuMask},
      {"DevicePolicy", Type::kString},      {"DeviceAllow", Type::kDeviceAllow},
  };
  for (const auto& [known, known_type] : kTypes) {
    if (name == known) {
      *type = known_type;
      return true;
    }
  }
  return false;
}

// Appends one (sv) of an a(sv) from NAME=VALUE.
absl::Status AppendProperty(sd_bus_message* m, const std::string& property) {
  size_t eq = property.find('=');
  if (eq == std::string::npos) return absl::InvalidArgumentError("property without '=': " + property);
  std::string name = property.substr(0, eq), value = property.substr(eq + 1);
  Type type;
  if (!PropertyType(name, &type)) return absl::InvalidArgumentError("unknown unit property " + name);
  int r = 0;
  switch (type) {
    case Type::kUint64: {
      uint64_t number = std::numeric_limits<uint64_t>::max();
      if (value != "infinity" && !absl::SimpleAtoi(value, &number)) {
        return absl::InvalidArgumentError(absl::StrCat("unit property ", name, ": not a number: ", value));
      }
      r = sd_bus_message_append(m, "(sv)", name.c_str(), "t", number);
      break;
    }
    case Type::kBool:
      if (value != "yes" && value != "no") {
        return absl::InvalidArgumentError(absl::StrCat("unit property ", name, ": yes or no, not ", value));
      }
      r = sd_bus_message_append(m, "(sv)", name.c_str(), "b", value == "yes" ? 1 : 0);
      break;
    case Type::kString:
      r = sd_bus_message_append(m, "(sv)", name.c_str(), "s", value.c_str());
      break;
    case Type::kCpuMask: {
      auto mask = cgroup::CpuListMask(value);
      if (!mask.ok()) return mask.status();
      if ((r = sd_bus_message_open_container(m, 'r', "sv")) < 0 ||
          (r = sd_bus_message_append(m, "s", name.c_str())) < 0 ||
          (r = sd_bus_message_open_container(m, 'v', "ay")) < 0 ||
          (r = sd_bus_message_append_array(m, 'y', mask->data(), mask->size())) < 0 ||
          (r = sd_bus_message_close_container(m)) < 0) {
        break;
      }
      r = sd_bus_message_close_container(m);
      break;
    }
    case Type::kDeviceAllow: {
      // "PATH PERMISSIONS": one entry of an a(ss); each property adds one.
      size_t space = value.rfind(' ');
      if (space == std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat("unit property ", name, ": not \"PATH RWM\": ", value));
      }
      std::string path = value.substr(0, space), access = value.substr(space + 1);
      r = sd_bus_message_append(m, "(sv)", name.c_str(), "a(ss)", 1, path.c_str(), access.c_str());
      break;
    }
  }
  if (r < 0) return BusError(r, "unit property " + name);
  return absl::OkStatus();
}

absl::Status AppendProperties(sd_bus_message* m, const std::vector<std::string>& properties) {
  int r = sd_bus_message_open_container(m, 'a', "(sv)");
  if (r < 0) return BusError(r, "unit properties");
  for (const std::string& property : properties) {
    if (absl::Status status = AppendProperty(m, property); !status.ok()) return status;
  }
  r = sd_bus_message_close_container(m);
  if (r < 0) return BusError(r, "unit properties");
  return absl::OkStatus();
}

uint64_t NowUs() {
  timespec now;
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000000 + static_cast<uint64_t>(now.tv_nsec) / 1000;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Manager>> Manager::Connect() {
  sd_bus* bus = nullptr;
  bool direct = ::geteuid() == 0 && ::access("/run/systemd/private", F_OK) == 0;
  int r = 0;
  if (direct) {
    if ((r = sd_bus_new(&bus)) >= 0 &&
        (r = sd_bus_set_address(bus, "unix:path=/run/systemd/private")) >= 0) {
      r = sd_bus_start(bus);
    }
  } else {
    r = sd_bus_open_system(&bus);
  }
  if (r < 0) {
    sd_bus_unref(bus);
    return BusError(r, direct ? "connect to systemd (/run/systemd/private)" : "connect to the system bus");
  }
  std::unique_ptr<Manager> manager(new Manager(bus));
  // Signals of the job's end; matched before any call so none is missed. A
  // direct connection's signals carry no sender.
  r = sd_bus_match_signal(bus, &manager->job_removed_, direct ? nullptr : kService, kPath, kManager,
                          "JobRemoved", &Manager::OnJobRemoved, manager.get());
  if (r < 0) return BusError(r, "match systemd's JobRemoved");
  // Over the system bus systemd sends its signals only to subscribers; to
  // a direct connection, always.
  if (!direct) {
    ErrorRef error;
    r = sd_bus_call_method(bus, kService, kPath, kManager, "Subscribe", &error.error, nullptr, "");
    if (r < 0) return BusError(r, "subscribe to systemd", &error.error);
  }
  return manager;
}

Manager::~Manager() {
  sd_bus_slot_unref(job_removed_);
  sd_bus_flush_close_unref(bus_);
}

int Manager::OnJobRemoved(sd_bus_message* message, void* userdata, sd_bus_error*) {
  auto* self = static_cast<Manager*>(userdata);
  uint32_t id = 0;
  const char *job = nullptr, *unit = nullptr, *result = nullptr;
  if (sd_bus_message_read(message, "uoss", &id, &job, &unit, &result) >= 0) {
    self->removed_jobs_[job] = result;
  }
  return 0;
}

absl::Status Manager::RunJob(sd_bus_message* call, const std::string& what) {
  MessageRef reply;
  ErrorRef error;
  int r = sd_bus_call(bus_, call, kCallTimeoutUs, &error.error, &reply.message);
  if (r < 0) {
    if (sd_bus_error_has_name(&error.error, "org.freedesktop.systemd1.NoSuchUnit") &&
        absl::StartsWith(what, "stop")) {
      return absl::OkStatus();
    }
    return BusError(r, what, &error.error);
  }
  const char* job = nullptr;
  if ((r = sd_bus_message_read(reply.message, "o", &job)) < 0) return BusError(r, what);
  std::string job_path = job;
  uint64_t deadline = NowUs() + kCallTimeoutUs;
  while (removed_jobs_.find(job_path) == removed_jobs_.end()) {
    r = sd_bus_process(bus_, nullptr);
    if (r < 0) return BusError(r, what + ": waiting for systemd");
    if (r > 0) continue;
    uint64_t now = NowUs();
    if (now >= deadline) return absl::DeadlineExceededError(what + ": systemd's job did not finish");
    r = sd_bus_wait(bus_, deadline - now);
    if (r < 0) return BusError(r, what + ": waiting for systemd");
  }
  const std::string& result = removed_jobs_[job_path];
  if (result != "done") return absl::UnknownError(absl::StrCat(what, ": systemd's job ", result));
  return absl::OkStatus();
}

absl::Status Manager::StartScope(const std::string& unit, const std::string& slice, pid_t pid,
                                 const std::vector<std::string>& properties) {
  std::string what = "start " + unit;
  MessageRef call;
  int r = sd_bus_message_new_method_call(bus_, &call.message, kService, kPath, kManager,
                                         "StartTransientUnit");
  if (r < 0) return BusError(r, what);
  // "fail": a scope of that name that is still there is an error, not
  // something to replace.
  if ((r = sd_bus_message_append(call.message, "ss", unit.c_str(), "fail")) < 0) return BusError(r, what);
  std::vector<std::string> all = {
      "Slice=" + slice, "Description=berth container " + unit,
      // The shim writes the cgroup's files (cpuset, swap on v1, exec'd
      // processes) itself.
      "Delegate=yes",
      // Not ordered against shutdown.target and friends: the container's
      // life is berth's business, as runc does.
      "DefaultDependencies=no"};
  all.insert(all.end(), properties.begin(), properties.end());
  r = sd_bus_message_open_container(call.message, 'a', "(sv)");
  if (r < 0) return BusError(r, what);
  for (const std::string& property : all) {
    if (absl::Status status = AppendProperty(call.message, property); !status.ok()) return status;
  }
  if ((r = sd_bus_message_append(call.message, "(sv)", "PIDs", "au", 1, static_cast<uint32_t>(pid))) < 0 ||
      (r = sd_bus_message_close_container(call.message)) < 0 ||
      // No auxiliary units.
      (r = sd_bus_message_append(call.message, "a(sa(sv))", 0)) < 0) {
    return BusError(r, what);
  }
  return RunJob(call.message, what);
}

absl::Status Manager::SetProperties(const std::string& unit, const std::vector<std::string>& properties) {
  std::string what = "set properties of " + unit;
  MessageRef call;
  int r = sd_bus_message_new_method_call(bus_, &call.message, kService, kPath, kManager,
                                         "SetUnitProperties");
  if (r < 0) return BusError(r, what);
  if ((r = sd_bus_message_append(call.message, "sb", unit.c_str(), 1)) < 0) return BusError(r, what);
  if (absl::Status status = AppendProperties(call.message, properties); !status.ok()) return status;
  MessageRef reply;
  ErrorRef error;
  r = sd_bus_call(bus_, call.message, kCallTimeoutUs, &error.error, &reply.message);
  if (r < 0) return BusError(r, what, &error.error);
  return absl::OkStatus();
}

absl::Status Manager::StopUnit(const std::string& unit) {
  std::string what = "stop " + unit;
  MessageRef call;
  int r = sd_bus_message_new_method_call(bus_, &call.message, kService, kPath, kManager, "StopUnit");
  if (r < 0) return BusError(r, what);
  if ((r = sd_bus_message_append(call.message, "ss", unit.c_str(), "replace")) < 0) return BusError(r, what);
  return RunJob(call.message, what);
}

}  // namespace berth::systemd
