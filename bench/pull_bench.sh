#!/usr/bin/env bash
# Benchmark (not a test): cold pull + unpack of a ~200 MB, 3-layer image
# from a local registry with berth, against `skopeo copy` to an OCI
# directory followed by `tar -x` of its layers, and against containerd's
# `ctr pull` and `podman pull` when they are installed. Run as root from the
# repository: bench/pull_bench.sh [MEGABYTES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-200}
runs=${2:-3}
work=$(mktemp -d /tmp/berth-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; sleep 0.5; rm -rf "$work" /run/berth-bench' EXIT

deploy/install --binaries-only "$work/bin" >/dev/null 2>&1

# A rootfs of real files (libraries and shared data) in three layers.
rootfs() { # dir megabytes source
  mkdir -p "$1"
  # Files in find order until the budget is spent, copied in one tar pipe.
  find "$3" -type f -printf '%s %p\n' 2>/dev/null |
    awk -v budget=$(($2 << 20)) '{ if (used + $1 <= budget) { used += $1; sub(/^[0-9]+ /, ""); print } }' |
    tar -cf - -T - 2>/dev/null | tar -xf - -C "$1"
}
rootfs "$work/l1" $((size_mb / 2)) /usr/lib/x86_64-linux-gnu
rootfs "$work/l2" $((size_mb / 4)) /usr/share
rootfs "$work/l3" $((size_mb / 4)) /usr/lib/python3* 2>/dev/null || rootfs "$work/l3" $((size_mb / 4)) /usr/bin
layout=$work/layout
mkdir -p "$layout/blobs/sha256"
layers=() diffs=()
for l in l1 l2 l3; do
  tar -C "$work/$l" -cf "$work/$l.tar" .
  diffs+=("sha256:$(sha256sum "$work/$l.tar" | cut -d' ' -f1)")
  gzip -n -1 -c "$work/$l.tar" >"$work/$l.tgz"
  d=$(sha256sum "$work/$l.tgz" | cut -d' ' -f1)
  mv "$work/$l.tgz" "$layout/blobs/sha256/$d"
  layers+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$d\",\"size\":$(stat -c %s "$layout/blobs/sha256/$d")}")
  rm -f "$work/$l.tar"
done
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["%s","%s","%s"]}}' "${diffs[@]}" >"$work/config.json"
c=$(sha256sum "$work/config.json" | cut -d' ' -f1); cp "$work/config.json" "$layout/blobs/sha256/$c"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[%s,%s,%s]}' \
  "$c" "$(stat -c %s "$work/config.json")" "${layers[@]}" >"$work/manifest.json"
m=$(sha256sum "$work/manifest.json" | cut -d' ' -f1); cp "$work/manifest.json" "$layout/blobs/sha256/$m"
echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"bench"}}]}' \
  "$m" "$(stat -c %s "$work/manifest.json")" >"$layout/index.json"
echo "image: $(du -sh "$layout/blobs" | cut -f1) compressed, $(du -sh "$work"/l1 "$work"/l2 "$work"/l3 | awk '{print $1}' | paste -sd+) unpacked"

port=$((30000 + RANDOM % 10000))
mkdir -p "$work/registry"
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%d\n' "$work/registry" "$port" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
until curl -sf "http://127.0.0.1:$port/v2/" >/dev/null; do sleep 0.1; done
skopeo copy --quiet --dest-tls-verify=false "oci:$layout:bench" "docker://127.0.0.1:$port/bench:1"

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
results=()
for run in $(seq "$runs"); do
  sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
  rm -rf "$work/data" /run/berth-bench
  echo '{}' >"$work/daemon.json"
  "$work/bin/berthd" --data-root "$work/data" --exec-root /run/berth-bench --config-file "$work/daemon.json" \
    --metrics-addr "" --insecure-registry "127.0.0.1:$port" >"$work/berthd.log" 2>&1 &
  daemon=$!
  until "$work/bin/berth" -H unix:///run/berth-bench/berth.sock version >/dev/null 2>&1; do sleep 0.05; done
  start=$(date +%s%N)
  "$work/bin/berth" -H unix:///run/berth-bench/berth.sock pull -q "127.0.0.1:$port/bench:1" >/dev/null
  berth_ms=$(ms "$start")
  kill -TERM $daemon; wait $daemon || true

  rm -rf "$work/skopeo" "$work/extract"
  sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
  start=$(date +%s%N)
  skopeo copy --quiet --src-tls-verify=false "docker://127.0.0.1:$port/bench:1" "oci:$work/skopeo:bench"
  mkdir -p "$work/extract"
  for l in $(jq -r '.layers[].digest' "$work/skopeo/blobs/sha256/$(jq -r '.manifests[0].digest' "$work/skopeo/index.json" | cut -d: -f2)"); do
    tar -xzf "$work/skopeo/blobs/sha256/${l#sha256:}" -C "$work/extract"
  done
  skopeo_ms=$(ms "$start")
  line="run $run: berth pull ${berth_ms} ms, skopeo copy + tar -x ${skopeo_ms} ms, ratio $(echo "scale=2; $berth_ms / $skopeo_ms" | bc 2>/dev/null || awk "BEGIN{printf \"%.2f\", $berth_ms/$skopeo_ms}")"
  if command -v containerd >/dev/null && command -v ctr >/dev/null; then
    # A private containerd (own root, state and socket), cold each run.
    rm -rf "$work/containerd"
    mkdir -p "$work/containerd"
    printf 'version = 2\nroot = "%s/root"\nstate = "%s/state"\n[grpc]\n  address = "%s/c.sock"\n' \
      "$work/containerd" "$work/containerd" "$work/containerd" >"$work/containerd/config.toml"
    containerd --config "$work/containerd/config.toml" >"$work/containerd/log" 2>&1 &
    cpid=$!
    until ctr --address "$work/containerd/c.sock" version >/dev/null 2>&1; do sleep 0.1; done
    sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
    start=$(date +%s%N)
    ctr --address "$work/containerd/c.sock" images pull --plain-http "127.0.0.1:$port/bench:1" >/dev/null
    line+=", ctr pull $(ms "$start") ms"
    kill $cpid; wait $cpid 2>/dev/null || true
  fi
  if command -v podman >/dev/null; then
    rm -rf "$work/podman"
    sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
    start=$(date +%s%N)
    podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver overlay \
      pull -q --tls-verify=false "127.0.0.1:$port/bench:1" >/dev/null 2>"$work/podman.err" &&
      line+=", podman pull $(ms "$start") ms" || line+=", podman failed: $(tail -1 "$work/podman.err")"
    podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver overlay rmi -a -f >/dev/null 2>&1 || true
    umount -R "$work/podman/root/overlay" 2>/dev/null || true
  fi
  echo "$line"
done
