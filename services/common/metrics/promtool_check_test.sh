#!/usr/bin/env bash
# promtool (Debian's prometheus package) must accept our exposition without a
# single complaint: it exits non-zero on errors and only prints lint warnings.
set -euo pipefail
sample=$1
exposition=$("$sample")
if ! out=$(promtool check metrics <<<"$exposition" 2>&1); then
  echo "promtool failed: $out"
  exit 1
fi
if [[ -n $out ]]; then
  echo "promtool complained: $out"
  exit 1
fi
# Make sure promtool saw the whole sample, not an empty document.
grep -qF 'berth_sample_request_duration_seconds_bucket{method="Get",le="+Inf"} 5' <<<"$exposition"
grep -qF 'berth_sample_up{service="images"} 1' <<<"$exposition"
echo "promtool accepted the exposition"
