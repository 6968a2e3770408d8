// Compiled filters kept on disk, named by everything that shapes them: a
// filter over three architectures takes libseccomp tens of milliseconds
// (x86_64 with x86 and x32, as Docker asks), once per (profile,
// capabilities, kernel, libseccomp) on this host instead of once per
// container and exec.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "shim/container/seccomp_profile.h"

namespace berth::container {
namespace {

constexpr const char* kCacheDir = "/run/berth-seccomp-cache";

// Every field of the profile, and what else the compiled program depends on.
// The file starts with it, so a name collision is a miss, not a mix-up.
std::string Fingerprint(const SeccompProfile& profile, uint64_t capabilities) {
  std::string out;
  struct utsname name {};
  ::uname(&name);
  const scmp_version* version = seccomp_version();
  absl::StrAppend(&out, "v1|", name.release, "|", version->major, ".", version->minor, ".",
                  version->micro, "|", seccomp_arch_native(), "|", capabilities, "|",
                  profile.unconfined, "|", profile.default_action, "|");
  for (uint32_t arch : profile.architectures) absl::StrAppend(&out, arch, ",");
  for (const SeccompArchitecture& entry : profile.arch_map) {
    absl::StrAppend(&out, "|", entry.arch, ":");
    for (uint32_t sub : entry.sub_arches) absl::StrAppend(&out, sub, ",");
  }
  auto condition = [&out](const SeccompCondition& c) {
    absl::StrAppend(&out, "[", c.min_kernel, ";");
    for (int cap : c.caps) absl::StrAppend(&out, cap, ",");
    for (const std::string& arch : c.arches) absl::StrAppend(&out, arch, ",");
    absl::StrAppend(&out, "]");
  };
  for (const SeccompRule& rule : profile.rules) {
    absl::StrAppend(&out, "\n", rule.action, "|");
    for (const std::string& n : rule.names) absl::StrAppend(&out, n, ",");
    for (const SeccompArg& a : rule.args) {
      absl::StrAppend(&out, "(", a.index, ",", static_cast<int>(a.op), ",", a.value, ",",
                      a.value_two, ")");
    }
    condition(rule.includes);
    condition(rule.excludes);
  }
  return out;
}

// FNV-1a: a stable name for the file (a crypto hash costs more to set up
// than the compile it saves).
std::string FileName(const std::string& fingerprint) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : fingerprint) hash = (hash ^ c) * 1099511628211ULL;
  return absl::StrCat(absl::Hex(hash, absl::kZeroPad16), ".bpf");
}

// The file: the fingerprint, a NUL, then the program.
bool ReadCached(const std::string& path, const std::string& fingerprint,
                std::vector<sock_filter>* program) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  size_t header = fingerprint.size() + 1;
  bool ok = ::fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) > header;
  std::string data;
  if (ok) {
    data.resize(static_cast<size_t>(st.st_size));
    ok = ::pread(fd, data.data(), data.size(), 0) == st.st_size;
  }
  ::close(fd);
  size_t body = data.size() - header;
  if (!ok || data.compare(0, header, fingerprint.c_str(), header) != 0 ||
      body % sizeof(sock_filter) != 0) {
    return false;
  }
  program->resize(body / sizeof(sock_filter));
  std::memcpy(program->data(), data.data() + header, body);
  return true;
}

// Best effort: a failure only costs the next container a compile.
void WriteCached(const std::string& path, const std::string& fingerprint,
                 const std::vector<sock_filter>& program) {
  if (::mkdir(kCacheDir, 0700) != 0 && errno != EEXIST) return;
  std::string temp = absl::StrCat(path, ".", ::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  std::string data(fingerprint.c_str(), fingerprint.size() + 1);
  data.append(reinterpret_cast<const char*>(program.data()), program.size() * sizeof(sock_filter));
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) ::unlink(temp.c_str());
}

}  // namespace

absl::StatusOr<std::vector<sock_filter>> CompileSeccompCached(const SeccompProfile& profile,
                                                              uint64_t capabilities) {
  std::string fingerprint = Fingerprint(profile, capabilities);
  std::string path = absl::StrCat(kCacheDir, "/", FileName(fingerprint));
  std::vector<sock_filter> program;
  if (ReadCached(path, fingerprint, &program)) return program;
  auto compiled = CompileSeccomp(profile, capabilities);
  if (compiled.ok() && !compiled->empty()) WriteCached(path, fingerprint, *compiled);
  return compiled;
}

}  // namespace berth::container
