#include "services/common/config/daemon_config.h"

#include <arpa/inet.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace berth::config {
namespace {

using nlohmann::json;

// Every error names where the value came from and the key.
struct Context {
  std::string source;
  std::string key;
  absl::Status Bad(std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": \"", key, "\": ", std::string(what)));
  }
};

const char* TypeName(const json& value) { return value.type_name(); }

absl::Status WantType(const Context& ctx, const json& value, json::value_t type,
                      const char* want) {
  bool ok = value.type() == type ||
            (type == json::value_t::number_integer &&
             value.type() == json::value_t::number_unsigned);
  if (!ok) return ctx.Bad(absl::StrCat("want ", want, ", got ", TypeName(value)));
  return absl::OkStatus();
}

absl::Status GetString(const Context& ctx, const json& value, std::string* out) {
  if (absl::Status s = WantType(ctx, value, json::value_t::string, "a string"); !s.ok()) return s;
  *out = value.get<std::string>();
  return absl::OkStatus();
}

absl::Status GetBool(const Context& ctx, const json& value, bool* out) {
  if (absl::Status s = WantType(ctx, value, json::value_t::boolean, "true or false"); !s.ok()) {
    return s;
  }
  *out = value.get<bool>();
  return absl::OkStatus();
}

absl::Status GetStrings(const Context& ctx, const json& value, std::vector<std::string>* out) {
  if (!value.is_array()) return ctx.Bad(absl::StrCat("want a list of strings, got ", TypeName(value)));
  out->clear();
  for (const json& item : value) {
    if (!item.is_string()) {
      return ctx.Bad(absl::StrCat("want a list of strings, found ", TypeName(item)));
    }
    out->push_back(item.get<std::string>());
  }
  return absl::OkStatus();
}

absl::Status GetStringMap(const Context& ctx, const json& value,
                          std::map<std::string, std::string>* out) {
  if (!value.is_object()) return ctx.Bad(absl::StrCat("want an object, got ", TypeName(value)));
  out->clear();
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      return ctx.Bad(absl::StrCat("\"", key, "\": want a string, got ", TypeName(item)));
    }
    (*out)[key] = item.get<std::string>();
  }
  return absl::OkStatus();
}

absl::Status OneOf(const Context& ctx, const std::string& value,
                   const std::vector<std::string>& allowed) {
  for (const std::string& candidate : allowed) {
    if (value == candidate) return absl::OkStatus();
  }
  return ctx.Bad(absl::StrCat("invalid value \"", value, "\" (want one of ",
                              absl::StrJoin(allowed, ", "), ")"));
}

bool IsIp(const std::string& text) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

bool IsCidr(const std::string& text) {
  size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  std::string ip = text.substr(0, slash);
  int prefix = -1;
  if (!absl::SimpleAtoi(text.substr(slash + 1), &prefix)) return false;
  unsigned char buffer[16];
  if (inet_pton(AF_INET, ip.c_str(), buffer) == 1) return prefix >= 0 && prefix <= 32;
  if (inet_pton(AF_INET6, ip.c_str(), buffer) == 1) return prefix >= 0 && prefix <= 128;
  return false;
}

bool IsHostPort(const std::string& text) {
  if (text.empty() || text.find('/') != std::string::npos ||
      text.find(' ') != std::string::npos) {
    return false;
  }
  size_t colon = text.rfind(':');
  if (colon != std::string::npos && text.find(']') == std::string::npos &&
      text.find(':') == colon) {
    int port = 0;
    return colon > 0 && absl::SimpleAtoi(text.substr(colon + 1), &port) && port > 0 &&
           port < 65536;
  }
  return true;
}

absl::Status CheckAbsolute(const Context& ctx, const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return ctx.Bad(absl::StrCat("must be an absolute path, got \"", path, "\""));
  }
  return absl::OkStatus();
}

const std::set<std::string>& RlimitNames() {
  static const auto* names = new std::set<std::string>{
      "core",   "cpu",  "data",   "fsize",  "locks",  "memlock",    "msgqueue", "nice",
      "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"};
  return *names;
}

using Handler = std::function<absl::Status(const Context&, const json&, DaemonConfig*)>;

const std::map<std::string, Handler>& Handlers() {
  static const auto* handlers = new std::map<std::string, Handler>{
      {"data-root",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetString(c, v, &d->data_root);
         return s.ok() ? CheckAbsolute(c, d->data_root) : s;
       }},
      {"exec-root",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetString(c, v, &d->exec_root);
         return s.ok() ? CheckAbsolute(c, d->exec_root) : s;
       }},
      {"hosts",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetStrings(c, v, &d->hosts);
         if (!s.ok()) return s;
         for (const std::string& host : d->hosts) {
           if (!absl::StartsWith(host, "unix:///") && !absl::StartsWith(host, "tcp://")) {
             return c.Bad(absl::StrCat("invalid host \"", host,
                                       "\" (want unix:///path or tcp://host:port)"));
           }
         }
         return absl::OkStatus();
       }},
      {"tls", [](const Context& c, const json& v, DaemonConfig* d) { return GetBool(c, v, &d->tls); }},
      {"tlsverify",
       [](const Context& c, const json& v, DaemonConfig* d) { return GetBool(c, v, &d->tlsverify); }},
      {"tlscacert",
       [](const Context& c, const json& v, DaemonConfig* d) { return GetString(c, v, &d->tlscacert); }},
      {"tlscert",
       [](const Context& c, const json& v, DaemonConfig* d) { return GetString(c, v, &d->tlscert); }},
      {"tlskey",
       [](const Context& c, const json& v, DaemonConfig* d) { return GetString(c, v, &d->tlskey); }},
      {"metrics-addr",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetString(c, v, &d->metrics_addr);
         if (!s.ok() || d->metrics_addr.empty()) return s;
         size_t colon = d->metrics_addr.rfind(':');
         int port = -1;
         if (colon == std::string::npos ||
             !absl::SimpleAtoi(d->metrics_addr.substr(colon + 1), &port) || port < 0 ||
             port > 65535) {
           return c.Bad(absl::StrCat("invalid address \"", d->metrics_addr,
                                     "\" (want host:port)"));
         }
         return absl::OkStatus();
       }},
      {"log-level",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetString(c, v, &d->log_level);
         return s.ok() ? OneOf(c, d->log_level, {"debug", "info", "warn", "error", "fatal"}) : s;
       }},
      {"debug", [](const Context& c, const json& v, DaemonConfig* d) { return GetBool(c, v, &d->debug); }},
      {"registry-mirrors",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetStrings(c, v, &d->registry_mirrors);
         if (!s.ok()) return s;
         for (const std::string& mirror : d->registry_mirrors) {
           if (!(absl::StartsWith(mirror, "http://") || absl::StartsWith(mirror, "https://")) ||
               mirror.size() <= 8) {
             return c.Bad(absl::StrCat("invalid mirror \"", mirror,
                                       "\" (want an http:// or https:// URL)"));
           }
         }
         return absl::OkStatus();
       }},
      {"insecure-registries",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetStrings(c, v, &d->insecure_registries);
         if (!s.ok()) return s;
         for (const std::string& registry : d->insecure_registries) {
           if (!IsCidr(registry) && !IsHostPort(registry)) {
             return c.Bad(absl::StrCat("invalid registry \"", registry,
                                       "\" (want host[:port] or a CIDR)"));
           }
         }
         return absl::OkStatus();
       }},
      {"storage-driver",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetString(c, v, &d->storage_driver);
         if (!s.ok()) return s;
         if (d->storage_driver == "overlay2") d->storage_driver = "overlayfs";
         if (d->storage_driver == "vfs") d->storage_driver = "native";
         return OneOf(c, d->storage_driver, {"overlayfs", "native", "overlay2", "vfs"});
       }},
      {"log-driver",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetString(c, v, &d->log_driver);
         return s.ok() ? OneOf(c, d->log_driver, {"json-file", "none"}) : s;
       }},
      {"log-opts",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetStringMap(c, v, &d->log_opts);
         if (!s.ok()) return s;
         for (const auto& [key, value] : d->log_opts) {
           if (key == "max-size") {
             auto bytes = ParseByteSize(value);
             if (!bytes.ok() || *bytes <= 0) {
               return c.Bad(absl::StrCat("\"max-size\": invalid size \"", value,
                                         "\" (want e.g. 10m, 1g, 512k)"));
             }
           } else if (key == "max-file") {
             int files = 0;
             if (!absl::SimpleAtoi(value, &files) || files < 1) {
               return c.Bad(absl::StrCat("\"max-file\": invalid value \"", value,
                                         "\" (want a positive integer)"));
             }
           } else if (key != "compress" && key != "labels" && key != "env" && key != "tag") {
             return c.Bad(absl::StrCat("unknown log option \"", key, "\""));
           }
         }
         return absl::OkStatus();
       }},
      {"cgroup-driver",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetString(c, v, &d->cgroup_driver);
         return s.ok() ? OneOf(c, d->cgroup_driver, {"", "cgroupfs", "systemd"}) : s;
       }},
      {"default-ulimits",
       [](const Context& c, const json& v, DaemonConfig* d) {
         if (!v.is_object()) return c.Bad(absl::StrCat("want an object, got ", TypeName(v)));
         d->default_ulimits.clear();
         for (const auto& [name, item] : v.items()) {
           if (RlimitNames().count(name) == 0) {
             return c.Bad(absl::StrCat("\"", name, "\": unknown ulimit name"));
           }
           if (!item.is_object() || !item.contains("Soft") || !item.contains("Hard") ||
               !item["Soft"].is_number_integer() || !item["Hard"].is_number_integer()) {
             return c.Bad(absl::StrCat("\"", name,
                                       "\": want {\"Name\": ..., \"Soft\": N, \"Hard\": N}"));
           }
           Ulimit limit{name, item["Soft"].get<int64_t>(), item["Hard"].get<int64_t>()};
           if (item.contains("Name") && item["Name"] != name) {
             return c.Bad(absl::StrCat("\"", name, "\": Name does not match the key"));
           }
           if (limit.soft > limit.hard) {
             return c.Bad(absl::StrCat("\"", name, "\": soft limit ", limit.soft,
                                       " is above hard limit ", limit.hard));
           }
           d->default_ulimits[name] = limit;
         }
         return absl::OkStatus();
       }},
      {"bip",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetString(c, v, &d->bip);
         if (s.ok() && !d->bip.empty() && !IsCidr(d->bip)) {
           return c.Bad(absl::StrCat("invalid CIDR \"", d->bip, "\" (want e.g. 172.30.0.1/16)"));
         }
         return s;
       }},
      {"default-address-pools",
       [](const Context& c, const json& v, DaemonConfig* d) {
         if (!v.is_array()) return c.Bad(absl::StrCat("want a list, got ", TypeName(v)));
         d->default_address_pools.clear();
         for (const json& item : v) {
           if (!item.is_object() || !item.contains("base") || !item["base"].is_string() ||
               !item.contains("size") || !item["size"].is_number_integer()) {
             return c.Bad("want a list of {\"base\": CIDR, \"size\": prefix length}");
           }
           AddressPool pool{item["base"].get<std::string>(), item["size"].get<int>()};
           if (!IsCidr(pool.base)) {
             return c.Bad(absl::StrCat("invalid base \"", pool.base, "\""));
           }
           int base_prefix = std::stoi(pool.base.substr(pool.base.find('/') + 1));
           if (pool.size < base_prefix || pool.size > 30) {
             return c.Bad(absl::StrCat("size ", pool.size, " does not fit in ", pool.base));
           }
           d->default_address_pools.push_back(pool);
         }
         return absl::OkStatus();
       }},
      {"dns",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetStrings(c, v, &d->dns);
         if (!s.ok()) return s;
         for (const std::string& ip : d->dns) {
           if (!IsIp(ip)) return c.Bad(absl::StrCat("invalid IP address \"", ip, "\""));
         }
         return absl::OkStatus();
       }},
      {"dns-search",
       [](const Context& c, const json& v, DaemonConfig* d) { return GetStrings(c, v, &d->dns_search); }},
      {"userns-remap",
       [](const Context& c, const json& v, DaemonConfig* d) { return GetString(c, v, &d->userns_remap); }},
      {"insecure-tcp",
       [](const Context& c, const json& v, DaemonConfig* d) { return GetBool(c, v, &d->insecure_tcp); }},
      {"audit-log",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetString(c, v, &d->audit_log);
         return s.ok() && !d->audit_log.empty() ? CheckAbsolute(c, d->audit_log) : s;
       }},
      {"authorization-roles",
       [](const Context& c, const json& v, DaemonConfig* d) {
         absl::Status s = GetStringMap(c, v, &d->authorization_roles);
         if (!s.ok()) return s;
         for (const auto& [name, role] : d->authorization_roles) {
           if (role != "admin" && role != "viewer") {
             return c.Bad(absl::StrCat("\"", name, "\": invalid role \"", role,
                                       "\" (want admin or viewer)"));
           }
         }
         return absl::OkStatus();
       }},
  };
  return *handlers;
}

}  // namespace

absl::StatusOr<int64_t> ParseByteSize(std::string_view text) {
  std::string value = absl::AsciiStrToLower(std::string(text));
  if (absl::EndsWith(value, "b")) value.pop_back();
  int64_t multiplier = 1;
  if (!value.empty()) {
    switch (value.back()) {
      case 'k': multiplier = int64_t{1} << 10; break;
      case 'm': multiplier = int64_t{1} << 20; break;
      case 'g': multiplier = int64_t{1} << 30; break;
      case 't': multiplier = int64_t{1} << 40; break;
      default: break;
    }
    if (multiplier != 1) value.pop_back();
  }
  double number = 0;
  if (value.empty() || !absl::SimpleAtod(value, &number) || number < 0) {
    return absl::InvalidArgumentError(absl::StrCat("invalid size: \"", std::string(text), "\""));
  }
  return static_cast<int64_t>(number * static_cast<double>(multiplier));
}

absl::StatusOr<DaemonConfig> ParseDaemonConfig(std::string_view text,
                                               std::string_view source_name) {
  std::string source(source_name);
  json document;
  try {
    document = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": invalid JSON: ", e.what()));
  }
  if (!document.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": want a JSON object"));
  }
  DaemonConfig config;
  for (const auto& [key, value] : document.items()) {
    auto handler = Handlers().find(key);
    if (handler == Handlers().end()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": unknown key \"", key, "\""));
    }
    absl::Status status = handler->second(Context{source, key}, value, &config);
    if (!status.ok()) return status;
    config.keys_set.insert(key);
  }
  return config;
}

absl::StatusOr<DaemonConfig> LoadDaemonConfigFile(const std::string& path, bool must_exist) {
  std::ifstream in(path);
  if (!in) {
    if (!must_exist && errno == ENOENT) return DaemonConfig();
    return absl::NotFoundError(absl::StrCat("cannot read configuration file ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseDaemonConfig(buffer.str(), path);
}

namespace {

json ToJsonObject(const DaemonConfig& c) {
  json ulimits = json::object();
  for (const auto& [name, limit] : c.default_ulimits) {
    ulimits[name] = {{"Name", limit.name}, {"Soft", limit.soft}, {"Hard", limit.hard}};
  }
  json pools = json::array();
  for (const AddressPool& pool : c.default_address_pools) {
    pools.push_back({{"base", pool.base}, {"size", pool.size}});
  }
  return {{"data-root", c.data_root},
          {"exec-root", c.exec_root},
          {"hosts", c.hosts},
          {"tls", c.tls},
          {"tlsverify", c.tlsverify},
          {"tlscacert", c.tlscacert},
          {"tlscert", c.tlscert},
          {"tlskey", c.tlskey},
          {"metrics-addr", c.metrics_addr},
          {"log-level", c.log_level},
          {"debug", c.debug},
          {"registry-mirrors", c.registry_mirrors},
          {"insecure-registries", c.insecure_registries},
          {"storage-driver", c.storage_driver},
          {"log-driver", c.log_driver},
          {"log-opts", c.log_opts},
          {"cgroup-driver", c.cgroup_driver},
          {"default-ulimits", ulimits},
          {"bip", c.bip},
          {"default-address-pools", pools},
          {"dns", c.dns},
          {"dns-search", c.dns_search},
          {"userns-remap", c.userns_remap},
          {"insecure-tcp", c.insecure_tcp},
          {"audit-log", c.audit_log},
          {"authorization-roles", c.authorization_roles}};
}

}  // namespace

std::string ToJson(const DaemonConfig& config) { return ToJsonObject(config).dump(2) + "\n"; }

absl::Status MergeFlags(const DaemonConfig& from_flags, const std::set<std::string>& flags_set,
                        DaemonConfig* config) {
  json flags = ToJsonObject(from_flags);
  json file = ToJsonObject(*config);
  std::vector<std::string> conflicts;
  for (const std::string& key : flags_set) {
    if (config->keys_set.count(key) > 0) {
      conflicts.push_back(absl::StrCat(key, ": (from flag: ", flags[key].dump(),
                                       ", from file: ", file[key].dump(), ")"));
    }
  }
  if (!conflicts.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the following directives are specified both as a flag and in the configuration "
        "file: ",
        absl::StrJoin(conflicts, ", ")));
  }
  for (const std::string& key : flags_set) file[key] = flags[key];
  std::set<std::string> keys = config->keys_set;
  auto merged = ParseDaemonConfig(file.dump(), "flags");
  if (!merged.ok()) return merged.status();
  *config = *std::move(merged);
  keys.insert(flags_set.begin(), flags_set.end());
  config->keys_set = std::move(keys);
  return absl::OkStatus();
}

}  // namespace berth::config
