#include "services/network/cni.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace berth::network {

using nlohmann::json;

absl::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         const std::vector<std::string>& env,
                                         const std::string& input) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    return absl::ErrnoToStatus(errno, "pipe");
  }
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return absl::ErrnoToStatus(errno, "fork");
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::syscall(SYS_close_range, 3, ~0U, 0);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  // stdin is small (a plugin config): write it all, then read both outputs.
  size_t done = 0;
  while (done < input.size()) {
    ssize_t n = ::write(in[1], input.data() + done, input.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(in[1]);
  ProcessResult result;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  char buffer[8192];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

absl::StatusOr<json> CniRunner::Run(const std::string& command, const json& list,
                                    const json& plugin, const CniRuntime& runtime,
                                    const json& prev_result) const {
  json config = plugin;
  config["name"] = list.value("name", "berth");
  config["cniVersion"] = list.value("cniVersion", "1.0.0");
  if (!prev_result.is_null()) config["prevResult"] = prev_result;
  if (plugin.contains("capabilities") && plugin["capabilities"].value("portMappings", false)) {
    json mappings = json::array();
    for (const CniPort& port : runtime.ports) {
      json mapping = {{"hostPort", port.host_port},
                      {"containerPort", port.container_port},
                      {"protocol", port.protocol}};
      if (!port.host_ip.empty()) mapping["hostIP"] = port.host_ip;
      mappings.push_back(mapping);
    }
    config["runtimeConfig"]["portMappings"] = mappings;
  }
  std::string type = plugin.value("type", "");
  if (type.empty() || type.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("CNI plugin type \"", type, "\" is not valid"));
  }
  std::vector<std::string> env = {
      "CNI_COMMAND=" + command,           "CNI_CONTAINERID=" + runtime.container_id,
      "CNI_NETNS=" + runtime.netns,       "CNI_IFNAME=" + runtime.ifname,
      "CNI_PATH=" + plugin_dir_,
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  auto run = RunProcess({plugin_dir_ + "/" + type}, env, config.dump());
  if (!run.ok()) return run.status();
  if (run->exit_code != 0) {
    // The spec's error: {"code": N, "msg": "...", "details": "..."} on stdout.
    json error = json::parse(run->out, nullptr, false);
    std::string message = run->err.empty() ? run->out : run->err;
    if (!error.is_discarded() && error.is_object() && error.contains("msg")) {
      message = error.value("msg", "");
      if (!error.value("details", "").empty()) message += ": " + error.value("details", "");
    }
    return absl::InternalError(
        absl::StrCat("CNI plugin ", type, " ", command, " failed: ", message));
  }
  if (command != "ADD") return json();
  json result = json::parse(run->out, nullptr, false);
  if (result.is_discarded()) {
    return absl::InternalError(absl::StrCat("CNI plugin ", type, ": result is not JSON"));
  }
  return result;
}

absl::StatusOr<json> CniRunner::Add(const json& conflist, const CniRuntime& runtime) const {
  json result;
  const json& plugins = conflist.value("plugins", json::array());
  for (size_t i = 0; i < plugins.size(); ++i) {
    auto next = Run("ADD", conflist, plugins[i], runtime, result);
    if (!next.ok()) {
      // Undo the ones that succeeded, last first.
      json partial = {{"plugins", json::array()}, {"name", conflist.value("name", "berth")},
                      {"cniVersion", conflist.value("cniVersion", "1.0.0")}};
      for (size_t j = 0; j < i; ++j) partial["plugins"].push_back(plugins[j]);
      Del(partial, runtime, result).IgnoreError();
      return next.status();
    }
    result = *next;
  }
  return result;
}

absl::Status CniRunner::Del(const json& conflist, const CniRuntime& runtime,
                            const json& result) const {
  absl::Status first;
  const json& plugins = conflist.value("plugins", json::array());
  for (size_t i = plugins.size(); i-- > 0;) {
    auto done = Run("DEL", conflist, plugins[i], runtime, result);
    if (!done.ok() && first.ok()) first = done.status();
  }
  return first;
}

}  // namespace berth::network
