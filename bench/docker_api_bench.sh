#!/usr/bin/env bash
# Benchmark (not a test) of berth's Docker Engine API, in one run on this
# machine with the same docker CLI (/usr/local/bin/docker) against:
#  (a) berth-dockerapi (DOCKER_HOST=unix://<exec-root>/docker.sock),
#  (b) `berth run` directly (the API's overhead is (a) minus (b)),
#  (c) the real dockerd 20.10 from Debian's docker.io, its own roots and
#      socket (--bridge=none --iptables=false),
#  (d) `podman system service`, its own roots and socket.
# Lines: `docker run --rm busybox true`, `docker run -d` + `docker rm -f`,
# `docker ps` with 100 running containers, `docker pull` of a ~200 MB image
# (busybox and three layers of random data) from a local docker-registry.
# Every container runs with --network none on every system (dockerd runs
# with --bridge=none). Each system runs only while it is measured; its roots,
# containers and processes are removed afterwards. Prints median and p90
# (and the 1-minute load average when each line started) as a table.
# Run as root from the repository: bench/docker_api_bench.sh [RUNS] [PULL_RUNS] [MB]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
pull_runs=${2:-10}
size_mb=${3:-200}
DOCKER=/usr/local/bin/docker
work=$(mktemp -d /tmp/berth-dbench.XXXXXX)
berth_exec=$(mktemp -d /run/berth-dbench.XXXXXX)
dockerd_exec=$(mktemp -d /run/dbench-dockerd.XXXXXX)
podman_run=$(mktemp -d /run/dbench-podman.XXXXXX)
results=$work/results
: >"$results"
daemon_pid=""

# stop_daemon: TERM the system being measured (and what it started), wait.
stop_daemon() {
  [[ -n $daemon_pid ]] || return 0
  kill -TERM "$daemon_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$daemon_pid" 2>/dev/null || true
  wait "$daemon_pid" 2>/dev/null || true
  daemon_pid=""
}

# umount_under DIR: every mount below DIR, deepest first.
umount_under() {
  awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}

remove_all() { # every container of the system DOCKER_HOST points at
  local ids
  ids=$(dk ps -aq 2>/dev/null) || return 0
  [[ -z $ids ]] || dk rm -f $ids >/dev/null 2>&1 || true
}

cleanup() {
  set +e
  [[ -n $daemon_pid ]] && remove_all
  stop_daemon
  # Shims and conmons outlive their daemons: only those under our roots.
  pkill -KILL -f "berth-shim --bundle $berth_exec/" 2>/dev/null
  pkill -KILL -f "conmon .*$podman_run" 2>/dev/null
  kill $(jobs -p) 2>/dev/null
  sleep 0.5
  for d in "$berth_exec" "$dockerd_exec" "$podman_run" "$work"; do umount_under "$d"; done
  rm -rf "$berth_exec" "$dockerd_exec" "$podman_run" "$work"
}
trap cleanup EXIT

command -v podman >/dev/null || apt-get install -y -qq podman >/dev/null
deploy/install --binaries-only "$work/bin" >/dev/null 2>&1

# ---- Images: the same busybox for every system (a docker archive each one
# loads), and the big image in a local registry.
# add_layer LAYOUT TAR: the tar as a gzip layer blob; appends to layers/diffs.
layers=() diffs=()
add_layer() {
  diffs+=("\"sha256:$(sha256sum "$2" | cut -d' ' -f1)\"")
  gzip -n -1 -c "$2" >"$2.gz"
  local d
  d=$(sha256sum "$2.gz" | cut -d' ' -f1)
  mv "$2.gz" "$1/blobs/sha256/$d"
  layers+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$d\",\"size\":$(stat -c %s "$1/blobs/sha256/$d")}")
  rm -f "$2"
}
# write_layout LAYOUT TAG: config, manifest and index over layers/diffs.
write_layout() {
  local layout=$1 c m
  local IFS=,
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
    "${diffs[*]}" >"$work/config.json"
  c=$(sha256sum "$work/config.json" | cut -d' ' -f1)
  cp "$work/config.json" "$layout/blobs/sha256/$c"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[%s]}' \
    "$c" "$(stat -c %s "$work/config.json")" "${layers[*]}" >"$work/manifest.json"
  m=$(sha256sum "$work/manifest.json" | cut -d' ' -f1)
  cp "$work/manifest.json" "$layout/blobs/sha256/$m"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$m" "$(stat -c %s "$work/manifest.json")" "$2" >"$layout/index.json"
}

# busybox as deploy/busybox-image makes it: every applet, root and nobody.
root=$work/busybox-root
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/proc" "$root/sys" "$root/dev"
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
  [[ -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
mkdir -p "$work/busybox/blobs/sha256" "$work/big/blobs/sha256"
tar -C "$root" --numeric-owner -cf "$work/busybox.tar" .
cp "$work/busybox.tar" "$work/big-0.tar"
add_layer "$work/busybox" "$work/busybox.tar"
write_layout "$work/busybox" latest
skopeo copy --quiet "oci:$work/busybox:latest" "docker-archive:$work/busybox-archive.tar:docker.io/library/busybox:latest"

# The big image: busybox, then three layers of random data (incompressible,
# so the registry serves about MB megabytes).
layers=() diffs=()
add_layer "$work/big" "$work/big-0.tar"
for i in 1 2 3; do
  mkdir -p "$work/data$i/data"
  head -c $((size_mb * 1024 * 1024 / 3)) /dev/urandom >"$work/data$i/data/blob$i"
  tar -C "$work/data$i" --numeric-owner -cf "$work/big-$i.tar" .
  rm -rf "$work/data$i"
  add_layer "$work/big" "$work/big-$i.tar"
done
write_layout "$work/big" 1
port=$((30000 + RANDOM % 10000))
mkdir -p "$work/registry"
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%d\n' \
  "$work/registry" "$port" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
until curl -sf "http://127.0.0.1:$port/v2/" >/dev/null; do sleep 0.1; done
big=127.0.0.1:$port/bench/big:1
skopeo copy --quiet --dest-tls-verify=false "oci:$work/big:1" "docker://$big"
rm -rf "$work/big"
echo "big image: $(du -sh "$work/registry" | cut -f1) in the registry at 127.0.0.1:$port"

# ---- Measuring.
dk() { DOCKER_CONFIG=$work/docker-config "$DOCKER" "$@"; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# measure SYSTEM LINE N COMMAND...: N timed runs of COMMAND (one untimed
# first, which must succeed); appends "system|line|median|p90|n|load".
measure() {
  local system=$1 line=$2 n=$3
  shift 3
  local load samples=() start end
  if ! "$@" >"$work/out" 2>&1; then
    echo "$system|$line|failed: $(tail -1 "$work/out" | cut -c1-60)|||$(load1)" >>"$results"
    return 0
  fi
  load=$(load1)
  for _ in $(seq "$n"); do
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || { echo "$system|$line|failed in a timed run|||$load" >>"$results"; return 0; }
    end=$(date +%s%N)
    samples+=($(((end - start) / 1000)))
  done
  printf '%s\n' "${samples[@]}" | summarize "$system" "$line" "$load"
}

# summarize SYSTEM LINE LOAD: durations in µs, one a line, to a result line.
summarize() {
  sort -n | awk -v s="$1" -v l="$2" -v load="$3" '
    { v[NR] = $1 }
    END { p = int(NR * 0.9); if (p < NR * 0.9) p++
          printf "%s|%s|%.1f|%.1f|%d|%s\n", s, l, v[int((NR + 1) / 2)] / 1000, v[p] / 1000, NR, load }' >>"$results"
  tail -1 "$results" | awk -F'|' '{ printf "  %-9s %-44s median %8s ms  p90 %8s ms  load %s\n", $1, $2, $3, $4, $6 }'
}

run_rm() { dk run --rm --network none busybox true; }
run_d_rm() { local id; id=$(dk run -d --network none busybox sleep 3600) && dk rm -f "$id" >/dev/null; }
ps_100() { dk ps >/dev/null; }
pull_big() { dk pull -q "$big" >/dev/null && dk rmi "$big" >/dev/null; }

# measure_pull SYSTEM: PULL_RUNS cold pulls, each after removing the image.
measure_pull() {
  local system=$1 load samples=() start end
  if ! pull_big >"$work/out" 2>&1; then
    echo "$system|docker pull ${size_mb} MB (cold)|failed: $(tail -1 "$work/out" | cut -c1-60)|||$(load1)" >>"$results"
    return 0
  fi
  load=$(load1)
  for _ in $(seq "$pull_runs"); do
    dk rmi "$big" >/dev/null 2>&1 || true
    start=$(date +%s%N)
    dk pull -q "$big" >/dev/null 2>&1 || { echo "$system|docker pull|failed in a timed run|||$load" >>"$results"; return 0; }
    end=$(date +%s%N)
    samples+=($(((end - start) / 1000)))
  done
  dk rmi "$big" >/dev/null 2>&1 || true
  printf '%s\n' "${samples[@]}" | summarize "$system" "docker pull ${size_mb} MB (cold)" "$load"
}

# measure_replay SYSTEM: run --rm's requests without the CLI (one client
# process for all the runs): the engine's own time.
measure_replay() {
  local load
  load=$(load1)
  if python3 bench/docker_api_replay.py "${DOCKER_HOST#unix://}" "$runs" >"$work/replay" 2>&1; then
    summarize "$1" "run --rm requests, no CLI (replay)" "$load" <"$work/replay"
  else
    echo "$1|run --rm requests, no CLI (replay)|failed: $(tail -1 "$work/replay" | cut -c1-60)|||$load" >>"$results"
  fi
}

# the_lines SYSTEM: every docker CLI line against DOCKER_HOST.
the_lines() {
  local system=$1
  dk load -q -i "$work/busybox-archive.tar" >/dev/null
  measure "$system" "docker --version (CLI start, no request)" "$runs" dk --version
  measure "$system" "docker version (ping + /version)" "$runs" dk version
  measure "$system" "docker run --rm busybox true" "$runs" run_rm
  measure_replay "$system"
  measure "$system" "docker run -d + docker rm -f" "$runs" run_d_rm
  seq 100 | xargs -P 4 -I{} env DOCKER_CONFIG="$work/docker-config" DOCKER_HOST="$DOCKER_HOST" \
    "$DOCKER" run -d --network none --name idle{} busybox sleep 3600 >/dev/null 2>"$work/errors" || true
  local up
  up=$(dk ps -q | wc -l)
  measure "$system" "docker ps ($up running)" "$runs" ps_100
  measure "$system" "GET /containers/json ($up running, curl)" "$runs" \
    curl -sf --unix-socket "${DOCKER_HOST#unix://}" -o /dev/null http://docker/containers/json
  remove_all
  measure_pull "$system"
}

echo "== berth ($runs runs a line, $pull_runs pulls) =="
echo '{}' >"$work/berthd.json"
"$work/bin/berthd" --data-root "$work/berth" --exec-root "$berth_exec" --config-file "$work/berthd.json" \
  --metrics-addr "" --insecure-registry "127.0.0.1:$port" >"$work/berthd.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 300); do grep -q "berthd is ready" "$work/berthd.log" && [[ -S $berth_exec/docker.sock ]] && break; sleep 0.1; done
berth() { "$work/bin/berth" -H "unix://$berth_exec/berth.sock" "$@"; }
export DOCKER_HOST=unix://$berth_exec/docker.sock
the_lines berth
dk load -q -i "$work/busybox-archive.tar" >/dev/null
measure "berth CLI" "berth --version (CLI start, no request)" "$runs" berth --version
measure "berth CLI" "berth version" "$runs" berth version
measure "berth CLI" "berth run --rm busybox true" "$runs" berth run --rm --network none busybox true
measure "berth CLI" "berth run -d + berth rm -f" "$runs" \
  sh -c "id=\$('$work/bin/berth' -H unix://$berth_exec/berth.sock run -d --network none busybox sleep 3600) && '$work/bin/berth' -H unix://$berth_exec/berth.sock rm -f \$id"
remove_all
stop_daemon
pkill -KILL -f "berth-shim --bundle $berth_exec/" 2>/dev/null || true
umount_under "$berth_exec"; umount_under "$work/berth"
rm -rf "$work/berth"

echo "== dockerd $(dockerd --version | awk '{print $3}' | tr -d ,) =="
dockerd --data-root "$work/dockerd" --exec-root "$dockerd_exec" -H "unix://$dockerd_exec/docker.sock" \
  --pidfile "$dockerd_exec/docker.pid" --bridge=none --iptables=false \
  --insecure-registry "127.0.0.1:$port" >"$work/dockerd.log" 2>&1 &
daemon_pid=$!
export DOCKER_HOST=unix://$dockerd_exec/docker.sock
for _ in $(seq 300); do dk version >/dev/null 2>&1 && break; sleep 0.1; done
the_lines dockerd
remove_all
stop_daemon
umount_under "$work/dockerd"; umount_under "$dockerd_exec"
rm -rf "$work/dockerd"

echo "== podman $(podman --version | awk '{print $3}') system service =="
# runc: Debian's crun refuses this host's hybrid cgroups; the ulimits:
# root here may not raise its hard limits, podman's defaults do.
cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$podman_run/tmp"
EOF
printf '[[registry]]\nlocation = "127.0.0.1:%d"\ninsecure = true\n' "$port" >"$work/registries.conf"
CONTAINERS_CONF=$work/containers.conf CONTAINERS_REGISTRIES_CONF=$work/registries.conf \
  podman --root "$work/podman" --runroot "$podman_run/run" --storage-driver overlay \
  system service --time=0 "unix://$podman_run/podman.sock" >"$work/podman.log" 2>&1 &
daemon_pid=$!
export DOCKER_HOST=unix://$podman_run/podman.sock
for _ in $(seq 300); do dk version >/dev/null 2>&1 && break; sleep 0.1; done
the_lines podman
remove_all
stop_daemon
pkill -KILL -f "conmon .*$podman_run" 2>/dev/null || true

echo
echo "== docker CLI $("$DOCKER" version --format '{{.Client.Version}}' 2>/dev/null), $(nproc) cores; ms; load = 1-minute load average when the line started =="
echo "| system | line | median | p90 | n | load |"
echo "|---|---|---:|---:|---:|---:|"
awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$results"
# The API's overhead over berth's own CLI, each CLI's start taken out
# (medians): (docker run --rm − docker --version) − (berth run --rm − berth --version).
awk -F'|' '{ m[$1 "|" $2] = $3 }
  END {
    a = m["berth|docker run --rm busybox true"]; b = m["berth|docker --version (CLI start, no request)"]
    c = m["berth CLI|berth run --rm busybox true"]; d = m["berth CLI|berth --version (CLI start, no request)"]
    if (a != "" && b != "" && c != "" && d != "")
      printf "\nberth API overhead over berth run --rm: %.1f ms as measured, %.1f ms without each CLI'"'"'s start\n", a - c, (a - b) - (c - d)
  }' "$results"
