#!/usr/bin/env bash
# Test images and a real registry for the images tests: a two-layer busybox
# image built from busybox-static with tar and sha256sum, written as an OCI
# layout and pushed with skopeo (an independent implementation) to Debian's
# docker-registry on 127.0.0.1.

# start_registry: sets REGISTRY (127.0.0.1:PORT); extra config lines in $1.
start_registry() {
  local port dir
  port=$(free_port)
  dir=$TMP/registry-$port
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
${1:-}
YAML
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  track_pid $!
  REGISTRY=127.0.0.1:$port
  wait_for 20 curl -sf "http://$REGISTRY/v2/" -o /dev/null ${2:-} || {
    echo "registry did not start: $(cat "$dir/log")" >&2
    return 1
  }
}

# start_private_registry: a second registry that wants basic auth
# (alice:s3cret, htpasswd) holding the suite's $TMP/layout:v1 as
# private/busybox:v1; its address in PRIVATE_REGISTRY, REGISTRY unchanged.
start_private_registry() {
  local main_registry=$REGISTRY
  htpasswd -Bbn alice s3cret >"$TMP/htpasswd"
  start_registry "auth:
  htpasswd:
    realm: berth-test
    path: $TMP/htpasswd" "-u alice:s3cret" || return 1
  PRIVATE_REGISTRY=$REGISTRY
  REGISTRY=$main_registry
  skopeo copy --quiet --dest-tls-verify=false --dest-creds alice:s3cret \
    "oci:$TMP/layout:v1" "docker://$PRIVATE_REGISTRY/private/busybox:v1" >/dev/null
}

# add_layer LAYOUT DIR: a gzip layer of DIR's content; echoes "digest size diffid".
add_layer() {
  local layout=$1 dir=$2 tar gz diff digest
  tar=$(mktemp)
  tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@1600000000 -C "$dir" -cf "$tar" .
  diff=sha256:$(sha256sum "$tar" | cut -d' ' -f1)
  gzip -n -c "$tar" >"$tar.gz"
  digest=$(sha256sum "$tar.gz" | cut -d' ' -f1)
  mv "$tar.gz" "$layout/blobs/sha256/$digest"
  echo "sha256:$digest $(stat -c %s "$layout/blobs/sha256/$digest") $diff"
  rm -f "$tar"
}

# put_blob LAYOUT FILE: stores a JSON blob; echoes "digest size".
put_blob() {
  local digest
  digest=$(sha256sum "$2" | cut -d' ' -f1)
  cp "$2" "$1/blobs/sha256/$digest"
  echo "sha256:$digest $(stat -c %s "$2")"
}

# make_image LAYOUT TAG EXTRA_FILE_CONTENT: busybox base layer plus a layer
# that adds /etc/motd, deletes /bin/ls (a whiteout) and replaces /opt's
# content (an opaque directory).
make_image() {
  local layout=$1 tag=$2 motd=$3 work
  work=$(mktemp -d)
  mkdir -p "$layout/blobs/sha256" "$work/base/bin" "$work/base/etc" "$work/base/opt/old" "$work/top/etc" "$work/top/bin" "$work/top/opt"
  cp /bin/busybox "$work/base/bin/busybox"
  for applet in sh ls cat echo true false sleep; do ln -s busybox "$work/base/bin/$applet"; done
  ln "$work/base/bin/busybox" "$work/base/bin/hardlinked"
  echo "root:x:0:0:root:/root:/bin/sh" >"$work/base/etc/passwd"
  echo "old" >"$work/base/opt/old/file"
  echo "$motd" >"$work/top/etc/motd"
  : >"$work/top/bin/.wh.ls"
  : >"$work/top/opt/.wh..wh..opq"
  echo "new" >"$work/top/opt/new"
  local l1 l2 cfg man
  l1=($(add_layer "$layout" "$work/base"))
  l2=($(add_layer "$layout" "$work/top"))
  cat >"$work/config.json" <<JSON
{"architecture":"$(dpkg --print-architecture)","os":"linux","created":"2024-01-02T03:04:05Z",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},
 "rootfs":{"type":"layers","diff_ids":["${l1[2]}","${l2[2]}"]},
 "history":[{"created":"2024-01-02T03:04:05Z","created_by":"base"},{"created":"2024-01-02T03:04:05Z","created_by":"$tag"}]}
JSON
  cfg=($(put_blob "$layout" "$work/config.json"))
  cat >"$work/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"${cfg[0]}","size":${cfg[1]}},
 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"${l1[0]}","size":${l1[1]}},
           {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"${l2[0]}","size":${l2[1]}}]}
JSON
  man=($(put_blob "$layout" "$work/manifest.json"))
  echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  cat >"$layout/index.json" <<JSON
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"${man[0]}","size":${man[1]},"annotations":{"org.opencontainers.image.ref.name":"$tag"}}]}
JSON
  BASE_DIFF_ID=${l1[2]}
  TOP_DIFF_ID=${l2[2]}
  MANIFEST_DIGEST=${man[0]}
  rm -rf "$work"
}

# push_image LAYOUT TAG REPO: copies the layout's image to the registry.
push_image() {
  skopeo copy --quiet --dest-tls-verify=false "oci:$1:$2" "docker://$REGISTRY/$3" >/dev/null
}

# make_big_image LAYOUT TAG MEGABYTES: one uncompressed layer of random data.
make_big_image() {
  local layout=$1 tag=$2 work l1
  work=$(mktemp -d)
  mkdir -p "$layout/blobs/sha256" "$work/big"
  head -c "$(($3 << 20))" /dev/urandom >"$work/big/random.bin"
  tar --numeric-owner --owner=0 --group=0 --mtime=@1600000000 -C "$work/big" -cf "$work/layer.tar" .
  l1=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  mv "$work/layer.tar" "$layout/blobs/sha256/$l1"
  write_single_layer_image "$layout" "$tag" "sha256:$l1" "$(stat -c %s "$layout/blobs/sha256/$l1")" \
    application/vnd.oci.image.layer.v1.tar "sha256:$l1"
  BIG_DIFF_ID=sha256:$l1
  rm -rf "$work"
}

# make_multiarch LAYOUT_OUT LAYOUT_A LAYOUT_B TAG: an index whose amd64
# entry is A's manifest and arm64 entry is B's (content differs by motd).
make_multiarch() {
  local out=$1 a=$2 b=$3 tag=$4 man_a man_b size_a size_b
  mkdir -p "$out/blobs/sha256"
  cp -n "$a"/blobs/sha256/* "$b"/blobs/sha256/* "$out/blobs/sha256/"
  man_a=$(jq -r '.manifests[0].digest' "$a/index.json")
  man_b=$(jq -r '.manifests[0].digest' "$b/index.json")
  size_a=$(jq -r '.manifests[0].size' "$a/index.json")
  size_b=$(jq -r '.manifests[0].size' "$b/index.json")
  cat >"$TMP/multi-index.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"$man_a","size":$size_a,"platform":{"os":"linux","architecture":"$(dpkg --print-architecture)"}},
 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"$man_b","size":$size_b,"platform":{"os":"linux","architecture":"riscv64"}}]}
JSON
  local index
  index=($(put_blob "$out" "$TMP/multi-index.json"))
  echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
  cat >"$out/index.json" <<JSON
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"${index[0]}","size":${index[1]},"annotations":{"org.opencontainers.image.ref.name":"$tag"}}]}
JSON
  INDEX_DIGEST=${index[0]}
}

# make_zstd_image LAYOUT TAG: one zstd-compressed layer holding /zstd.txt.
make_zstd_image() {
  local layout=$1 tag=$2 work diff digest
  work=$(mktemp -d)
  mkdir -p "$layout/blobs/sha256" "$work/root"
  echo "compressed with zstd" >"$work/root/zstd.txt"
  tar --numeric-owner --owner=0 --group=0 --mtime=@1600000000 -C "$work/root" -cf "$work/layer.tar" .
  diff=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  zstd -q -c "$work/layer.tar" >"$work/layer.tar.zst"
  digest=$(sha256sum "$work/layer.tar.zst" | cut -d' ' -f1)
  cp "$work/layer.tar.zst" "$layout/blobs/sha256/$digest"
  write_single_layer_image "$layout" "$tag" "sha256:$digest" "$(stat -c %s "$work/layer.tar.zst")" \
    application/vnd.oci.image.layer.v1.tar+zstd "$diff"
  ZSTD_DIFF_ID=$diff
  rm -rf "$work"
}

# write_single_layer_image LAYOUT TAG DIGEST SIZE MEDIA_TYPE DIFF_ID: the
# config, manifest and index of an image whose one layer is already in
# LAYOUT's blobs.
write_single_layer_image() {
  local layout=$1 tag=$2 digest=$3 size=$4 type=$5 diff=$6 work cfg man
  work=$(mktemp -d)
  echo "{\"architecture\":\"$(dpkg --print-architecture)\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"$diff\"]}}" >"$work/config.json"
  cfg=($(put_blob "$layout" "$work/config.json"))
  cat >"$work/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"${cfg[0]}","size":${cfg[1]}},
 "layers":[{"mediaType":"$type","digest":"$digest","size":$size}]}
JSON
  man=($(put_blob "$layout" "$work/manifest.json"))
  echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  echo "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"${man[0]}\",\"size\":${man[1]},\"annotations\":{\"org.opencontainers.image.ref.name\":\"$tag\"}}]}" >"$layout/index.json"
  rm -rf "$work"
}

# import_busybox REF HOST: the embedded busybox image (deploy/busybox-image),
# imported with `berth import`, no registry.
import_busybox() {
  PATH=$BIN:$PATH bash "$RUNFILES/deploy/busybox-image" "$1" -H "$2" >/dev/null
}

# make_hostile_image LAYOUT TAG KIND: a one-layer image whose layer tries to
# write outside the root: KIND is dotdot (../escape), absolute
# (/tmp/…/escape), symlink (a symlink to a host directory, then a file
# through it) or hardlink (a hard link to a host file). The target is
# $HOSTILE_TARGET (a directory the test watches). Also sets LAYER_DIGEST.
make_hostile_image() {
  local layout=$1 tag=$2 kind=$3 work
  work=$(mktemp -d)
  mkdir -p "$layout/blobs/sha256"
  python3 - "$work/layer.tar" "$kind" "${HOSTILE_TARGET:-/nonexistent}" <<'PY'
import io, sys, tarfile
path, kind, target = sys.argv[1:4]
with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
    def add_file(name, data=b"pwned\n"):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    add_file("ok.txt", b"fine\n")
    if kind == "dotdot":
        add_file("../../../../../../.." + target + "/escape")
    elif kind == "absolute":
        add_file(target + "/escape")
    elif kind == "symlink":
        link = tarfile.TarInfo("sneaky")
        link.type = tarfile.SYMTYPE
        link.linkname = target
        tar.addfile(link)
        add_file("sneaky/escape")
    elif kind == "bomb":
        # 64 MiB of zeros: a ~64 KB gzip layer.
        info = tarfile.TarInfo("bomb")
        info.size = 64 << 20
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    elif kind == "hardlink":
        link = tarfile.TarInfo("hard")
        link.type = tarfile.LNKTYPE
        link.linkname = target + "/victim"
        tar.addfile(link)
PY
  local diff digest
  diff=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  gzip -n -c "$work/layer.tar" >"$work/layer.tar.gz"
  digest=$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)
  cp "$work/layer.tar.gz" "$layout/blobs/sha256/$digest"
  LAYER_DIGEST=sha256:$digest
  write_single_layer_image "$layout" "$tag" "$LAYER_DIGEST" "$(stat -c %s "$work/layer.tar.gz")" \
    application/vnd.oci.image.layer.v1.tar+gzip "$diff"
  rm -rf "$work"
}
