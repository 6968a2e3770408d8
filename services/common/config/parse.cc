// ParseDaemonConfig: daemon.json → DaemonConfig, one checker per key.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "services/common/config/daemon_config.h"
#include "services/common/config/values.h"

namespace berth::config {
namespace {

using nlohmann::json;

// Where a value sits: every message starts with the source and the key path,
// e.g. /etc/berth/daemon.json: "default-ulimits": "nofile": ...
class Context {
 public:
  Context(std::string source, std::string path)
      : source_(std::move(source)), path_(std::move(path)) {}

  Context Key(const std::string& name) const {
    return Context(source_, absl::StrCat(path_, ": \"", name, "\""));
  }
  Context Index(size_t index) const {
    return Context(source_, absl::StrCat(path_, "[", index, "]"));
  }

  absl::Status Bad(const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(source_, ": ", path_, ": ", what));
  }
  absl::Status WrongType(const std::string& want, const json& got) const {
    return Bad(absl::StrCat("want ", want, ", got ", Describe(got)));
  }

 private:
  // Scalars show their value: `got string "yes"` says more than `got string`.
  static std::string Describe(const json& value) {
    if (value.is_structured() || value.is_null()) return value.type_name();
    return absl::StrCat(value.type_name(), " ", value.dump());
  }

  std::string source_;
  std::string path_;
};

absl::Status GetString(const Context& c, const json& v, std::string* out) {
  if (!v.is_string()) return c.WrongType("a string", v);
  *out = v.get<std::string>();
  return absl::OkStatus();
}

absl::Status GetBool(const Context& c, const json& v, bool* out) {
  if (!v.is_boolean()) return c.WrongType("true or false", v);
  *out = v.get<bool>();
  return absl::OkStatus();
}

absl::Status GetInt64(const Context& c, const json& v, int64_t* out) {
  if (!v.is_number_integer()) return c.WrongType("an integer", v);
  if (v.is_number_unsigned() &&
      v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return c.Bad(absl::StrCat("integer ", v.dump(), " is too large"));
  }
  *out = v.get<int64_t>();
  return absl::OkStatus();
}

absl::Status GetStrings(const Context& c, const json& v, std::vector<std::string>* out) {
  if (!v.is_array()) return c.WrongType("a list of strings", v);
  out->clear();
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) return c.Index(i).WrongType("a string", v[i]);
    out->push_back(v[i].get<std::string>());
  }
  return absl::OkStatus();
}

absl::Status GetStringMap(const Context& c, const json& v,
                          std::map<std::string, std::string>* out) {
  if (!v.is_object()) return c.WrongType("an object of strings", v);
  out->clear();
  for (const auto& [key, item] : v.items()) {
    if (!item.is_string()) return c.Key(key).WrongType("a string", item);
    (*out)[key] = item.get<std::string>();
  }
  return absl::OkStatus();
}

absl::Status GetStringListMap(const Context& c, const json& v,
                              std::map<std::string, std::vector<std::string>>* out) {
  if (!v.is_object()) return c.WrongType("an object of lists of strings", v);
  out->clear();
  for (const auto& [key, item] : v.items()) {
    if (absl::Status s = GetStrings(c.Key(key), item, &(*out)[key]); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status OneOf(const Context& c, const std::string& value,
                   const std::vector<std::string>& allowed) {
  for (const std::string& candidate : allowed) {
    if (value == candidate) return absl::OkStatus();
  }
  return c.Bad(absl::StrCat("invalid value \"", value, "\" (want one of ",
                            absl::StrJoin(allowed, ", "), ")"));
}

// Checks every element of a list with `valid`, naming the first bad one.
absl::Status EachOf(const Context& c, const std::vector<std::string>& values,
                    const std::function<bool(const std::string&)>& valid, const char* noun,
                    const char* want) {
  for (const std::string& value : values) {
    if (!valid(value)) {
      return c.Bad(absl::StrCat("invalid ", noun, " \"", value, "\" (want ", want, ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status GetAbsolutePath(const Context& c, const json& v, bool allow_empty, std::string* out) {
  if (absl::Status s = GetString(c, v, out); !s.ok()) return s;
  if (out->empty() && allow_empty) return absl::OkStatus();
  if (out->empty() || (*out)[0] != '/') {
    return c.Bad(absl::StrCat("must be an absolute path, got \"", *out, "\""));
  }
  return absl::OkStatus();
}

// host[:port], where an empty host (":2376") means every address.
bool IsBindAddress(std::string_view address) {
  if (!address.empty() && address.front() == ':') {
    return IsHostPort("0.0.0.0" + std::string(address));
  }
  return IsHostPort(address);
}

bool IsHost(const std::string& host) {
  if (absl::StartsWith(host, "unix:///")) return true;
  return absl::StartsWith(host, "tcp://") && IsBindAddress(std::string_view(host).substr(6));
}

// Like IsBindAddress, but the port is required.
bool IsListenAddress(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || address.back() == ']') return false;
  return IsBindAddress(address);
}

absl::Status CheckLogOpts(const Context& c, const std::map<std::string, std::string>& opts) {
  for (const auto& [key, value] : opts) {
    Context opt = c.Key(key);
    if (key == "max-size") {
      absl::StatusOr<int64_t> bytes = ParseByteSize(value);
      if (!bytes.ok() || *bytes <= 0) {
        return opt.Bad(absl::StrCat("invalid size \"", value, "\" (want e.g. 512k, 10m, 1g)"));
      }
    } else if (key == "max-file") {
      bool digits = !value.empty() && value.size() <= 9 &&
                    std::all_of(value.begin(), value.end(), [](char ch) {
                      return absl::ascii_isdigit(static_cast<unsigned char>(ch));
                    });
      if (!digits || std::stoi(value) < 1) {
        return opt.Bad(absl::StrCat("invalid value \"", value, "\" (want a positive integer)"));
      }
    } else if (key == "compress") {
      if (absl::Status s = OneOf(opt, value, {"true", "false"}); !s.ok()) return s;
    } else if (key != "labels" && key != "labels-regex" && key != "env" && key != "env-regex" &&
               key != "tag") {
      return c.Bad(absl::StrCat(
          "unknown log option \"", key,
          "\" (want max-size, max-file, compress, labels, labels-regex, env, env-regex, tag)"));
    }
  }
  return absl::OkStatus();
}

// "nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}. Field names
// match case-insensitively, as Go's encoding/json (so dockerd) does.
absl::Status GetUlimit(const Context& c, const std::string& name, const json& v, Ulimit* out) {
  if (!IsRlimitName(name)) {
    return c.Bad(
        "unknown ulimit name (want core, cpu, data, fsize, locks, memlock, msgqueue, nice, "
        "nofile, nproc, rss, rtprio, rttime, sigpending or stack)");
  }
  if (!v.is_object()) {
    return c.WrongType(
        absl::StrCat("an object like {\"Name\": \"", name, "\", \"Soft\": 1024, \"Hard\": 2048}"),
        v);
  }
  *out = Ulimit{name, 0, 0};
  bool have_soft = false;
  bool have_hard = false;
  for (const auto& [field, value] : v.items()) {
    std::string lower = absl::AsciiStrToLower(field);
    if (lower == "name") {
      if (!value.is_string() || value.get<std::string>() != name) {
        return c.Key(field).Bad(absl::StrCat("want \"", name, "\" (the key), got ", value.dump()));
      }
    } else if (lower == "soft" || lower == "hard") {
      int64_t* limit = lower == "soft" ? &out->soft : &out->hard;
      if (absl::Status s = GetInt64(c.Key(field), value, limit); !s.ok()) return s;
      if (*limit < -1) return c.Key(field).Bad("want a limit ≥ 0, or -1 for unlimited");
      (lower == "soft" ? have_soft : have_hard) = true;
    } else {
      return c.Bad(absl::StrCat("unknown field \"", field, "\" (want Name, Soft, Hard)"));
    }
  }
  if (!have_soft || !have_hard) return c.Bad("want both \"Soft\" and \"Hard\"");
  // -1 (unlimited) is above everything.
  bool soft_above = out->hard != -1 && (out->soft == -1 || out->soft > out->hard);
  if (soft_above) {
    return c.Bad(absl::StrCat("soft limit ", out->soft, " is above hard limit ", out->hard));
  }
  return absl::OkStatus();
}

absl::Status GetUlimits(const Context& c, const json& v, std::map<std::string, Ulimit>* out) {
  if (!v.is_object()) return c.WrongType("an object of ulimits", v);
  out->clear();
  for (const auto& [name, item] : v.items()) {
    if (absl::Status s = GetUlimit(c.Key(name), name, item, &(*out)[name]); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// max-concurrent-downloads/uploads: dockerd refuses a negative value with
// "invalid max concurrent downloads: -1" and reads 0 as its default.
absl::Status GetConcurrency(const Context& c, const json& v, const char* what, int fallback,
                            int* out) {
  int64_t value = 0;
  if (absl::Status s = GetInt64(c, v, &value); !s.ok()) return s;
  if (value < 0) return c.Bad(absl::StrCat("invalid max concurrent ", what, ": ", value));
  // Threads are per layer, so a huge limit costs nothing; keep it an int.
  *out = value == 0 ? fallback : static_cast<int>(std::min<int64_t>(value, 1 << 20));
  return absl::OkStatus();
}

absl::Status GetAddressPools(const Context& c, const json& v, std::vector<AddressPool>* out) {
  if (!v.is_array()) return c.WrongType("a list of {\"base\": CIDR, \"size\": prefix length}", v);
  out->clear();
  for (size_t i = 0; i < v.size(); ++i) {
    Context entry = c.Index(i);
    const json& item = v[i];
    if (!item.is_object())
      return entry.WrongType("{\"base\": CIDR, \"size\": prefix length}", item);
    AddressPool pool;
    std::optional<Cidr> base;
    int64_t size = -1;
    for (const auto& [field, value] : item.items()) {
      std::string lower = absl::AsciiStrToLower(field);
      if (lower == "base") {
        if (absl::Status s = GetString(entry.Key(field), value, &pool.base); !s.ok()) return s;
        base = ParseCidr(pool.base);
        if (!base) return entry.Key(field).Bad(absl::StrCat("invalid CIDR \"", pool.base, "\""));
      } else if (lower == "size") {
        if (absl::Status s = GetInt64(entry.Key(field), value, &size); !s.ok()) return s;
      } else {
        return entry.Bad(absl::StrCat("unknown field \"", field, "\" (want base, size)"));
      }
    }
    if (!base || size < 0) return entry.Bad("want both \"base\" and \"size\"");
    // Each network needs room for its gateway and at least one container.
    int max = base->ipv6 ? 126 : 30;
    if (size < base->prefix || size > max) {
      return entry.Bad(absl::StrCat("size ", size, " does not fit in ", pool.base, " (want ",
                                    base->prefix, " to ", max, ")"));
    }
    pool.size = static_cast<int>(size);
    out->push_back(pool);
  }
  return absl::OkStatus();
}

using Handler = std::function<absl::Status(const Context&, const json&, DaemonConfig*)>;

const std::map<std::string, Handler>& Handlers() {
  using C = const Context&;
  using J = const json&;
  using D = DaemonConfig*;
  static const auto* handlers = new std::map<std::string, Handler>{
      {"data-root", [](C c, J v, D d) { return GetAbsolutePath(c, v, false, &d->data_root); }},
      {"exec-root", [](C c, J v, D d) { return GetAbsolutePath(c, v, false, &d->exec_root); }},
      {"hosts",
       [](C c, J v, D d) {
         absl::Status s = GetStrings(c, v, &d->hosts);
         return s.ok() ? EachOf(c, d->hosts, IsHost, "host", "unix:///path or tcp://host[:port]")
                       : s;
       }},
      {"tls", [](C c, J v, D d) { return GetBool(c, v, &d->tls); }},
      {"tlsverify", [](C c, J v, D d) { return GetBool(c, v, &d->tlsverify); }},
      {"tlscacert", [](C c, J v, D d) { return GetString(c, v, &d->tlscacert); }},
      {"tlscert", [](C c, J v, D d) { return GetString(c, v, &d->tlscert); }},
      {"tlskey", [](C c, J v, D d) { return GetString(c, v, &d->tlskey); }},
      {"metrics-addr",
       [](C c, J v, D d) {
         absl::Status s = GetString(c, v, &d->metrics_addr);
         if (!s.ok() || d->metrics_addr.empty()) return s;
         return IsListenAddress(d->metrics_addr)
                    ? absl::OkStatus()
                    : c.Bad(absl::StrCat("invalid address \"", d->metrics_addr,
                                         "\" (want host:port, or empty to turn metrics off)"));
       }},
      {"log-level",
       [](C c, J v, D d) {
         absl::Status s = GetString(c, v, &d->log_level);
         return s.ok() ? OneOf(c, d->log_level, {"debug", "info", "warn", "error", "fatal"}) : s;
       }},
      {"debug", [](C c, J v, D d) { return GetBool(c, v, &d->debug); }},
      {"labels",
       [](C c, J v, D d) {
         absl::Status s = GetStrings(c, v, &d->labels);
         auto valid = [](const std::string& label) {
           size_t eq = label.find('=');
           return eq != std::string::npos && eq > 0;
         };
         return s.ok() ? EachOf(c, d->labels, valid, "label", "key=value") : s;
       }},
      {"registry-mirrors",
       [](C c, J v, D d) {
         absl::Status s = GetStrings(c, v, &d->registry_mirrors);
         return s.ok() ? EachOf(c, d->registry_mirrors, IsHttpUrl, "mirror",
                                "an http:// or https:// URL without credentials, query or "
                                "fragment")
                       : s;
       }},
      {"registry-endpoints",
       [](C c, J v, D d) {
         absl::Status s = GetStringListMap(c, v, &d->registry_endpoints);
         if (!s.ok()) return s;
         for (const auto& [host, endpoints] : d->registry_endpoints) {
           if (!IsHostPort(host)) {
             return c.Key(host).Bad(absl::StrCat("invalid registry \"", host, "\" (want host[:port])"));
           }
           if (endpoints.empty()) return c.Key(host).Bad("no endpoints");
           s = EachOf(c.Key(host), endpoints, IsHttpUrl, "endpoint",
                      "an http:// or https:// URL without credentials, query or fragment");
           if (!s.ok()) return s;
         }
         return absl::OkStatus();
       }},
      {"insecure-registries",
       [](C c, J v, D d) {
         absl::Status s = GetStrings(c, v, &d->insecure_registries);
         auto valid = [](const std::string& r) { return ParseCidr(r) || IsHostPort(r); };
         return s.ok() ? EachOf(c, d->insecure_registries, valid, "registry",
                                "host[:port] or a CIDR, no scheme")
                       : s;
       }},
      {"storage-driver",
       [](C c, J v, D d) {
         absl::Status s = GetString(c, v, &d->storage_driver);
         if (s.ok()) s = OneOf(c, d->storage_driver, {"overlayfs", "native", "overlay2", "vfs"});
         // Docker's names for the same drivers, so docker's daemon.json works.
         if (d->storage_driver == "overlay2") d->storage_driver = "overlayfs";
         if (d->storage_driver == "vfs") d->storage_driver = "native";
         return s;
       }},
      {"max-layer-bytes",
       [](C c, J v, D d) {
         absl::Status s = GetInt64(c, v, &d->max_layer_bytes);
         return s.ok() && d->max_layer_bytes <= 0 ? c.Bad("must be positive") : s;
       }},
      {"max-layer-entries",
       [](C c, J v, D d) {
         absl::Status s = GetInt64(c, v, &d->max_layer_entries);
         return s.ok() && d->max_layer_entries <= 0 ? c.Bad("must be positive") : s;
       }},
      {"log-driver",
       [](C c, J v, D d) {
         absl::Status s = GetString(c, v, &d->log_driver);
         return s.ok() ? OneOf(c, d->log_driver, {"json-file", "none"}) : s;
       }},
      {"log-opts",
       [](C c, J v, D d) {
         // Checked as json-file's even under "none", so switching drivers
         // cannot surface a latent typo.
         absl::Status s = GetStringMap(c, v, &d->log_opts);
         return s.ok() ? CheckLogOpts(c, d->log_opts) : s;
       }},
      {"cgroup-driver",
       [](C c, J v, D d) {
         absl::Status s = GetString(c, v, &d->cgroup_driver);
         if (!s.ok() || d->cgroup_driver.empty()) return s;  // Empty: detect.
         return OneOf(c, d->cgroup_driver, {"cgroupfs", "systemd"});
       }},
      {"cgroup-parent", [](C c, J v, D d) { return GetString(c, v, &d->cgroup_parent); }},
      {"default-ulimits", [](C c, J v, D d) { return GetUlimits(c, v, &d->default_ulimits); }},
      {"max-concurrent-downloads",
       [](C c, J v, D d) {
         return GetConcurrency(c, v, "downloads", 3, &d->max_concurrent_downloads);
       }},
      {"max-concurrent-uploads",
       [](C c, J v, D d) {
         return GetConcurrency(c, v, "uploads", 5, &d->max_concurrent_uploads);
       }},
      {"shutdown-timeout",
       [](C c, J v, D d) {
         int64_t seconds = 0;
         absl::Status s = GetInt64(c, v, &seconds);
         if (!s.ok()) return s;
         // Any negative value waits for ever (dockerd's -1).
         d->shutdown_timeout = static_cast<int>(std::clamp<int64_t>(seconds, -1, 1 << 30));
         return absl::OkStatus();
       }},
      {"live-restore", [](C c, J v, D d) { return GetBool(c, v, &d->live_restore); }},
      {"bip",
       [](C c, J v, D d) {
         absl::Status s = GetString(c, v, &d->bip);
         if (!s.ok() || d->bip.empty()) return s;
         std::optional<Cidr> cidr = ParseCidr(d->bip);
         if (!cidr || cidr->ipv6 || cidr->prefix > 30) {
           return c.Bad(absl::StrCat("invalid CIDR \"", d->bip,
                                     "\" (want the bridge's IPv4 address and a prefix of at most "
                                     "30, e.g. 172.30.0.1/16)"));
         }
         return absl::OkStatus();
       }},
      {"default-address-pools",
       [](C c, J v, D d) { return GetAddressPools(c, v, &d->default_address_pools); }},
      {"dns",
       [](C c, J v, D d) {
         absl::Status s = GetStrings(c, v, &d->dns);
         return s.ok() ? EachOf(c, d->dns, IsIpAddress, "IP address", "an IPv4 or IPv6 address")
                       : s;
       }},
      {"host-gateway-ip",
       [](C c, J v, D d) {
         absl::Status s = GetString(c, v, &d->host_gateway_ip);
         if (!s.ok() || d->host_gateway_ip.empty() || IsIpAddress(d->host_gateway_ip)) return s;
         return c.Bad(absl::StrCat("invalid IP address \"", d->host_gateway_ip, "\""));
       }},
      {"dns-search",
       [](C c, J v, D d) {
         absl::Status s = GetStrings(c, v, &d->dns_search);
         // "." means no search domain, as in docker.
         auto valid = [](const std::string& domain) {
           return domain == "." || IsDomainName(domain);
         };
         return s.ok() ? EachOf(c, d->dns_search, valid, "domain", "a DNS name") : s;
       }},
      {"userns-remap", [](C c, J v, D d) { return GetString(c, v, &d->userns_remap); }},
      {"insecure-tcp", [](C c, J v, D d) { return GetBool(c, v, &d->insecure_tcp); }},
      {"audit-log", [](C c, J v, D d) { return GetAbsolutePath(c, v, true, &d->audit_log); }},
      {"docker-socket",
       [](C c, J v, D d) { return GetAbsolutePath(c, v, true, &d->docker_socket); }},
      {"cri-socket",
       [](C c, J v, D d) { return GetAbsolutePath(c, v, true, &d->cri_socket); }},
      {"cri-stream-address",
       [](C c, J v, D d) {
         absl::Status s = GetString(c, v, &d->cri_stream_address);
         if (!s.ok() || d->cri_stream_address.empty()) return s;
         // Port 0 asks for a free one, as containerd's stream_server_port.
         std::string address = d->cri_stream_address;
         if (absl::EndsWith(address, ":0")) address.back() = '1';
         return IsListenAddress(address)
                    ? absl::OkStatus()
                    : c.Bad(absl::StrCat("invalid address \"", d->cri_stream_address,
                                         "\" (want host:port, or empty to turn streaming off)"));
       }},
      {"docker-hosts",
       [](C c, J v, D d) {
         absl::Status s = GetStrings(c, v, &d->docker_hosts);
         // The port is required: berthd's gRPC may hold dockerd's 2376.
         auto valid = [](const std::string& host) {
           return absl::StartsWith(host, "unix:///") ||
                  (absl::StartsWith(host, "tcp://") && IsListenAddress(host.substr(6)));
         };
         return s.ok() ? EachOf(c, d->docker_hosts, valid, "host",
                                "unix:///path or tcp://host:port")
                       : s;
       }},
      {"authorization-roles",
       [](C c, J v, D d) {
         absl::Status s = GetStringMap(c, v, &d->authorization_roles);
         if (!s.ok()) return s;
         for (const auto& [name, role] : d->authorization_roles) {
           if (name.empty()) return c.Bad("empty certificate name");
           if (role != "admin" && role != "viewer") {
             return c.Key(name).Bad(
                 absl::StrCat("invalid role \"", role, "\" (want admin or viewer)"));
           }
         }
         return absl::OkStatus();
       }},
  };
  return *handlers;
}

// Parses JSON, refusing duplicate keys at any depth: Go (so dockerd) and
// nlohmann silently keep the last one, which hides an edit that had no effect.
absl::StatusOr<json> ParseJson(std::string_view text, const std::string& source) {
  struct Frame {
    std::string path;  // Key path of this object or array, as in messages.
    bool is_array;
    std::set<std::string> keys;
  };
  std::vector<Frame> stack;
  std::string last_key;
  std::string duplicate;
  json::parser_callback_t callback = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start: {
        std::string path;
        if (!stack.empty()) {
          const Frame& parent = stack.back();
          path = parent.is_array ? parent.path : absl::StrCat(parent.path, "\"", last_key, "\": ");
        }
        stack.push_back(Frame{path, event == json::parse_event_t::array_start, {}});
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!stack.empty()) stack.pop_back();
        break;
      case json::parse_event_t::key:
        last_key = parsed.get<std::string>();
        if (!stack.empty() && !stack.back().keys.insert(last_key).second && duplicate.empty()) {
          duplicate = absl::StrCat(stack.back().path, "duplicate key \"", last_key, "\"");
        }
        break;
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  json document;
  try {
    document = json::parse(text.begin(), text.end(), callback);
  } catch (const json::parse_error& e) {
    // e.what() names line and column: "parse error at line 2, column 14: ...".
    return absl::InvalidArgumentError(absl::StrCat(source, ": invalid JSON: ", e.what()));
  }
  if (!duplicate.empty()) return absl::InvalidArgumentError(absl::StrCat(source, ": ", duplicate));
  return document;
}

}  // namespace

absl::StatusOr<DaemonConfig> ParseDaemonConfig(std::string_view text,
                                               std::string_view source_name) {
  std::string source(source_name);
  absl::StatusOr<json> document = ParseJson(text, source);
  if (!document.ok()) return document.status();
  if (!document->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": want a JSON object, got ", document->type_name()));
  }
  DaemonConfig config;
  for (const auto& [key, value] : document->items()) {
    auto handler = Handlers().find(key);
    if (handler == Handlers().end()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": unknown key \"", key, "\""));
    }
    Context context(source, absl::StrCat("\"", key, "\""));
    if (absl::Status status = handler->second(context, value, &config); !status.ok()) {
      return status;
    }
    config.keys_set.insert(key);
  }
  return config;
}

}  // namespace berth::config
