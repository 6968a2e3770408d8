#!/usr/bin/env bash
# promtool (from Debian's prometheus) must accept our exposition without a
# single complaint, lint warnings included.
set -euo pipefail
sample=$TEST_SRCDIR/berth/services/common/metrics/exposition_sample
out=$("$sample" | promtool check metrics 2>&1) || { echo "promtool failed: $out"; exit 1; }
if [[ -n $out ]]; then
  echo "promtool complained: $out"
  exit 1
fi
"$sample" | grep -q '^berth_sample_request_duration_seconds_bucket{method="Get",le="+Inf"} 5$'
echo "promtool accepted the exposition"
