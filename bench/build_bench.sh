#!/usr/bin/env bash
# Benchmark (not a test) for berth build, in one run on this machine: a
# 10-step Dockerfile (COPY of a 50 MB context, two RUNs, metadata steps)
# built cold (no cache) and rebuilt fully cached, by berth against
# `podman build` (Debian's podman 4.3, buildah inside) with a root of its
# own, both on the same busybox base image and the default network.
# Run as root from the repository: bench/build_bench.sh [RUNS] [MB]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
megabytes=${2:-50}
work=$(mktemp -d /tmp/berth-build-bench.XXXXXX)
exec_root=/run/berth-build-bench
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  sleep 0.5
  if [[ -d $work/podman ]]; then
    podman --root "$work/podman/root" --runroot "$work/podman/run" system reset -f >/dev/null 2>&1 || true
  fi
  umount -R "$work/podman" 2>/dev/null || true
  rm -rf "$work" "$exec_root"
}
trap cleanup EXIT
deploy/install --binaries-only "$work/bin" >/dev/null 2>&1

# The context: the Dockerfile and $megabytes files of 1 MB of random data.
ctx=$work/ctx
mkdir -p "$ctx/data"
for i in $(seq 0 $((megabytes - 1))); do head -c 1048576 /dev/urandom >"$ctx/data/f$i"; done
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
ARG BASE
FROM $BASE
ENV APP=/app
WORKDIR /app
COPY data/ /app/data/
RUN find /app/data -type f | wc -l > /app/count
RUN cat /app/count && sha1sum /app/data/f0 > /app/sum
LABEL bench=yes
EXPOSE 8080
CMD ["cat", "/app/count"]
DOCKERFILE

rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/"
for applet in sh cat find wc sha1sum true; do ln -s busybox "$rootfs/bin/$applet"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
base=localhost/busybox:bench

mkdir -p "$exec_root"
echo '{}' >"$work/none.json"
"$work/bin/berthd" --data-root "$work/data" --exec-root "$exec_root" --config-file "$work/none.json" \
  --metrics-addr 127.0.0.1:19398 >"$work/berthd.log" 2>&1 &
for _ in $(seq 100); do grep -q "berthd is ready" "$work/berthd.log" && break; sleep 0.1; done
berth() { "$work/bin/berth" -H "unix://$exec_root/berth.sock" "$@"; }
tar -C "$rootfs" -c . | berth import - "$base" >/dev/null

podman_cmd=()
if command -v podman >/dev/null; then
  mkdir -p "$work/podman"
  podman_cmd=(podman --root "$work/podman/root" --runroot "$work/podman/run" --cgroup-manager cgroupfs)
  tar -C "$rootfs" -c . | "${podman_cmd[@]}" import - "$base" >/dev/null
fi

source bench/time_runs.sh

echo "load: $(cut -d' ' -f1-3 /proc/loadavg); context: $megabytes MB in $megabytes files"
time_runs "berth build (cold: --no-cache)" \
  berth build --no-cache --build-arg BASE="$base" -t bench:1 "$ctx"
time_runs "berth build (fully cached)" berth build --build-arg BASE="$base" -t bench:1 "$ctx"
if ((${#podman_cmd[@]})); then
  time_runs "podman build (cold: --no-cache)" "${podman_cmd[@]}" build --no-cache \
    --build-arg BASE="$base" -t bench:1 "$ctx"
  time_runs "podman build (fully cached)" "${podman_cmd[@]}" build --build-arg BASE="$base" \
    -t bench:1 "$ctx"
else
  echo "podman: not installed (apt-get install podman)"
fi
