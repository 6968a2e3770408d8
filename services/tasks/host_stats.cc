#include "services/tasks/host_stats.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace berth::tasks {
namespace {

// Splits a ps line into the header's columns; the last takes the rest.
std::vector<std::string> SplitColumns(const std::string& line, size_t columns) {
  std::vector<std::string> fields;
  size_t pos = 0;
  while (fields.size() + 1 < columns) {
    size_t start = line.find_first_not_of(' ', pos);
    if (start == std::string::npos) break;
    size_t end = line.find(' ', start);
    fields.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) {
      pos = line.size();
      break;
    }
    pos = end;
  }
  size_t rest = line.find_first_not_of(' ', pos);
  if (rest != std::string::npos) fields.push_back(line.substr(rest));
  return fields;
}

}  // namespace

uint64_t SystemCpuUsageNanos() {
  std::ifstream in("/proc/stat");
  std::string line;
  std::getline(in, line);
  std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
  uint64_t ticks = 0;
  for (size_t i = 1; i < parts.size() && i <= 8; ++i) {
    uint64_t value = 0;
    if (absl::SimpleAtoi(parts[i], &value)) ticks += value;
  }
  return ticks * (1000000000ull / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK)));
}

int64_t HostMemoryBytes() {
  return static_cast<int64_t>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGESIZE);
}

absl::StatusOr<v1::TopResponse> RunPs(const std::vector<std::string>& args) {
  // Arguments are checked by the caller (letters, digits, - , = _ %).
  std::string command = "ps " + absl::StrJoin(args, " ") + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("run ps");
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  int status = ::pclose(pipe);
  if (status != 0) {
    return absl::InvalidArgumentError(absl::StrCat("ps: ", output));
  }
  std::vector<std::string> lines = absl::StrSplit(output, '\n', absl::SkipEmpty());
  v1::TopResponse table;
  if (lines.empty()) return table;
  for (absl::string_view title : absl::StrSplit(lines[0], ' ', absl::SkipEmpty())) {
    table.add_titles(std::string(title));
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    auto* row = table.add_processes();
    for (auto& field : SplitColumns(lines[i], table.titles_size())) row->add_fields(field);
  }
  return table;
}

absl::StatusOr<v1::TopResponse> FilterPsTable(const v1::TopResponse& table,
                                              const std::set<int>& pids) {
  int column = -1;
  for (int i = 0; i < table.titles_size(); ++i) {
    if (table.titles(i) == "PID") column = i;
  }
  if (column < 0) return absl::InvalidArgumentError("Couldn't find PID field in ps output");
  v1::TopResponse out;
  *out.mutable_titles() = table.titles();
  for (const auto& row : table.processes()) {
    int pid = 0;
    if (row.fields_size() > column && absl::SimpleAtoi(row.fields(column), &pid) &&
        pids.count(pid) > 0) {
      *out.add_processes() = row;
    }
  }
  return out;
}

}  // namespace berth::tasks
