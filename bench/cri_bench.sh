#!/usr/bin/env bash
# Benchmark (not a test) of the Kubernetes CRI, berth-cri against Debian's
# containerd 1.6 (its CRI plugin, /usr/sbin/runc, the CNI plugins in
# /usr/lib/cni), both in private roots, in one run, with one client
# (//bench:cri_bench_client):
#  1. a busybox pod's RunPodSandbox + CreateContainer + StartContainer
#     (`sleep 3600`) + StopPodSandbox + RemovePodSandbox, 20 pods in a row
#     (per-pod median and p90, total) and 20 pods 5 at a time (total, per-pod
#     median), with the mean time of each RPC; after 2 warm-up pods each;
#  2. memory with 50 pods running (one container each): RSS of berth-cri,
#     of all berth daemons and of berth's shims, against containerd's and
#     its shims'.
# Nothing touches the installed daemons' paths: containerd runs in a mount
# namespace of its own where /run/containerd and /var/lib/cni (paths
# containerd 1.6 does not let one configure) are directories of ours.
# Run as root from the repository: bench/cri_bench.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1}
pods=20
parallel=5
held=50
work=$(mktemp -d /tmp/berth-cribench.XXXXXX)
exec_root=/run/berth-cribench
ctrd=$work/containerd
ctrd_sock=$ctrd/containerd.sock
# containerd's pod network: a subnet apart from berth's (172.17-31/16,
# 192.168/20) and podman's 87-podman-bridge (10.88/16).
ctrd_subnet=10.99.0.0/16
ctrd_bridge=cribench0
cgroup_root=cribench
berthd_pid="" ctrd_pid="" made_dirs=()

# Processes by id only: those whose command line names our private paths.
pids_matching() { pgrep -f -- "$1" || true; }

cleanup() {
  set +e
  local pid mount dir
  if [[ -n $berthd_pid ]] && kill -0 "$berthd_pid" 2>/dev/null; then
    "$work/bin/cri_bench_client" "unix://$exec_root/cri.sock" clean 5 >/dev/null 2>&1
    kill -TERM "$berthd_pid"
  fi
  if [[ -n $ctrd_pid ]] && kill -0 "$ctrd_pid" 2>/dev/null; then
    "$work/bin/cri_bench_client" "unix://$ctrd_sock" clean 5 >/dev/null 2>&1
    kill -TERM "$ctrd_pid"
  fi
  for pid in $berthd_pid $ctrd_pid; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null
  done
  # Shims outlive their daemons by design; the pods' processes live in our
  # cgroups.
  for pid in $(pids_matching "berth-shim --bundle $exec_root/") $(pids_matching "-address $ctrd_sock"); do
    kill -KILL "$pid" 2>/dev/null
  done
  for pid in $(cat /sys/fs/cgroup/*/"$cgroup_root"-*/cgroup.procs /sys/fs/cgroup/*/"$cgroup_root"-*/*/*/cgroup.procs 2>/dev/null | sort -u); do
    kill -KILL "$pid" 2>/dev/null
  done
  sleep 0.2
  find /sys/fs/cgroup/*/"$cgroup_root"-* -depth -type d -exec rmdir {} + 2>/dev/null
  # berth's mounts (containerd's vanish with its mount namespace).
  for mount in $(awk -v a="$exec_root/" -v b="$work/" 'index($2, a) == 1 || index($2, b) == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$mount"
  done
  ip link del "$ctrd_bridge" 2>/dev/null
  if [[ -f $work/data/network/meta.db ]]; then
    for dir in $(sqlite3 "$work/data/network/meta.db" "SELECT id FROM networks" 2>/dev/null); do
      ip link del "br-${dir:0:12}" 2>/dev/null
    done
  fi
  rm -rf "$work" "$exec_root"
  for dir in "${made_dirs[@]}"; do rmdir "$dir"; done
}
trap cleanup EXIT

if ip route | grep -q "^${ctrd_subnet%.0.0/16}\."; then
  echo "containerd's pod subnet $ctrd_subnet is in use here; edit ctrd_subnet" >&2
  exit 1
fi
for tool in containerd ctr containerd-shim-runc-v2 runc sqlite3; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done

echo "building..."
deploy/install --binaries-only "$work/bin" >/dev/null 2>&1
bazel build -c opt //bench:cri_bench_client >/dev/null 2>&1
install -m 0755 "$(bazel info -c opt bazel-bin 2>/dev/null)/bench/cri_bench_client" "$work/bin/"
client() { "$work/bin/cri_bench_client" "$@"; }
# After the builds: Bazel keys its cache on PATH.
export PATH=$PATH:/usr/sbin:/sbin
berth_cri=unix://$exec_root/cri.sock
ctrd_cri=unix://$ctrd_sock

# berth, as tests/lib.sh starts it: private roots, the cgroupfs driver.
mkdir -p "$exec_root"
echo '{"cgroup-driver": "cgroupfs"}' >"$work/daemon.json"
# Its /metrics tells where a CRI call's time goes inside berth.
metrics_port=$((20000 + RANDOM % 10000))
while ss -Htan "sport = :$metrics_port" | grep -q .; do metrics_port=$((20000 + RANDOM % 10000)); done
"$work/bin/berthd" --data-root "$work/data" --exec-root "$exec_root" --config-file "$work/daemon.json" \
  --metrics-addr "127.0.0.1:$metrics_port" >"$work/berthd.log" 2>&1 &
berthd_pid=$!
client "$berth_cri" wait 30 >/dev/null
berth() { "$work/bin/berth" -H "unix://$exec_root/berth.sock" "$@"; }
PATH=$work/bin:$PATH deploy/busybox-image busybox:latest -H "unix://$exec_root/berth.sock" --namespace k8s.io >/dev/null

# containerd's images, made here: the same busybox, saved by berth, and a
# pause image whose entrypoint is berth's own static pause binary.
berth --namespace k8s.io save -o "$work/busybox.tar" busybox:latest
mkdir -p "$work/pause-root"
cp "$work/bin/berth-pause" "$work/pause-root/pause"
tar -C "$work/pause-root" --numeric-owner -c . |
  berth import --change 'ENTRYPOINT ["/pause"]' - localhost/cribench-pause:1 >/dev/null
berth save -o "$work/pause.tar" localhost/cribench-pause:1
berth rmi localhost/cribench-pause:1 >/dev/null

mkdir -p "$ctrd/net.d"
cat >"$ctrd/net.d/10-cribench.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "cribench", "plugins": [
  {"type": "bridge", "bridge": "$ctrd_bridge", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$ctrd_subnet"}]],
            "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$ctrd/ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
cat >"$ctrd/config.toml" <<EOF
version = 2
root = "$ctrd/root"
state = "$ctrd/state"
[grpc]
  address = "$ctrd_sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$ctrd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/cribench-pause:1"
  netns_mounts_under_state_dir = true
  # This host's root may not lower a process's oom_score_adj (the pause
  # container's -998 would fail runc), as berth-cri clamps it.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = "$ctrd/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$ctrd/net.d"
    max_conf_num = 1
EOF
# Paths containerd 1.6 uses whatever its config says: its shims' sockets
# (/run/containerd/s) and libcni's cache of results (/var/lib/cni). In its
# mount namespace they are directories of ours; a mount point this host
# lacks is made, and removed at the end.
mkdir -p "$ctrd/run" "$ctrd/cni-cache"
for dir in /run/containerd /var/lib/cni; do
  [[ -d $dir ]] || { mkdir -p "$dir" && made_dirs+=("$dir"); }
done
unshare --mount --propagation slave -- sh -c \
  'mount --bind "$1" /run/containerd && mount --bind "$2" /var/lib/cni && exec containerd --config "$3"' \
  sh "$ctrd/run" "$ctrd/cni-cache" "$ctrd/config.toml" >"$work/containerd.log" 2>&1 &
ctrd_pid=$!
client "$ctrd_cri" wait 30 >/dev/null
for image in busybox pause; do
  ctr -n k8s.io -a "$ctrd_sock" images import "$work/$image.tar" >/dev/null
done

# The kubelet's pull policy IfNotPresent: both must find the image present.
echo "== runtimes =="
for target in "$berth_cri" "$ctrd_cri"; do
  client "$target" wait 5
  client "$target" image busybox:latest
done

results=$work/results
# cycle LABEL TARGET PODS PARALLEL: the lifecycle, its summary kept.
cycle() {
  local label=$1 target=$2
  mkdir -p "$work/logs/$label"
  client "$target" cycle "$label" "$3" "$4" "$work/logs/$label" "/$cgroup_root-$label" busybox:latest |
    tee -a "$results" | grep -v '^RESULT\|^RPC' || echo "$label: some calls failed (above): not a valid result"
}

echo "== warm-up: 2 pods each =="
cycle berth-warm "$berth_cri" 2 1 >/dev/null
cycle containerd-warm "$ctrd_cri" 2 1 >/dev/null
# scrape FILE: the time berth's services spent in each gRPC method so far.
scrape() {
  curl -s "http://127.0.0.1:$metrics_port/metrics" | grep '^berth_grpc_request_duration_seconds_\(sum\|count\){' >"$1"
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$rounds"); do
  echo "== round $round: $pods pods in a row, then $pods pods $parallel at a time =="
  scrape "$work/metrics-before"
  cycle berth-seq "$berth_cri" "$pods" 1
  scrape "$work/metrics-after"
  echo "  inside berth (its services' gRPC methods during berth-seq; calls overlap):"
  awk 'FNR == NR { before[$1] = $2; next }
    { key = $1; sub(/_(sum|count)\{/, "{", key)
      if ($1 ~ /_sum\{/) sum[key] = $2 - before[$1]; else count[key] = $2 - before[$1] }
    END { for (k in count) if (count[k] > 0) {
            match(k, /service="[^"]*"/); svc = substr(k, RSTART + 9, RLENGTH - 10)
            match(k, /grpc_method="[^"]*"/); m = substr(k, RSTART + 13, RLENGTH - 14)
            printf "    %-10s %-28s %4d calls  mean %7.1f ms  total %7.0f ms\n", svc, m, count[k], sum[k] * 1000 / count[k], sum[k] * 1000 }
    }' "$work/metrics-before" "$work/metrics-after" | sort -k9 -n -r | head -14
  cycle containerd-seq "$ctrd_cri" "$pods" 1
  cycle berth-par "$berth_cri" "$pods" "$parallel"
  cycle containerd-par "$ctrd_cri" "$pods" "$parallel"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# kb FIELD PIDS...: the sum of a /proc/PID/smaps_rollup field (Rss, Pss).
kb() {
  local field=$1 pid sum=0
  shift
  for pid in "$@"; do
    sum=$((sum + $(awk -v f="$field:" '$1 == f {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
# memory LABEL PIDS...: a row of the memory table.
memory() {
  local label=$1
  shift
  printf '  %-44s %3d procs  RSS %7s MiB  PSS %7s MiB\n' "$label" $# "$(mib "$(kb Rss "$@")")" "$(mib "$(kb Pss "$@")")"
}

echo "== memory with $held pods running (one container each, started $parallel at a time) =="
mkdir -p "$work/logs/held"
client "$berth_cri" start berth-held "$held" "$parallel" "$work/logs/held" "/$cgroup_root-berth-held" busybox:latest |
  grep -v '^RESULT\|^RPC\|^ '
cri_pid=$(pgrep -P "$berthd_pid" -x berth-cri)
berth_services=$(pgrep -P "$berthd_pid" | tr '\n' ' ')
berth_shims=$(pids_matching "berth-shim --bundle $exec_root/" | tr '\n' ' ')
memory "berth-cri" $cri_pid
memory "berthd + its services (cri, images, ...)" $berthd_pid $berth_services
memory "berth shims" $berth_shims
memory "berth total" $berthd_pid $berth_services $berth_shims
# What each runtime's teardown leaves in iptables: rules naming berth's
# containers (the pods' holders among them), or containerd's network.
berth_ids=$(berth --namespace k8s.io ps -aq --no-trunc)
rules_naming() {
  local count=0
  [[ -z $1 ]] || count=$(iptables-save | grep -cF -- "$1") || true
  echo "$count"
}
held_rules=$(rules_naming "$berth_ids")
client "$berth_cri" clean "$parallel" >/dev/null
echo "berth: iptables rules naming its containers with $held pods $held_rules, after their removal $(rules_naming "$berth_ids")"

client "$ctrd_cri" start containerd-held "$held" "$parallel" "$work/logs/held" "/$cgroup_root-containerd-held" busybox:latest |
  grep -v '^RESULT\|^RPC\|^ '
ctrd_shims=$(pids_matching "-address $ctrd_sock" | tr '\n' ' ')
memory "containerd" $ctrd_pid
memory "containerd shims" $ctrd_shims
memory "containerd total" $ctrd_pid $ctrd_shims
held_rules=$(rules_naming 'name: \"cribench\"')
client "$ctrd_cri" clean "$parallel" >/dev/null
echo "containerd: iptables rules naming its network with $held pods $held_rules, after their removal $(rules_naming 'name: \"cribench\"')"

# The table: each row's berth and containerd numbers and their ratio.
echo
echo "== summary: $rounds round(s); load average before $load_before, after $load_after =="
awk '
  $1 == "RESULT" { split($2, l, "-"); key = l[2]; rt = l[1]
                   n[rt, key]++; total[rt, key] += $6; med[rt, key] += $7; p90[rt, key] += $8 }
  $1 == "RPC" { split($2, l, "-"); if (l[2] == "warm" || l[2] == "held") next
                rpc[l[1], l[2], $3] += $5; rn[l[1], l[2], $3]++ }
  function avg(sum, count) { return count > 0 ? sum / count : 0 }
  function row(name, b, c) { printf "%-40s %10.1f %12.1f %8.2f\n", name, b, c, (c > 0 ? b / c : 0) }
  END {
    printf "%-40s %10s %12s %8s\n", "(ms, mean over rounds)", "berth", "containerd", "ratio"
    row("20 pods in a row: total", avg(total["berth", "seq"], n["berth", "seq"]), avg(total["containerd", "seq"], n["containerd", "seq"]))
    row("20 pods in a row: per pod median", avg(med["berth", "seq"], n["berth", "seq"]), avg(med["containerd", "seq"], n["containerd", "seq"]))
    row("20 pods in a row: per pod p90", avg(p90["berth", "seq"], n["berth", "seq"]), avg(p90["containerd", "seq"], n["containerd", "seq"]))
    row("20 pods 5 at a time: total", avg(total["berth", "par"], n["berth", "par"]), avg(total["containerd", "par"], n["containerd", "par"]))
    row("20 pods 5 at a time: per pod median", avg(med["berth", "par"], n["berth", "par"]), avg(med["containerd", "par"], n["containerd", "par"]))
    split("RunPodSandbox CreateContainer StartContainer StopPodSandbox RemovePodSandbox", order, " ")
    for (i = 1; i <= 5; i++) {
      m = order[i]
      row("in a row: mean " m, avg(rpc["berth", "seq", m], rn["berth", "seq", m]), avg(rpc["containerd", "seq", m], rn["containerd", "seq", m]))
    }
    for (i = 1; i <= 5; i++) {
      m = order[i]
      row("5 at a time: mean " m, avg(rpc["berth", "par", m], rn["berth", "par", m]), avg(rpc["containerd", "par", m], rn["containerd", "par", m]))
    }
  }' "$results"
