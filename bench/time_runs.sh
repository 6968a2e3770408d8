# time_runs NAME COMMAND...: runs COMMAND once to warm up (reporting its
# failure instead of timing it), then $runs times, and prints the median and
# mean in ms. Sourced by the benchmarks.
time_runs() {
  local name=$1
  shift
  "$@" >/dev/null 2>&1 || { echo "$name: failed: $("$@" 2>&1 | tail -3)"; return; }
  local samples=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    samples+=($(((end - start) / 1000)))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk -v name="$name" '
    { v[NR] = $1; sum += $1 }
    END { printf "%-44s median %8.1f ms   mean %8.1f ms   (n=%d)\n", name, v[int((NR + 1) / 2)] / 1000, sum / NR / 1000, NR }'
}
