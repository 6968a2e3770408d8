#include "services/docker/build_options.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/docker/routes.h"

namespace berth::docker {
namespace {

using berth::builder::v1::BuildOptions;
using nlohmann::json;

// Each JSON parameter may be null (docker 20.10 sends ulimits=null), as
// Go's json.Unmarshal reads into an empty value.

// dockerd's httputils.Int64ValueOrZero: what does not parse is 0.
int64_t Int64OrZero(const http::HttpRequest& request, const std::string& key) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(request.Query(key), &value)) return 0;
  return value;
}

std::vector<std::string> AllValues(const http::HttpRequest& request, const std::string& key) {
  std::vector<std::string> values;
  auto [begin, end] = request.query.equal_range(key);
  for (auto it = begin; it != end; ++it) values.push_back(it->second);
  return values;
}

absl::Status Unreadable(const std::string& what, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("error reading ", what, ": ", why));
}

// buildargs={"FOO":"bar","UNSET":null}: a null is `--build-arg UNSET` with
// no such variable in the client's environment; it sets nothing.
absl::Status ReadBuildArgs(const std::string& text, BuildOptions* options) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_null()) return absl::OkStatus();
  if (!parsed.is_object()) return Unreadable("build args", "not a JSON object");
  for (const auto& [key, value] : parsed.items()) {
    if (value.is_null()) continue;
    if (!value.is_string()) return Unreadable("build args", absl::StrCat(key, " is not a string"));
    (*options->mutable_build_args())[key] = value.get<std::string>();
  }
  return absl::OkStatus();
}

absl::Status ReadLabels(const std::string& text, BuildOptions* options) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_null()) return absl::OkStatus();
  if (!parsed.is_object()) return Unreadable("labels", "not a JSON object");
  for (const auto& [key, value] : parsed.items()) {
    if (!value.is_string()) return Unreadable("labels", absl::StrCat(key, " is not a string"));
    (*options->mutable_labels())[key] = value.get<std::string>();
  }
  return absl::OkStatus();
}

absl::Status ReadCacheFrom(const std::string& text, BuildOptions* options) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_null()) return absl::OkStatus();
  if (!parsed.is_array()) return Unreadable("cache-from", "not a JSON array");
  for (const json& value : parsed) {
    if (!value.is_string()) return Unreadable("cache-from", "an entry is not a string");
    options->add_cache_from(value.get<std::string>());
  }
  return absl::OkStatus();
}

// ulimits=[{"Name":"nofile","Hard":2048,"Soft":1024}] (go-units' Ulimit).
absl::Status ReadUlimits(const std::string& text, BuildOptions* options) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_null()) return absl::OkStatus();
  if (!parsed.is_array()) return Unreadable("ulimit settings", "not a JSON array");
  for (const json& value : parsed) {
    if (!value.is_object() || !value.contains("Name") || !value["Name"].is_string()) {
      return Unreadable("ulimit settings", "an entry has no Name");
    }
    berth::builder::v1::Ulimit* ulimit = options->add_ulimits();
    ulimit->set_name(value["Name"].get<std::string>());
    for (const char* field : {"Soft", "Hard"}) {
      if (!value.contains(field)) continue;
      if (!value[field].is_number_integer()) {
        return Unreadable("ulimit settings", absl::StrCat(field, " of ", ulimit->name(), " is not a number"));
      }
      int64_t limit = value[field].get<int64_t>();
      if (field[0] == 'S') {
        ulimit->set_soft(limit);
      } else {
        ulimit->set_hard(limit);
      }
    }
  }
  return absl::OkStatus();
}

// X-Registry-Config: base64url JSON of {registry: AuthConfig}. dockerd
// ignores a header it cannot read (the pull then goes without
// credentials), and so does this.
void ReadRegistryConfig(const http::HttpRequest& request, BuildOptions* options) {
  std::string encoded = request.Header("X-Registry-Config");
  if (encoded.empty()) return;
  std::string decoded;
  if (!absl::WebSafeBase64Unescape(encoded, &decoded) && !absl::Base64Unescape(encoded, &decoded)) {
    return;
  }
  json parsed = json::parse(decoded, nullptr, false);
  if (!parsed.is_object()) return;
  for (const auto& [registry, auth] : parsed.items()) {
    if (auth.is_object()) RegistryAuthFromJson(auth, &(*options->mutable_registry_auth())[registry]);
  }
}

}  // namespace

absl::StatusOr<BuildOptions> BuildOptionsFromRequest(const http::HttpRequest& request) {
  if (std::string remote = request.Query("remote"); !remote.empty()) {
    return absl::UnimplementedError(absl::StrCat(
        "remote build contexts are not supported by berth (remote=", remote,
        "): send the context as a tar, e.g. clone or download it and run docker build on the directory"));
  }
  if (std::string version = request.Query("version"); !version.empty() && version != "1") {
    return absl::UnimplementedError(absl::StrCat(
        "builder version ", version,
        " (BuildKit) is not supported by berth: build with DOCKER_BUILDKIT=0 (the classic builder)"));
  }
  if (!AllValues(request, "securityopt").empty()) {
    return absl::InvalidArgumentError(
        "The daemon on this platform does not support setting security options on build");
  }
  if (request.QueryBool("squash")) {
    return absl::InvalidArgumentError("squash is only supported with experimental mode");
  }
  if (std::string isolation = request.Query("isolation");
      !isolation.empty() && isolation != "default") {
    return absl::InvalidArgumentError(absl::StrCat("unsupported isolation: \"", isolation, "\""));
  }
  if (std::string outputs = request.Query("outputs"); !outputs.empty() && outputs != "[]") {
    return absl::UnimplementedError("build outputs are BuildKit's: not supported by berth's classic builder");
  }

  BuildOptions options;
  for (const std::string& tag : AllValues(request, "t")) options.add_tags(tag);
  options.set_dockerfile(request.Query("dockerfile"));
  options.set_target(request.Query("target"));
  options.set_no_cache(request.QueryBool("nocache"));
  options.set_pull(request.QueryBool("pull"));
  options.set_quiet(request.QueryBool("q"));
  // rm is on unless the client says rm=0; forcerm implies it.
  bool force_remove = request.QueryBool("forcerm");
  bool remove = force_remove || request.Query("rm").empty() || request.QueryBool("rm");
  options.set_keep_intermediate(!remove);
  options.set_force_remove(force_remove);
  options.set_network_mode(request.Query("networkmode"));
  for (const std::string& host : AllValues(request, "extrahosts")) options.add_extra_hosts(host);
  if (std::string shm = request.Query("shmsize"); !shm.empty()) {
    int64_t size = 0;
    if (!absl::SimpleAtoi(shm, &size)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid shmsize: \"", shm, "\" is not a number"));
    }
    options.set_shm_size(size);
  }
  options.set_memory(Int64OrZero(request, "memory"));
  options.set_memory_swap(Int64OrZero(request, "memswap"));
  options.set_cpu_shares(Int64OrZero(request, "cpushares"));
  options.set_cpu_period(Int64OrZero(request, "cpuperiod"));
  options.set_cpu_quota(Int64OrZero(request, "cpuquota"));
  options.set_cpuset_cpus(request.Query("cpusetcpus"));
  options.set_cpuset_mems(request.Query("cpusetmems"));
  options.set_platform(request.Query("platform"));
  if (std::string text = request.Query("ulimits"); !text.empty()) {
    if (absl::Status read = ReadUlimits(text, &options); !read.ok()) return read;
  }
  if (std::string text = request.Query("buildargs"); !text.empty()) {
    if (absl::Status read = ReadBuildArgs(text, &options); !read.ok()) return read;
  }
  if (std::string text = request.Query("labels"); !text.empty()) {
    if (absl::Status read = ReadLabels(text, &options); !read.ok()) return read;
  }
  if (std::string text = request.Query("cachefrom"); !text.empty()) {
    if (absl::Status read = ReadCacheFrom(text, &options); !read.ok()) return read;
  }
  ReadRegistryConfig(request, &options);
  return options;
}

}  // namespace berth::docker
