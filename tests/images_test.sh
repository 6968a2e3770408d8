#!/usr/bin/env bash
# Pulling images from a real registry (Debian's docker-registry on
# 127.0.0.1) with images pushed by skopeo, and what berth stores.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

setup_suite() {
  start_registry
  make_image "$TMP/layout" v1 "hello from v1"
  V1_DIGEST=$MANIFEST_DIGEST
  BASE=$BASE_DIFF_ID
  # chain id of v1's top layer: sha256 of "<base chain> <top diff id>".
  V1_TOP_CHAIN=sha256:$(printf '%s %s' "$BASE_DIFF_ID" "$TOP_DIFF_ID" | sha256sum | cut -d' ' -f1)
  push_image "$TMP/layout" v1 test/busybox:v1
  push_image "$TMP/layout" v1 test/fresh:v1
  make_image "$TMP/layout2" v2 "hello from v2"
  push_image "$TMP/layout2" v2 test/busybox:v2
  start_berthd MAIN --insecure-registry "$REGISTRY"
  start_berthd STRICT
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# The directory of the committed snapshot whose name is the chain id.
snapshot_dir() {
  local id
  id=$(sqlite3 "$MAIN_DATA/snapshots/meta.db" "SELECT id FROM snapshots WHERE key = '$1'")
  [[ -n $id ]] && echo "$MAIN_DATA/snapshots/overlayfs/$id/fs"
}

test_pull_unpacks_the_exact_tree() {
  local out
  out=$(berth pull "$REGISTRY/test/fresh:v1")
  assert_contains "$out" "Digest: $V1_DIGEST"
  assert_contains "$out" "Status: Downloaded newer image for $REGISTRY/test/fresh:v1"
  assert_contains "$out" "$REGISTRY/test/fresh:v1"
  local base top
  base=$(snapshot_dir "$BASE")
  [[ -n $base ]] || fail "no snapshot for the base layer's chain id $BASE"
  [[ -x $base/bin/busybox ]] || fail "busybox not unpacked"
  [[ $(readlink "$base/bin/sh") == busybox ]] || fail "symlink wrong"
  [[ $(stat -c %i "$base/bin/busybox") == $(stat -c %i "$base/bin/hardlinked") ]] ||
    fail "hard link not preserved"
  cmp -s /bin/busybox "$base/bin/busybox" || fail "busybox content differs"
  # The top layer: a file, a whiteout and an opaque directory, as overlayfs keeps them.
  top=$(snapshot_dir "$V1_TOP_CHAIN")
  [[ -n $top ]] || fail "no snapshot for the top layer's chain id"
  assert_eq "$(cat "$top/etc/motd")" "hello from v1" "motd"
  [[ $(stat -c %F:%t:%T "$top/bin/ls") == "character special file:0:0" ]] || fail "no whiteout for ls"
  assert_eq "$(getfattr --only-values -n trusted.overlay.opaque "$top/opt" 2>/dev/null)" "y" "opaque"
}

test_images_lists_the_pulled_image() {
  berth pull -q "$REGISTRY/test/busybox:v1" >/dev/null
  local out
  out=$(berth images)
  assert_contains "$out" "REPOSITORY"
  grep -qE "^$REGISTRY/test/busybox +v1 +[0-9a-f]{12} +[0-9]+ (months|years) ago +[0-9.]+MB$" <<<"$out" ||
    fail "images row: $out"
  assert_contains "$(berth images --digests)" "$V1_DIGEST"
  [[ $(berth images -q | wc -l) -ge 1 ]] || fail "images -q"
  assert_contains "$(berth images --filter "reference=$REGISTRY/test/busy*")" "test/busybox "
  assert_contains "$(berth images "$REGISTRY/test/busybox")" "test/busybox "
  assert_not_contains "$(berth images --filter 'reference=nothing*')" "test/busybox"
  berth images --format json | jq -e "select(.Tag == \"v1\") | .Repository == \"$REGISTRY/test/busybox\"" >/dev/null
  local inspect
  inspect=$(berth image inspect "$REGISTRY/test/busybox:v1")
  jq -e '.[0].Config.Cmd == ["sh"] and (.[0].RootFS.Layers | length) == 2 and .[0].Os == "linux"' <<<"$inspect" >/dev/null ||
    fail "inspect: $inspect"
  assert_contains "$(jq -r '.[0].RepoDigests[0]' <<<"$inspect")" "@$V1_DIGEST"
}

test_first_pull_downloads_and_unpacks_each_layer() {
  start_berthd FIRST --insecure-registry "$REGISTRY"
  local out
  out=$("$BIN/berth" -H "$FIRST_SOCK" pull "$REGISTRY/test/busybox:v1")
  [[ $(grep -c "Pull complete" <<<"$out") -eq 2 ]] || fail "two layers pulled: $out"
  [[ $(grep -c "Download complete" <<<"$out") -eq 2 ]] || fail "two downloads: $out"
  assert_contains "$out" "Pulling fs layer"
  assert_not_contains "$out" "Already exists"
  assert_not_contains "$out" "Downloading" "plain output (not a terminal)"
}

test_second_pull_is_up_to_date_and_shared_layers_unpack_once() {
  start_berthd SHARE --insecure-registry "$REGISTRY"
  local out before after
  "$BIN/berth" -H "$SHARE_SOCK" pull -q "$REGISTRY/test/busybox:v1" >/dev/null
  out=$("$BIN/berth" -H "$SHARE_SOCK" pull "$REGISTRY/test/busybox:v1")
  assert_contains "$out" "Status: Image is up to date"
  assert_contains "$out" "Already exists"
  before=$(sqlite3 "$SHARE_DATA/snapshots/meta.db" "SELECT count(*) FROM snapshots")
  out=$("$BIN/berth" -H "$SHARE_SOCK" pull "$REGISTRY/test/busybox:v2")
  after=$(sqlite3 "$SHARE_DATA/snapshots/meta.db" "SELECT count(*) FROM snapshots")
  assert_eq "$before" "2" "snapshots after v1"
  assert_eq "$((after - before))" "1" "new snapshots for v2 (base layer shared)"
  assert_contains "$out" "Already exists"
  # The base layer's blob was not downloaded twice: one copy in the store.
  assert_eq "$(sqlite3 "$SHARE_DATA/snapshots/meta.db" "SELECT count(*) FROM snapshots WHERE key = '$BASE'")" "1" "base"
}

test_every_stored_blob_hashes_to_its_name() {
  berth pull -q "$REGISTRY/test/busybox:v1" >/dev/null
  local blob
  for blob in "$MAIN_DATA"/images/blobs/sha256/*; do
    assert_eq "$(sha256sum "$blob" | cut -d' ' -f1)" "$(basename "$blob")" "blob"
  done
  [[ -z $(ls "$MAIN_DATA/images/ingest") ]] || fail "ingest leftovers"
}

test_tag_and_rmi_follow_docker() {
  start_berthd RMI --insecure-registry "$REGISTRY"
  berth() { "$BIN/berth" -H "$RMI_SOCK" "$@"; }
  berth pull -q "$REGISTRY/test/busybox:v1" >/dev/null
  berth tag "$REGISTRY/test/busybox:v1" mine:latest
  assert_contains "$(berth images)" "mine "
  local out
  out=$(berth rmi mine)
  assert_eq "$out" "Untagged: mine:latest" "untag only while other names remain"
  berth pull -q "$REGISTRY/test/fresh:v1" >/dev/null
  # Two repositories hold the same image: the first rmi only untags.
  out=$(berth rmi "$REGISTRY/test/busybox:v1" "$REGISTRY/test/fresh:v1")
  assert_contains "$out" "Untagged: $REGISTRY/test/busybox:v1"
  assert_contains "$out" "Untagged: $REGISTRY/test/fresh:v1"
  assert_contains "$out" "Deleted: sha256:"
  assert_not_contains "$(berth images)" ":v1"
}

test_unknown_tag_and_bad_reference_fail_clearly() {
  local out rc=0
  out=$(berth pull "$REGISTRY/test/busybox:nope" 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code"
  assert_contains "$out" "Error response from daemon: pull $REGISTRY/test/busybox:nope"
  assert_contains "$out" "manifest unknown"
  rc=0
  out=$(berth pull "Busybox" 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code"
  assert_contains "$out" "invalid reference format"
}

test_loopback_registries_are_insecure_without_configuration() {
  # STRICT has no insecure-registries: as dockerd, 127.0.0.0/8 and ::1
  # are insecure all the same, and info says so.
  local out
  out=$("$BIN/berth" -H "$STRICT_SOCK" pull "$REGISTRY/test/busybox:v1")
  assert_contains "$out" "Status: Downloaded newer image for $REGISTRY/test/busybox:v1"
  out=$("$BIN/berth" -H "$STRICT_SOCK" info)
  assert_contains "$out" $' Insecure Registries:\n  ::1/128\n  127.0.0.0/8'
  "$BIN/berth" -H "$STRICT_SOCK" rmi "$REGISTRY/test/busybox:v1" >/dev/null
}

test_https_to_a_plain_http_registry_says_so() {
  # A registry outside loopback is secure unless listed: berth speaks
  # HTTPS to it and says, as dockerd, that it answered plain HTTP. The
  # address (TEST-NET-2) is on a veth pair of our own, so any host works.
  local link=bt$$ addr=198.51.100.$((RANDOM % 200 + 20)) port dir out rc=0
  ip link add "$link" type veth peer name "${link}p"
  trap "ip link del $link 2>/dev/null" EXIT
  ip addr add "$addr/32" dev "$link"
  ip link set "$link" up
  ip link set "${link}p" up
  port=$(free_port)
  dir=$TMP/registry-remote-$port
  mkdir -p "$dir/data"
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
    "$dir/data" "$addr:$port" >"$dir/config.yml"
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  track_pid $!
  wait_for 20 curl -sf "http://$addr:$port/v2/" -o /dev/null || fail "registry on $addr: $(cat "$dir/log")"
  skopeo copy --dest-tls-verify=false "oci:$TMP/layout:v1" "docker://$addr:$port/test/busybox:v1" >/dev/null
  out=$("$BIN/berth" -H "$STRICT_SOCK" pull "$addr:$port/test/busybox:v1" 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code"
  assert_contains "$out" "https://$addr:$port/"
  assert_contains "$out" "http: server gave HTTP response to HTTPS client"
  [[ -z $("$BIN/berth" -H "$STRICT_SOCK" images -q) ]] || fail "something was stored"
  # Listed as insecure, the same registry is reached over HTTP.
  start_berthd LISTED --insecure-registry "$addr:$port"
  out=$("$BIN/berth" -H "$LISTED_SOCK" pull "$addr:$port/test/busybox:v1")
  assert_contains "$out" "Status: Downloaded newer image for $addr:$port/test/busybox:v1"
}

test_login_and_pull_from_a_registry_with_htpasswd() {
  start_private_registry || return 1
  local auth_registry=$PRIVATE_REGISTRY
  start_berthd AUTH --insecure-registry "$auth_registry"
  export BERTH_CONFIG=$TMP/berth-config
  local out rc=0
  out=$("$BIN/berth" -H "$AUTH_SOCK" pull "$auth_registry/private/busybox:v1" 2>&1) || rc=$?
  assert_eq "$rc" "1" "anonymous pull of a private image"
  assert_contains "$out" "authentication required"
  rc=0
  out=$(echo wrong | "$BIN/berth" -H "$AUTH_SOCK" login -u alice --password-stdin "$auth_registry" 2>&1) || rc=$?
  assert_eq "$rc" "1" "login with a wrong password"
  assert_contains "$out" "unauthorized"
  [[ ! -f $BERTH_CONFIG/config.json ]] || fail "wrong credentials were stored"
  out=$(echo s3cret | "$BIN/berth" -H "$AUTH_SOCK" login -u alice --password-stdin "$auth_registry")
  assert_eq "$out" "Login Succeeded" "login"
  assert_eq "$(stat -c %a "$BERTH_CONFIG/config.json")" "600" "config.json mode"
  jq -e ".auths[\"$auth_registry\"].auth == \"$(printf alice:s3cret | base64)\"" "$BERTH_CONFIG/config.json" >/dev/null
  out=$("$BIN/berth" -H "$AUTH_SOCK" pull "$auth_registry/private/busybox:v1")
  assert_contains "$out" "Status: Downloaded newer image"
  assert_eq "$("$BIN/berth" logout "$auth_registry")" "Removing login credentials for $auth_registry" "logout"
  jq -e ".auths | has(\"$auth_registry\") | not" "$BERTH_CONFIG/config.json" >/dev/null
}

test_docker_hub_images_come_through_a_mirror() {
  push_image "$TMP/layout" v1 library/mirrored:v1
  start_berthd MIRROR --registry-mirror "http://$REGISTRY"
  local out
  out=$("$BIN/berth" -H "$MIRROR_SOCK" pull mirrored:v1)
  assert_contains "$out" "Status: Downloaded newer image for mirrored:v1"
  assert_contains "$out" "docker.io/library/mirrored:v1"
  assert_contains "$("$BIN/berth" -H "$MIRROR_SOCK" images)" "mirrored "
}

test_images_service_killed_mid_pull_leaves_a_consistent_store() {
  make_big_image "$TMP/big" big 256
  push_image "$TMP/big" big test/big:1
  start_berthd KILL --insecure-registry "$REGISTRY"
  "$BIN/berth" -H "$KILL_SOCK" pull -q "$REGISTRY/test/big:1" >"$TMP/killed-pull.log" 2>&1 &
  local client=$!
  # Kill it as soon as the layer is on its way (download or unpack).
  wait_for 20 bash -c "ls $KILL_DATA/images/ingest/*/data >/dev/null 2>&1 || sqlite3 $KILL_DATA/snapshots/meta.db 'SELECT key FROM snapshots' | grep -q extract" ||
    fail "the pull never started"
  kill -9 "$(service_pid "$KILL_PID" images)"
  local rc=0
  wait "$client" || rc=$?
  [[ $rc -ne 0 ]] || fail "the pull survived its service"
  wait_for 10 "$BIN/berth" -H "$KILL_SOCK" images || fail "images service not back"
  # Nothing half-made is listed; every committed blob is what its name says.
  assert_not_contains "$("$BIN/berth" -H "$KILL_SOCK" images)" "test/big"
  local blob
  for blob in "$KILL_DATA"/images/blobs/sha256/*; do
    [[ -e $blob ]] || continue
    assert_eq "$(sha256sum "$blob" | cut -d' ' -f1)" "$(basename "$blob")" "blob"
  done
  [[ -z $(sqlite3 "$KILL_DATA/snapshots/meta.db" "SELECT key FROM snapshots WHERE key = '$BIG_DIFF_ID'") ]] ||
    fail "a committed layer appeared from a killed pull"
  # Pulling again completes.
  local out
  out=$("$BIN/berth" -H "$KILL_SOCK" pull "$REGISTRY/test/big:1")
  assert_contains "$out" "Status: Downloaded newer image"
  assert_contains "$("$BIN/berth" -H "$KILL_SOCK" images)" "test/big"
  [[ -n $(sqlite3 "$KILL_DATA/snapshots/meta.db" "SELECT key FROM snapshots WHERE key = '$BIG_DIFF_ID'") ]] ||
    fail "layer not unpacked on the second pull"
  for blob in "$KILL_DATA"/images/blobs/sha256/*; do
    assert_eq "$(sha256sum "$blob" | cut -d' ' -f1)" "$(basename "$blob")" "blob"
  done
  # Whatever the killed pull left half-unpacked, prune clears it.
  "$BIN/berth" -H "$KILL_SOCK" image prune -f >/dev/null
  [[ -z $(sqlite3 "$KILL_DATA/snapshots/meta.db" "SELECT key FROM snapshots WHERE key LIKE 'extract-%'") ]] ||
    fail "unpacking leftovers survived prune"
}

test_push_is_read_back_by_skopeo_with_the_same_digest() {
  berth pull -q "$REGISTRY/test/busybox:v1" >/dev/null
  berth tag "$REGISTRY/test/busybox:v1" "$REGISTRY/pushed/busybox:1.0"
  local out
  out=$(berth push "$REGISTRY/pushed/busybox:1.0")
  assert_contains "$out" "The push refers to repository [$REGISTRY/pushed/busybox]"
  assert_contains "$out" "Pushed"
  assert_contains "$out" "1.0: digest: $V1_DIGEST size:"
  local inspected
  inspected=$(skopeo inspect --tls-verify=false "docker://$REGISTRY/pushed/busybox:1.0")
  assert_eq "$(jq -r .Digest <<<"$inspected")" "$V1_DIGEST" "digest skopeo sees"
  skopeo copy --quiet --src-tls-verify=false "docker://$REGISTRY/pushed/busybox:1.0" "oci:$TMP/readback:1.0" >/dev/null
  assert_eq "$(jq -r '.manifests[0].digest' "$TMP/readback/index.json")" "$V1_DIGEST" "copied digest"
  # A second push finds every layer there already.
  out=$(berth push "$REGISTRY/pushed/busybox:1.0")
  assert_contains "$out" "Layer already exists"
  local rc=0
  out=$(berth push "$REGISTRY/pushed/nothing:1" 2>&1) || rc=$?
  assert_eq "$rc" "1" "push of a missing image"
  assert_contains "$out" "An image does not exist locally with the tag"
}

test_platform_is_chosen_from_a_manifest_list() {
  make_multiarch "$TMP/multi" "$TMP/layout" "$TMP/layout2" multi
  skopeo copy --quiet --all --dest-tls-verify=false "oci:$TMP/multi:multi" "docker://$REGISTRY/test/multi:1" >/dev/null
  local out host_id other_id
  out=$(berth pull "$REGISTRY/test/multi:1")
  assert_contains "$out" "Digest: $INDEX_DIGEST"
  host_id=$(berth image inspect --format '{{.Id}}' "$REGISTRY/test/multi:1")
  out=$(berth pull --platform linux/riscv64 "$REGISTRY/test/multi:1")
  other_id=$(berth image inspect --format '{{.Id}}' "$REGISTRY/test/multi:1")
  [[ $host_id != "$other_id" ]] || fail "--platform chose the same image"
  local rc=0
  out=$(berth pull --platform linux/s390x "$REGISTRY/test/multi:1" 2>&1) || rc=$?
  assert_eq "$rc" "1" "missing platform"
  assert_contains "$out" "no matching manifest for linux/s390x"
}

test_zstd_layers_unpack() {
  make_zstd_image "$TMP/zstd" z
  push_image "$TMP/zstd" z test/zstd:1
  berth pull -q "$REGISTRY/test/zstd:1" >/dev/null
  local dir
  dir=$(snapshot_dir "$ZSTD_DIFF_ID")
  assert_eq "$(cat "$dir/zstd.txt")" "compressed with zstd" "zstd layer content"
}

test_history_shows_the_config_history() {
  berth pull -q "$REGISTRY/test/busybox:v1" >/dev/null
  local out
  out=$(berth history "$REGISTRY/test/busybox:v1")
  assert_contains "$out" "IMAGE"
  [[ $(wc -l <<<"$out") -eq 3 ]] || fail "two history rows: $out"
  grep -qE "^[0-9a-f]{12} .* v1 " <<<"$out" || fail "top row carries the id: $out"
  grep -qE "^<missing> .* base +[0-9.]+MB" <<<"$out" || fail "base row with its size: $out"
}

test_save_is_a_docker_archive_and_an_oci_layout() {
  berth pull -q "$REGISTRY/test/busybox:v1" >/dev/null
  berth save -o "$TMP/saved.tar" "$REGISTRY/test/busybox:v1"
  [[ ! -e $TMP/saved.tar.tmp ]] || fail "temporary file left"
  local listing
  listing=$(tar -tf "$TMP/saved.tar")
  for member in manifest.json repositories oci-layout index.json; do
    grep -qx "$member" <<<"$listing" || fail "no $member in the archive"
  done
  # Two independent readers of the two formats.
  local docker
  docker=$(skopeo inspect "docker-archive:$TMP/saved.tar")
  assert_eq "$(jq '.Layers | length' <<<"$docker")" "2" "docker-archive layers"
  assert_contains "$(jq -r '.RepoTags | join(",")' <<<"$docker")$(tar -xOf "$TMP/saved.tar" manifest.json)" "test/busybox:v1"
  skopeo inspect --raw "oci-archive:$TMP/saved.tar" >"$TMP/saved-manifest.json"
  assert_eq "$(sha256sum "$TMP/saved-manifest.json" | cut -d' ' -f1)" "${V1_DIGEST#sha256:}" "OCI manifest digest"
  skopeo copy --quiet "docker-archive:$TMP/saved.tar" "oci:$TMP/from-archive:x" >/dev/null ||
    fail "skopeo could not copy the docker-archive"
  # As docker's: RepoTags familiar, the OCI index's image name in full
  # (containerd's import takes it as the name).
  berth tag "$REGISTRY/test/busybox:v1" savedname:v1
  berth save -o "$TMP/named.tar" savedname:v1
  assert_eq "$(tar -xOf "$TMP/named.tar" manifest.json | jq -r '.[0].RepoTags | join(",")')" "savedname:v1" "RepoTags"
  assert_eq "$(tar -xOf "$TMP/named.tar" index.json | jq -r '.manifests[0].annotations["io.containerd.image.name"]')" \
    "docker.io/library/savedname:v1" "OCI image name"
  assert_eq "$(tar -xOf "$TMP/named.tar" index.json | jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]')" \
    "v1" "OCI ref name"
  berth rmi savedname:v1 >/dev/null
  assert_eq "$(berth load -i "$TMP/named.tar")" "Loaded image: savedname:v1" "load of the saved archive"
  berth rmi savedname:v1 >/dev/null
  local rc=0 out
  out=$(berth save -o "$TMP/none.tar" no-such-image 2>&1) || rc=$?
  assert_eq "$rc" "1" "save of a missing image"
  [[ ! -e $TMP/none.tar && ! -e $TMP/none.tar.tmp ]] || fail "a failed save left a file"
}

test_import_makes_a_one_layer_image_with_changes() {
  local rootfs out id
  rootfs=$TMP/rootfs
  mkdir -p "$rootfs/bin" "$rootfs/etc"
  cp /bin/busybox "$rootfs/bin/busybox"
  ln -sf busybox "$rootfs/bin/sh"
  echo imported >"$rootfs/etc/origin"
  tar -C "$rootfs" -cf - . | berth import -c 'CMD ["sh"]' -c 'ENV A=1' -c 'WORKDIR /srv' -m "from a test" - imported:1 >"$TMP/import.out"
  id=$(cat "$TMP/import.out")
  [[ $id == sha256:* ]] || fail "import printed $id"
  assert_contains "$(berth images)" "imported "
  local inspect
  inspect=$(berth image inspect imported:1)
  jq -e '.[0].Config.Cmd == ["sh"] and (.[0].Config.Env | index("A=1")) != null and .[0].Config.WorkingDir == "/srv" and (.[0].RootFS.Layers | length) == 1' <<<"$inspect" >/dev/null ||
    fail "inspect: $inspect"
  assert_eq "$(jq -r '.[0].Id' <<<"$inspect")" "$id" "id"
  local diff dir
  diff=$(jq -r '.[0].RootFS.Layers[0]' <<<"$inspect")
  dir=$(snapshot_dir "$diff")
  assert_eq "$(cat "$dir/etc/origin")" "imported" "unpacked file"
  # A gzip-compressed tarball from a file, without a name: dangling.
  tar -C "$rootfs" -czf "$TMP/rootfs.tar.gz" .
  out=$(berth import "$TMP/rootfs.tar.gz")
  [[ $out == sha256:* ]] || fail "import printed $out"
  berth images --filter dangling=true -q | grep -q "${out:7:12}" || fail "dangling image not listed"
  local rc=0
  out=$(echo "not a tar" | berth import - broken:1 2>&1) || rc=$?
  assert_eq "$rc" "1" "import of garbage"
  assert_not_contains "$(berth images)" "broken"
  rc=0
  out=$(tar -C "$rootfs" -cf - . | berth import -c 'FROM x' - bad:1 2>&1) || rc=$?
  assert_contains "$out" "FROM is not a valid change command"
}

test_load_reads_skopeo_and_berth_archives() {
  start_berthd LOAD
  local out dir
  skopeo copy --quiet --src-tls-verify=false "docker://$REGISTRY/test/busybox:v1" \
    "docker-archive:$TMP/skopeo-docker.tar:loaded/docker:1" >/dev/null
  out=$("$BIN/berth" -H "$LOAD_SOCK" load -i "$TMP/skopeo-docker.tar")
  assert_eq "$out" "Loaded image: loaded/docker:1" "docker-archive load"
  skopeo copy --quiet --src-tls-verify=false "docker://$REGISTRY/test/busybox:v1" \
    "oci-archive:$TMP/skopeo-oci.tar:loaded/oci:1" >/dev/null
  gzip -c "$TMP/skopeo-oci.tar" >"$TMP/skopeo-oci.tar.gz"
  out=$("$BIN/berth" -H "$LOAD_SOCK" load <"$TMP/skopeo-oci.tar.gz")
  assert_eq "$out" "Loaded image: loaded/oci:1" "gzip oci-archive load from stdin"
  out=$("$BIN/berth" -H "$LOAD_SOCK" images)
  assert_contains "$out" "loaded/docker "
  assert_contains "$out" "loaded/oci "
  # Both load the same layers: unpacked once, files in place.
  dir=$(sqlite3 "$LOAD_DATA/snapshots/meta.db" "SELECT id FROM snapshots WHERE key = '$BASE'")
  [[ -x $LOAD_DATA/snapshots/overlayfs/$dir/fs/bin/busybox ]] || fail "base layer not unpacked"
  # berth save → berth load round trip.
  "$BIN/berth" -H "$LOAD_SOCK" save -o "$TMP/roundtrip.tar" loaded/docker:1
  "$BIN/berth" -H "$LOAD_SOCK" rmi loaded/docker:1 >/dev/null
  out=$("$BIN/berth" -H "$LOAD_SOCK" load -i "$TMP/roundtrip.tar")
  assert_eq "$out" "Loaded image: loaded/docker:1" "round trip"
  # A corrupted blob is refused and nothing is named.
  mkdir -p "$TMP/bad" && tar -C "$TMP/bad" -xf "$TMP/skopeo-oci.tar"
  local blob
  blob=$(ls -S "$TMP/bad/blobs/sha256" | head -1)
  printf 'X' | dd of="$TMP/bad/blobs/sha256/$blob" bs=1 seek=100 conv=notrunc 2>/dev/null
  sed -i 's#loaded/oci:1#loaded/bad:1#' "$TMP/bad/index.json"
  tar -C "$TMP/bad" -cf "$TMP/bad.tar" .
  local rc=0
  out=$("$BIN/berth" -H "$LOAD_SOCK" load -i "$TMP/bad.tar" 2>&1) || rc=$?
  assert_eq "$rc" "1" "corrupt archive"
  assert_contains "$out" "digest mismatch"
  assert_not_contains "$("$BIN/berth" -H "$LOAD_SOCK" images)" "loaded/bad"
}

test_rmi_and_prune_reclaim_content_and_snapshots() {
  start_berthd GC --insecure-registry "$REGISTRY"
  local b="$BIN/berth -H $GC_SOCK"
  $b pull -q "$REGISTRY/test/busybox:v1" >/dev/null
  $b pull -q "$REGISTRY/test/busybox:v2" >/dev/null
  [[ $(ls "$GC_DATA/images/blobs/sha256" | wc -l) -gt 0 ]]
  local out
  out=$($b rmi "$REGISTRY/test/busybox:v1")
  assert_contains "$out" "Deleted: sha256:"
  # v2 still needs the shared base layer: it stays; v1's own top layer goes.
  [[ -n $(sqlite3 "$GC_DATA/snapshots/meta.db" "SELECT key FROM snapshots WHERE key = '$BASE'") ]] ||
    fail "shared base layer removed"
  [[ -z $(sqlite3 "$GC_DATA/snapshots/meta.db" "SELECT key FROM snapshots WHERE key = '$V1_TOP_CHAIN'") ]] ||
    fail "v1's own layer kept"
  "$BIN/berth" -H "$GC_SOCK" pull -q "$REGISTRY/test/busybox:v2" >/dev/null
  # A dangling import goes with a plain prune; --all takes the rest.
  echo x >"$TMP/gcfile"
  tar -C "$TMP" -cf - gcfile | $b import - >/dev/null
  out=$($b image prune -f)
  assert_contains "$out" "deleted: sha256:"
  assert_contains "$($b images)" "test/busybox"
  out=$($b image prune -a -f)
  assert_contains "$out" "untagged: $REGISTRY/test/busybox:v2"
  assert_contains "$out" "Total reclaimed space:"
  [[ -z $($b images -q) ]] || fail "images left after prune -a"
  [[ -z $(ls "$GC_DATA/images/blobs/sha256") ]] || fail "blobs left: $(ls "$GC_DATA/images/blobs/sha256")"
  assert_eq "$(sqlite3 "$GC_DATA/snapshots/meta.db" "SELECT count(*) FROM snapshots")" "0" "snapshots left"
}

test_system_df_counts_images_and_volumes() {
  start_berthd DF --insecure-registry "$REGISTRY"
  local b="$BIN/berth -H $DF_SOCK"
  $b pull -q "$REGISTRY/test/busybox:v1" >/dev/null
  $b pull -q "$REGISTRY/test/busybox:v2" >/dev/null
  $b volume create dfvol >/dev/null
  head -c 2000000 /dev/zero >"$DF_DATA/volumes/dfvol/_data/blob"
  local out
  out=$($b system df)
  grep -qE "^Images +2 +0 +[0-9.]+MB +[0-9.]+MB \(100%\)$" <<<"$out" || fail "images row: $out"
  grep -qE "^Local Volumes +1 +0 +2MB +2MB \(100%\)$" <<<"$out" || fail "volumes row: $out"
  $b system df --format json | jq -se 'map(select(.Type == "Local Volumes"))[0].TotalCount == "1"' >/dev/null ||
    fail "json output"
}

test_images_filters_label_before_since() {
  local root=$TMP/filter-rootfs
  mkdir -p "$root/etc" && echo one >"$root/etc/one"
  tar -C "$root" -c . | berth import --change 'LABEL tier=db' - filters/old:v1 >/dev/null
  sleep 1.1
  tar -C "$root" -c . | berth import --change 'LABEL tier=web' - filters/new:v1 >/dev/null
  assert_eq "$(berth images --filter label=tier=db --format '{{.Repository}}')" "filters/old" "label=KEY=VALUE"
  assert_eq "$(berth images --filter label=tier --filter reference='filters/*' --format '{{.Repository}}' | sort | tr '\n' ' ')" \
    "filters/new filters/old " "label=KEY"
  assert_eq "$(berth images --filter since=filters/old:v1 --filter reference='filters/*' --format '{{.Repository}}')" \
    "filters/new" "since"
  assert_eq "$(berth images --filter before=filters/new:v1 --filter reference='filters/*' --format '{{.Repository}}')" \
    "filters/old" "before"
  local rc=0
  berth images --filter before=no/such:image >/dev/null 2>&1 || rc=$?
  assert_eq "$rc" "1" "before an unknown image"
  berth rmi filters/old:v1 filters/new:v1 >/dev/null
}

test_hostile_layers_are_refused_through_pull() {
  HOSTILE_TARGET=$TMP/hostile-target
  mkdir -p "$HOSTILE_TARGET"
  echo original >"$HOSTILE_TARGET/victim"
  local kind out rc
  for kind in dotdot absolute symlink hardlink; do
    rm -rf "$TMP/hostile-$kind"
    make_hostile_image "$TMP/hostile-$kind" "$kind" "$kind"
    push_image "$TMP/hostile-$kind" "$kind" "test/hostile:$kind"
    rc=0; out=$(berth pull "$REGISTRY/test/hostile:$kind" 2>&1) || rc=$?
    assert_eq "$rc" "1" "pull of a $kind layer"
    assert_contains "$out" "${LAYER_DIGEST}" "the error names the layer"
    case $kind in
      symlink) assert_contains "$out" "sneaky" "the error names the entry" ;;
      hardlink) assert_contains "$out" "hard" "the error names the entry" ;;
      *) assert_contains "$out" "escape" "the error names the entry" ;;
    esac
    [[ ! -e $HOSTILE_TARGET/escape ]] || fail "$kind: a file was written outside the root"
    assert_eq "$(cat "$HOSTILE_TARGET/victim")" "original" "$kind: host file changed"
    ! berth image inspect "$REGISTRY/test/hostile:$kind" >/dev/null 2>&1 || fail "$kind: image recorded"
  done
  # The service keeps serving.
  berth pull -q "$REGISTRY/test/busybox:v1" >/dev/null
}

test_prune_runs_beside_a_pull_or_load_and_takes_nothing_it_needs() {
  make_big_image "$TMP/big-prune" big 256
  push_image "$TMP/big-prune" big test/big:prune
  local chain=$BIG_DIFF_ID
  start_berthd PRUNE --insecure-registry "$REGISTRY"
  pr() { "$BIN/berth" -H "$PRUNE_SOCK" "$@"; }
  # Something for prune to take: an image no container uses.
  pr pull -q "$REGISTRY/test/busybox:v1" >/dev/null
  pr pull -q "$REGISTRY/test/big:prune" >"$TMP/pruned-pull.log" 2>&1 &
  local pull=$!
  wait_for 20 bash -c "ls $PRUNE_DATA/images/ingest/*/data >/dev/null 2>&1" || fail "the pull never started"
  local out
  out=$(pr image prune -a -f)
  # prune did not wait for the pull (it holds a lease, not the service).
  kill -0 "$pull" 2>/dev/null || fail "the pull had ended when prune returned"
  assert_contains "$out" "test/busybox:v1" "prune took the unused image"
  local rc=0
  wait "$pull" || rc=$?
  assert_eq "$rc" "0" "the pull beside prune: $(cat "$TMP/pruned-pull.log")"
  assert_contains "$(pr images)" "test/big"
  [[ -n $(sqlite3 "$PRUNE_DATA/snapshots/meta.db" "SELECT key FROM snapshots WHERE key = '$chain'") ]] ||
    fail "the pull's layer snapshot is missing"
  local blob
  for blob in "$PRUNE_DATA"/images/blobs/sha256/*; do
    assert_eq "$(sha256sum "$blob" | cut -d' ' -f1)" "$(basename "$blob")" "blob"
  done
  # With the pull done, its lease is gone: nothing of it stays held.
  assert_eq "$(sqlite3 "$PRUNE_DATA/images/meta.db" 'SELECT count(*) FROM leases')" "0" "leases left"
  # A load, too, runs beside a prune.
  pr save -o "$TMP/big-prune.tar" "$REGISTRY/test/big:prune"
  pr rmi "$REGISTRY/test/big:prune" >/dev/null
  pr pull -q "$REGISTRY/test/busybox:v1" >/dev/null
  pr load -i "$TMP/big-prune.tar" >"$TMP/pruned-load.log" 2>&1 &
  local load=$!
  wait_for 20 bash -c "ls $PRUNE_DATA/images/ingest/tmp-* >/dev/null 2>&1" || fail "the load never started"
  out=$(pr image prune -a -f)
  kill -0 "$load" 2>/dev/null || fail "the load had ended when prune returned"
  assert_contains "$out" "test/busybox:v1" "prune beside the load took the unused image"
  rc=0
  wait "$load" || rc=$?
  assert_eq "$rc" "0" "the load beside prune: $(cat "$TMP/pruned-load.log")"
  assert_contains "$(pr images)" "test/big"
  [[ -n $(sqlite3 "$PRUNE_DATA/snapshots/meta.db" "SELECT key FROM snapshots WHERE key = '$chain'") ]] ||
    fail "the load's layer snapshot is missing"
  for blob in "$PRUNE_DATA"/images/blobs/sha256/*; do
    assert_eq "$(sha256sum "$blob" | cut -d' ' -f1)" "$(basename "$blob")" "blob"
  done
  assert_eq "$(sqlite3 "$PRUNE_DATA/images/meta.db" 'SELECT count(*) FROM leases')" "0" "leases left"
}

test_bomb_wrong_digest_and_missing_layers_are_refused_through_pull() {
  # A berthd whose layers may unpack to 16 MiB at most.
  echo '{"max-layer-bytes": 16777216}' >"$TMP/small-layers.json"
  BERTHD_CONFIG=$TMP/small-layers.json start_berthd SMALL --insecure-registry "$REGISTRY"
  small() { "$BIN/berth" -H "$SMALL_SOCK" "$@"; }
  make_hostile_image "$TMP/hostile-bomb" bomb bomb
  push_image "$TMP/hostile-bomb" bomb test/hostile:bomb
  local rc=0 out
  out=$(small pull "$REGISTRY/test/hostile:bomb" 2>&1) || rc=$?
  assert_eq "$rc" "1" "pull of a decompression bomb"
  assert_contains "$out" "$LAYER_DIGEST" "the error names the layer"
  assert_contains "$out" "exceeds the limit of 16777216 bytes"
  # A layer the registry serves with other bytes than its digest says.
  make_hostile_image "$TMP/tampered" plain plain
  push_image "$TMP/tampered" plain test/tampered:v1
  local hex=${LAYER_DIGEST#sha256:} data
  data=$(find "$TMP/registry-${REGISTRY##*:}/data" -path "*/blobs/sha256/${hex:0:2}/$hex/data")
  [[ -f $data ]] || fail "layer blob not found in the registry's storage"
  printf 'X' | dd of="$data" bs=1 seek=20 conv=notrunc status=none
  rc=0; out=$(small pull "$REGISTRY/test/tampered:v1" 2>&1) || rc=$?
  assert_eq "$rc" "1" "pull of a tampered layer"
  assert_contains "$out" "$LAYER_DIGEST"
  assert_contains "$out" "digest mismatch"
  # A manifest whose layer the registry does not have.
  make_hostile_image "$TMP/layerless" plain plain
  push_image "$TMP/layerless" plain test/layerless:v1
  local missing=$LAYER_DIGEST
  rm -rf "$TMP/registry-${REGISTRY##*:}/data/docker/registry/v2/repositories/test/layerless/_layers/sha256/${missing#sha256:}"
  rc=0; out=$(small pull "$REGISTRY/test/layerless:v1" 2>&1) || rc=$?
  assert_eq "$rc" "1" "pull of a manifest whose layer is missing"
  assert_contains "$out" "$missing"
  # Nothing of these was kept: no image, no blob that fails its name, no
  # layer snapshot.
  [[ -z $(small images -q) ]] || fail "an image was recorded"
  local blob
  for blob in "$SMALL_DATA"/images/blobs/sha256/*; do
    [[ -e $blob ]] || continue
    assert_eq "sha256:$(sha256sum "$blob" | cut -d' ' -f1)" "sha256:$(basename "$blob")" "stored blob"
    [[ sha256:$(basename "$blob") != "$LAYER_DIGEST" ]] || fail "the tampered layer was stored"
  done
  assert_eq "$(sqlite3 "$SMALL_DATA/snapshots/meta.db" 'SELECT count(*) FROM snapshots')" "0" "snapshots left"
  # And the service keeps serving.
  small pull -q "$REGISTRY/test/busybox:v1" >/dev/null
}

run_tests "$@"
