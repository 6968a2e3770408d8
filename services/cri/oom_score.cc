#include "services/cri/oom_score.h"

#include <algorithm>
#include <fstream>

namespace berth::cri {

int ClampOomScoreAdj(int64_t requested, int floor) {
  int64_t clamped = std::clamp<int64_t>(requested, -1000, 1000);
  return static_cast<int>(std::max<int64_t>(clamped, floor));
}

int OwnOomScoreAdj(const std::string& path) {
  std::ifstream in(path);
  int value = 0;
  if (!(in >> value)) return 0;
  return value;
}

}  // namespace berth::cri
