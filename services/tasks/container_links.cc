#include "services/tasks/container_links.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace berth::tasks {

absl::StatusOr<Link> ParseLink(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  if (text.empty() || parts.size() > 2 || parts[0].empty() ||
      (parts.size() == 2 && parts[1].empty())) {
    return absl::InvalidArgumentError(absl::StrCat("invalid link format: ", text));
  }
  Link link;
  link.name = std::string(absl::StripPrefix(parts[0], "/"));
  link.alias = parts.size() == 2 ? std::string(absl::StripPrefix(parts[1], "/")) : link.name;
  return link;
}

std::string LinkHostsLine(const Link& link, const v1::Container& linked) {
  std::string names = link.alias;
  std::string hostname = linked.spec().hostname().empty() ? linked.id().substr(0, 12)
                                                          : linked.spec().hostname();
  absl::StrAppend(&names, " ", hostname);
  if (link.alias != linked.name()) absl::StrAppend(&names, " ", linked.name());
  return absl::StrCat(linked.network_settings().ip_address(), "\t", names, "\n");
}

std::vector<std::string> LinkEnv(const Link& link, const std::string& parent_name,
                                 const v1::Container& linked) {
  std::string prefix = absl::AsciiStrToUpper(absl::StrReplaceAll(link.alias, {{"-", "_"}}));
  const std::string& ip = linked.network_settings().ip_address();
  // docker's order: by port number, then protocol.
  std::vector<std::pair<int, std::string>> ports;
  for (const std::string& exposed : linked.spec().exposed_ports()) {
    std::vector<std::string> parts = absl::StrSplit(exposed, '/');
    int number = 0;
    if (!absl::SimpleAtoi(parts[0], &number)) continue;
    ports.emplace_back(number, parts.size() > 1 ? absl::AsciiStrToLower(parts[1]) : "tcp");
  }
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  std::vector<std::string> env;
  if (!ports.empty()) {
    env.push_back(absl::StrCat(prefix, "_PORT=", ports[0].second, "://", ip, ":", ports[0].first));
  }
  for (const auto& [number, protocol] : ports) {
    std::string key = absl::StrCat(prefix, "_PORT_", number, "_", absl::AsciiStrToUpper(protocol));
    env.push_back(absl::StrCat(key, "=", protocol, "://", ip, ":", number));
    env.push_back(absl::StrCat(key, "_ADDR=", ip));
    env.push_back(absl::StrCat(key, "_PORT=", number));
    env.push_back(absl::StrCat(key, "_PROTO=", protocol));
  }
  env.push_back(absl::StrCat(prefix, "_NAME=/", parent_name, "/", link.alias));
  for (const std::string& item : linked.spec().env()) {
    size_t eq = item.find('=');
    if (eq == std::string::npos) continue;
    std::string key = item.substr(0, eq);
    if (key == "HOME" || key == "PATH") continue;
    env.push_back(absl::StrCat(prefix, "_ENV_", key, "=", item.substr(eq + 1)));
  }
  return env;
}

}  // namespace berth::tasks
