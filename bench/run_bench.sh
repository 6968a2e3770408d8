#!/usr/bin/env bash
# Benchmark (not a test) for containers, in one run on this machine:
#  1. start-to-exit latency of `berth run --rm --network none busybox true`
#     (and with the default bridge network, to see what CNI plumbing adds)
#     against `crun run` and `runc run` on an equivalent OCI bundle (the same
#     busybox root filesystem, new namespaces, no network), and against
#     `ctr run --rm` and `podman run --rm --network none` when installed;
#  2. 100 containers started 10 at a time (all must succeed; wall time);
#  3. each shim's PSS and RSS with those 100 idle containers;
#  4. a /metrics scrape with 100 containers.
# Run as root from the repository: bench/run_bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
work=$(mktemp -d /tmp/berth-bench.XXXXXX)
exec_root=/run/berth-bench
cleanup() {
  if [[ -x $work/bin/berth ]]; then
    ids=$("$work/bin/berth" -H "unix://$exec_root/berth.sock" ps -aq 2>/dev/null || true)
    [[ -z $ids ]] || "$work/bin/berth" -H "unix://$exec_root/berth.sock" rm -f $ids >/dev/null 2>&1 || true
  fi
  kill $(jobs -p) 2>/dev/null || true
  sleep 0.5
  pkill -KILL -f "berth-shim --bundle $exec_root/" 2>/dev/null || true
  rm -rf "$work" "$exec_root"
}
trap cleanup EXIT

for tool in crun runc; do
  command -v "$tool" >/dev/null || apt-get install -y -qq "$tool" >/dev/null
done

deploy/install --binaries-only "$work/bin" >/dev/null 2>&1

# The busybox root filesystem every runtime gets.
rootfs=$work/bundle/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/"
for applet in sh true sleep; do ln -s busybox "$rootfs/bin/$applet"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"

mkdir -p "$exec_root"
echo '{}' >"$work/none.json"
"$work/bin/berthd" --data-root "$work/data" --exec-root "$exec_root" --config-file "$work/none.json" \
  --metrics-addr 127.0.0.1:19399 >"$work/berthd.log" 2>&1 &
for _ in $(seq 100); do grep -q "berthd is ready" "$work/berthd.log" && break; sleep 0.1; done
berth() { "$work/bin/berth" -H "unix://$exec_root/berth.sock" "$@"; }
tar -C "$rootfs" -c . | berth import - busybox:bench >/dev/null

source bench/time_runs.sh

echo "== start-to-exit latency (${runs} runs each) =="
time_runs "berth run --rm --network none busybox true" berth run --rm --network none busybox:bench true
time_runs "berth run --rm busybox true (bridge, CNI)" berth run --rm busybox:bench true
(cd "$work/bundle" && crun spec >/dev/null 2>&1 || true)
# Same process as berth runs: `true`, no terminal, new pid/mount/uts/ipc/net namespaces.
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
spec = json.load(open(path))
spec["process"]["args"] = ["true"]
spec["process"]["terminal"] = False
spec["root"]["readonly"] = False
json.dump(spec, open(path, "w"))
PY
n=0
time_runs "crun run" sh -c "cd $work/bundle && crun run bench-crun-\$RANDOM\$RANDOM"
time_runs "runc run" sh -c "cd $work/bundle && runc run bench-runc-\$RANDOM\$RANDOM"
# The same image for containerd and podman: berth save writes a docker
# archive both load.
berth save -o "$work/busybox.tar" busybox:bench
if command -v containerd >/dev/null && command -v ctr >/dev/null; then
  # A containerd of our own (no systemd here), its CNI plugins where ctr
  # looks for them (/opt/cni/bin), and the bridge network podman installs.
  mkdir -p "$work/containerd"
  containerd --root "$work/containerd/root" --state "$work/containerd/state" \
    --address "$work/containerd/sock" >"$work/containerd.log" 2>&1 &
  for _ in $(seq 100); do [[ -S $work/containerd/sock ]] && break; sleep 0.1; done
  ctr_() { ctr --address "$work/containerd/sock" "$@"; }
  ctr_ image import --base-name bench/busybox "$work/busybox.tar" >/dev/null
  image=$(ctr_ image ls -q | head -1)
  made_opt=0
  if [[ ! -e /opt/cni/bin ]]; then mkdir -p /opt/cni && ln -s /usr/lib/cni /opt/cni/bin && made_opt=1; fi
  time_runs "ctr run --rm (no network)" sh -c "ctr --address $work/containerd/sock run --rm $image bench-\$(date +%s%N) true"
  time_runs "ctr run --rm --cni (bridge)" sh -c "ctr --address $work/containerd/sock run --rm --cni $image bench-\$(date +%s%N) true"
  ((made_opt)) && rm -rf /opt/cni
  # What its CNI DEL left (it runs once the task's namespace is gone).
  echo "ctr: iptables rules of $(iptables-save | grep -o 'default-bench-[0-9]*' | sort -u | wc -l) removed containers left behind"
else
  echo "ctr: not installed: skipped"
fi
if command -v podman >/dev/null; then
  podman load -q -i "$work/busybox.tar" >/dev/null
  pimage=$(podman images -q --filter reference=localhost/busybox:bench)
  # runc: crun refuses this host's hybrid cgroups; the ulimits: root here
  # lacks CAP_SYS_RESOURCE, and podman's defaults raise nofile and nproc.
  popts=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
  time_runs "podman run --rm --network none" podman run --rm "${popts[@]}" --network none "$pimage" true
  time_runs "podman run --rm (bridge, CNI)" podman run --rm "${popts[@]}" "$pimage" true
else
  echo "podman: not installed: skipped"
fi

echo "== 100 containers, started 10 at a time =="
start=$(date +%s%N)
seq 100 | xargs -P 10 -I{} "$work/bin/berth" -H "unix://$exec_root/berth.sock" run -d --network none \
  --name idle{} busybox:bench sleep 3600 >"$work/ids" 2>"$work/errors" || true
end=$(date +%s%N)
ok=$(grep -c . "$work/ids" || true)
echo "started $ok/100 in $(((end - start) / 1000000)) ms; errors: $(grep -c . "$work/errors" || true)"
running=$(berth ps -q | wc -l)
echo "running: $running"

echo "== shim memory with $running idle containers =="
pss=0 rss=0 count=0 max_rss=0
for pid in $(pgrep -f "berth-shim --bundle $exec_root/"); do
  p=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
  r=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup")
  pss=$((pss + p)) rss=$((rss + r)) count=$((count + 1))
  ((r > max_rss)) && max_rss=$r
done
((count > 0)) && awk -v pss=$pss -v rss=$rss -v n=$count -v max=$max_rss 'BEGIN {
  printf "%d shims: mean PSS %.2f MiB, mean RSS %.2f MiB, max RSS %.2f MiB\n", n, pss / n / 1024, rss / n / 1024, max / 1024 }'

echo "== /metrics scrape with $running containers =="
for _ in 1 2 3; do
  curl -s -o "$work/scrape" -w 'scrape: %{time_total} s, ' http://127.0.0.1:19399/metrics
  echo "$(grep -c '^container_' "$work/scrape") container_ samples"
done
