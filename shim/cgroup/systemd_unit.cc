#include "shim/cgroup/systemd_unit.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace berth::cgroup {
namespace {

bool IsUnitNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '_' || c == '.' ||
         c == '\\' || c == '-';
}

// Processor limits in systemd's units; rounding as runc's (see below).
void AppendCpuQuota(const Resources& r, std::vector<std::string>* out) {
  if (r.cpu_quota_us <= 0) return;
  uint64_t period = r.cpu_period_us ? r.cpu_period_us : 100000;
  uint64_t per_second = static_cast<uint64_t>(r.cpu_quota_us) * 1000000 / period;
  // systemd keeps the quota as a whole percentage of a CPU: round up to the
  // next 10 ms per second so the kernel's quota is never below the one asked
  // for (the shim then writes the exact value into the cgroup).
  if (per_second % 10000 != 0) per_second = (per_second / 10000 + 1) * 10000;
  out->push_back(absl::StrCat("CPUQuotaPerSecUSec=", per_second));
  out->push_back(absl::StrCat("CPUQuotaPeriodUSec=", period));
}

}  // namespace

bool IsSliceName(absl::string_view name) {
  if (name == "-.slice") return true;
  if (!absl::ConsumeSuffix(&name, ".slice") || name.empty()) return false;
  for (absl::string_view part : absl::StrSplit(name, '-')) {
    if (part.empty()) return false;
    for (char c : part) {
      if (!IsUnitNameChar(c)) return false;
    }
  }
  return true;
}

absl::StatusOr<std::string> SlicePath(absl::string_view slice) {
  if (!IsSliceName(slice)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cgroup-parent for systemd cgroup should be a valid slice named as \"xxx.slice\", not \"",
        slice, "\""));
  }
  if (slice == "-.slice") return std::string();
  absl::string_view name = absl::StripSuffix(slice, ".slice");
  std::string path, prefix;
  for (absl::string_view part : absl::StrSplit(name, '-')) {
    absl::StrAppend(&prefix, prefix.empty() ? "" : "-", part);
    absl::StrAppend(&path, path.empty() ? "" : "/", prefix, ".slice");
  }
  return path;
}

std::string ScopeUnitName(absl::string_view container_id) {
  return absl::StrCat("berth-", container_id, ".scope");
}

std::vector<std::string> ResourceProperties(const Resources& r, Version version) {
  std::vector<std::string> out = {"MemoryAccounting=yes", "CPUAccounting=yes",
                                  "TasksAccounting=yes"};
  if (version == Version::kV2) {
    out.push_back("IOAccounting=yes");
    if (r.memory_bytes > 0) out.push_back(absl::StrCat("MemoryMax=", r.memory_bytes));
    if (r.memory_swap_bytes == -1) {
      out.push_back("MemorySwapMax=infinity");
    } else if (r.memory_swap_bytes > 0 && r.memory_bytes > 0) {
      out.push_back(absl::StrCat("MemorySwapMax=", r.memory_swap_bytes - r.memory_bytes));
    }
    if (r.cpu_shares > 0) out.push_back(absl::StrCat("CPUWeight=", SharesToWeight(r.cpu_shares)));
    if (!r.cpuset_cpus.empty()) out.push_back(absl::StrCat("AllowedCPUs=", r.cpuset_cpus));
    if (r.blkio_weight > 0) out.push_back(absl::StrCat("IOWeight=", BlkioToIoWeight(r.blkio_weight)));
  } else {
    // v1 has no swap or cpuset property: the shim writes those files.
    out.push_back("BlockIOAccounting=yes");
    if (r.memory_bytes > 0) out.push_back(absl::StrCat("MemoryLimit=", r.memory_bytes));
    if (r.cpu_shares > 0) out.push_back(absl::StrCat("CPUShares=", r.cpu_shares));
    if (r.blkio_weight > 0) out.push_back(absl::StrCat("BlockIOWeight=", r.blkio_weight));
  }
  AppendCpuQuota(r, &out);
  if (r.pids_limit > 0) out.push_back(absl::StrCat("TasksMax=", r.pids_limit));
  return out;
}

absl::StatusOr<std::vector<uint8_t>> CpuListMask(absl::string_view cpus) {
  std::vector<uint8_t> mask;
  auto bad = [&] { return absl::InvalidArgumentError(absl::StrCat("invalid cpu list \"", cpus, "\"")); };
  for (absl::string_view item : absl::StrSplit(cpus, ',')) {
    item = absl::StripAsciiWhitespace(item);
    std::pair<absl::string_view, absl::string_view> range = absl::StrSplit(item, absl::MaxSplits('-', 1));
    unsigned first = 0, last = 0;
    if (!absl::SimpleAtoi(range.first, &first)) return bad();
    last = first;
    if (absl::StrContains(item, '-') && !absl::SimpleAtoi(range.second, &last)) return bad();
    if (last < first || last >= 8192) return bad();
    if (mask.size() <= last / 8) mask.resize(last / 8 + 1, 0);
    for (unsigned cpu = first; cpu <= last; ++cpu) mask[cpu / 8] |= static_cast<uint8_t>(1u << (cpu % 8));
  }
  return mask;
}

}  // namespace berth::cgroup
