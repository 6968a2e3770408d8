#!/usr/bin/env bash
# The Kubernetes CRI (runtime.v1) on berth-cri's socket, driven by berth's
# own client over the CRI proto (tests/tools/grpc_call: CI has no crictl):
# runtime info, the image service against a real registry, and the k8s.io
# namespace that keeps the CRI's images apart from the CLI's.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

setup_suite() {
  start_registry
  make_image "$TMP/layout" v1 "hello from v1"
  push_image "$TMP/layout" v1 test/busybox:v1
  push_image "$TMP/layout" v1 test/other:v1
  make_image "$TMP/layout2" v2 "hello from v2"
  push_image "$TMP/layout2" v2 test/busybox:v2
  start_berthd MAIN
  CRI=unix://$MAIN_EXEC/cri.sock
}

teardown_suite() { remove_main_containers; }

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# cri Service/Method [TEXT_REQUEST] [SOCKET]: prints the status line, then
# the response in protobuf text format.
cri() { "$BIN/grpc_call" "${3:-$CRI}" "/runtime.v1.$1" "${2-}"; }

# image_id REF: the id ImageStatus reports, empty when not present.
image_id() {
  cri ImageService/ImageStatus "image { image: \"$1\" }" | awk -F'"' '/^  id: / {print $2}'
}

count_files() { find "$1" -type f | wc -l; }

test_version_names_berth_and_v1() {
  local out
  out=$(cri RuntimeService/Version 'version: "v1"')
  assert_contains "$out" "OK "
  assert_contains "$out" 'runtime_name: "berth"'
  assert_contains "$out" 'runtime_api_version: "v1"'
  assert_contains "$out" 'runtime_version: "0.1.0"'
  # Also served on the socket berthd supervises: health and reflection.
  assert_contains "$("$BIN/grpc_call" "$CRI" /grpc.health.v1.Health/Check)" "OK"
}

test_status_follows_the_network_service() {
  local out network
  out=$(cri RuntimeService/Status '')
  assert_contains "$out" "OK "
  [[ $(grep -c 'status: true' <<<"$out") -eq 2 ]] || fail "both conditions true: $out"
  assert_contains "$out" 'type: "RuntimeReady"'
  assert_contains "$out" 'type: "NetworkReady"'
  # A network service that does not answer: NetworkReady false, with the
  # reason the kubelet knows, RuntimeReady still true.
  network=$(service_pid "$MAIN_PID" network)
  [[ -n $network ]] || fail "no network service process"
  kill -STOP "$network"
  out=$(cri RuntimeService/Status '')
  kill -CONT "$network"
  assert_contains "$out" "OK "
  assert_contains "$out" 'reason: "NetworkPluginNotReady"'
  assert_contains "$out" 'message: "berth network service is not ready'
  [[ $(grep -c 'status: true' <<<"$out") -eq 1 ]] || fail "only the runtime ready: $out"
  wait_for 10 bash -c "'$BIN/grpc_call' '$CRI' /runtime.v1.RuntimeService/Status '' | grep -c 'status: true' | grep -qx 2" ||
    fail "network not ready again after SIGCONT"
}

test_runtime_config_reports_the_cgroup_driver() {
  local out
  out=$(cri RuntimeService/RuntimeConfig '')
  assert_contains "$out" "OK "
  # The suite's berthd runs the cgroupfs driver (lib.sh's config).
  assert_contains "$out" "cgroup_driver: CGROUPFS"
}

test_pod_cidr_is_kept_across_a_restart_of_berth_cri() {
  local out pid
  out=$(cri RuntimeService/UpdateRuntimeConfig 'runtime_config { network_config { pod_cidr: "10.244.7.0/24" } }')
  assert_contains "$out" "OK "
  out=$(cri RuntimeService/UpdateRuntimeConfig 'runtime_config { network_config { pod_cidr: "10.244.7.0/99" } }')
  assert_contains "$out" "INVALID_ARGUMENT"
  assert_contains "$out" 'invalid pod CIDR "10.244.7.0/99"'
  pid=$(service_pid "$MAIN_PID" cri)
  [[ -n $pid ]] || fail "no berth-cri process"
  kill -9 "$pid"
  wait_for 20 bash -c "'$BIN/grpc_call' '$CRI' /runtime.v1.RuntimeService/Version 'version: \"v1\"' | grep -q '^OK'" ||
    fail "berth-cri not restarted"
  [[ $(service_pid "$MAIN_PID" cri) != "$pid" ]] || fail "the same berth-cri still runs"
  out=$(cri RuntimeService/Status 'verbose: true')
  assert_contains "$out" '\"podCIDR\":\"10.244.7.0/24\"'
  assert_contains "$out" '\"namespace\":\"k8s.io\"'
}

test_pod_and_container_methods_are_not_implemented_yet() {
  local out
  out=$(cri RuntimeService/RunPodSandbox 'config { metadata { name: "p" uid: "u" namespace: "n" } }')
  assert_contains "$out" "UNIMPLEMENTED"
  out=$(cri RuntimeService/ListContainers '')
  assert_contains "$out" "UNIMPLEMENTED"
  # The same socket answers what is implemented.
  assert_contains "$(cri RuntimeService/Version '')" "OK "
}

test_pull_list_status_and_remove_an_image() {
  local ref=$REGISTRY/test/busybox:v2 out id
  assert_eq "$(image_id "$ref")" "" "not present before the pull"
  out=$(cri ImageService/ImageStatus "image { image: \"$ref\" }")
  assert_eq "$out" "OK " "a missing image is an empty answer, not an error"
  out=$(cri ImageService/PullImage "image { image: \"$ref\" } sandbox_config { metadata { name: \"p\" } }")
  assert_contains "$out" "OK "
  id=$(awk -F'"' '/^image_ref: / {print $2}' <<<"$out")
  [[ $id =~ ^sha256:[0-9a-f]{64}$ ]] || fail "image_ref is not an image id: $out"
  assert_eq "$(image_id "$ref")" "$id" "ImageStatus by name"
  assert_eq "$(image_id "$id")" "$id" "ImageStatus by id"
  assert_eq "$(image_id "${id:7:12}")" "$id" "ImageStatus by short id"
  out=$(cri ImageService/ListImages '')
  assert_contains "$out" "repo_tags: \"$ref\""
  assert_contains "$out" "id: \"$id\""
  assert_contains "$out" "repo_digests: \"$REGISTRY/test/busybox@sha256:"
  out=$(cri ImageService/ListImages "filter { image { image: \"$ref\" } }")
  [[ $(grep -c '^images {' <<<"$out") -eq 1 ]] || fail "filter by name: $out"
  out=$(cri ImageService/ListImages 'filter { image { image: "nothing:here" } }')
  assert_eq "$out" "OK " "filter that names no image"
  out=$(cri ImageService/ImageStatus "image { image: \"$ref\" } verbose: true")
  assert_contains "$out" 'key: "info"'
  assert_contains "$out" '\"chainID\":\"sha256:'
  assert_contains "$out" '\"imageSpec\":{'
  out=$(cri ImageService/RemoveImage "image { image: \"$ref\" }")
  assert_contains "$out" "OK "
  assert_eq "$(image_id "$ref")" "" "gone after RemoveImage"
  # Removing what is not there is no error (the kubelet retries).
  assert_contains "$(cri ImageService/RemoveImage "image { image: \"$ref\" }")" "OK "
  assert_contains "$(cri ImageService/PullImage 'image { image: "" }')" "INVALID_ARGUMENT"
}

test_remove_image_drops_every_name_of_the_image() {
  local id
  cri ImageService/PullImage "image { image: \"$REGISTRY/test/busybox:v1\" }" >/dev/null
  cri ImageService/PullImage "image { image: \"$REGISTRY/test/other:v1\" }" >/dev/null
  id=$(image_id "$REGISTRY/test/other:v1")
  assert_eq "$(image_id "$REGISTRY/test/busybox:v1")" "$id" "two names, one image"
  assert_contains "$(cri ImageService/RemoveImage "image { image: \"$REGISTRY/test/other:v1\" }")" "OK "
  assert_eq "$(image_id "$REGISTRY/test/busybox:v1")" "" "the other name went too"
  assert_eq "$(image_id "$id")" "" "the image went"
}

test_cri_images_are_apart_from_the_cli_and_share_content() {
  local ref=$REGISTRY/test/busybox:v1 blobs snapshots cri_id
  assert_contains "$(cri ImageService/PullImage "image { image: \"$ref\" }")" "OK "
  cri_id=$(image_id "$ref")
  # Not the CLI's image: `berth images` does not list it, the k8s.io
  # namespace does.
  assert_not_contains "$(berth images)" "test/busybox"
  assert_contains "$(berth --namespace k8s.io images)" "$REGISTRY/test/busybox "
  assert_contains "$(BERTH_NAMESPACE=k8s.io "$BIN/berth" -H "$MAIN_SOCK" images)" "$REGISTRY/test/busybox "
  # The same image pulled by the CLI: a second name, no second copy of
  # its blobs or layers.
  blobs=$(count_files "$MAIN_DATA/images/blobs")
  snapshots=$(sqlite3 "$MAIN_DATA/snapshots/meta.db" 'SELECT count(*) FROM snapshots')
  berth pull -q "$ref" >/dev/null
  assert_contains "$(berth images)" "$REGISTRY/test/busybox "
  assert_eq "$(count_files "$MAIN_DATA/images/blobs")" "$blobs" "blobs stored once"
  assert_eq "$(sqlite3 "$MAIN_DATA/snapshots/meta.db" 'SELECT count(*) FROM snapshots')" \
    "$snapshots" "layers unpacked once"
  assert_eq "$(berth image inspect --format '{{.Id}}' "$ref")" "$cri_id" "the same image id"
  # A plain CLI rmi removes the CLI's name only; the CRI's image and its
  # layers stay.
  berth rmi "$ref" >/dev/null
  assert_not_contains "$(berth images)" "test/busybox"
  assert_eq "$(image_id "$ref")" "$cri_id" "the CRI's image survives the CLI's rmi"
  assert_eq "$(count_files "$MAIN_DATA/images/blobs")" "$blobs" "its blobs kept"
  assert_eq "$(sqlite3 "$MAIN_DATA/snapshots/meta.db" 'SELECT count(*) FROM snapshots')" \
    "$snapshots" "its layers kept"
  # And the other way round: the CRI removes its own, and then the content
  # goes since no namespace names it.
  assert_contains "$(cri ImageService/RemoveImage "image { image: \"$ref\" }")" "OK "
  assert_not_contains "$(berth --namespace k8s.io images)" "test/busybox"
  (($(count_files "$MAIN_DATA/images/blobs") < blobs)) || fail "content of the last name not collected"
}

test_a_malformed_namespace_is_refused() {
  local out rc=0
  out=$("$BIN/grpc_call" -H berth-namespace=bad..name "unix://$MAIN_EXEC/images.sock" \
    /berth.images.v1.Images/List '')
  assert_contains "$out" "INVALID_ARGUMENT"
  assert_contains "$out" 'namespace "bad..name": invalid namespace name'
  out=$("$BIN/grpc_call" -H berth-namespace=k8s.io "unix://$MAIN_EXEC/images.sock" \
    /berth.images.v1.Images/List '')
  assert_contains "$out" "OK "
  out=$(berth --namespace 'no/slash' images 2>&1) || rc=$?
  [[ $rc -ne 0 ]] || fail "berth --namespace no/slash images succeeded: $out"
  assert_contains "$out" "invalid namespace name"
}

test_image_fs_info_reports_the_snapshot_filesystem() {
  local out used
  cri ImageService/PullImage "image { image: \"$REGISTRY/test/busybox:v2\" }" >/dev/null
  out=$(cri ImageService/ImageFsInfo '')
  assert_contains "$out" "OK "
  assert_contains "$out" "mountpoint: \"$MAIN_DATA/snapshots/overlayfs\""
  used=$(awk '/used_bytes/ {getline; print $2}' <<<"$out")
  ((used > 100000)) || fail "used bytes of two busybox layers: $out"
  assert_contains "$out" "inodes_used {"
  cri ImageService/RemoveImage "image { image: \"$REGISTRY/test/busybox:v2\" }" >/dev/null
}

test_pull_with_the_kubelets_credentials() {
  local out
  htpasswd -Bbn alice s3cret >"$TMP/htpasswd"
  local main_registry=$REGISTRY
  start_registry "auth:
  htpasswd:
    realm: berth-test
    path: $TMP/htpasswd" "-u alice:s3cret"
  local private=$REGISTRY
  REGISTRY=$private
  skopeo copy --quiet --dest-tls-verify=false --dest-creds alice:s3cret \
    "oci:$TMP/layout:v1" "docker://$private/private/busybox:v1" >/dev/null
  REGISTRY=$main_registry
  out=$(cri ImageService/PullImage "image { image: \"$private/private/busybox:v1\" }")
  assert_contains "$out" "UNAUTHENTICATED"
  out=$(cri ImageService/PullImage "image { image: \"$private/private/busybox:v1\" } auth { username: \"alice\" password: \"wrong\" }")
  assert_not_contains "$out" "OK "
  out=$(cri ImageService/PullImage "image { image: \"$private/private/busybox:v1\" } auth { username: \"alice\" password: \"s3cret\" }")
  assert_contains "$out" "OK "
  cri ImageService/RemoveImage "image { image: \"$private/private/busybox:v1\" }" >/dev/null
  # "auth" is base64 of user:password, as the kubelet sends from a pull secret.
  out=$(cri ImageService/PullImage "image { image: \"$private/private/busybox:v1\" } auth { auth: \"$(printf alice:s3cret | base64)\" }")
  assert_contains "$out" "OK "
  out=$(cri ImageService/PullImage "image { image: \"$private/private/busybox:v1\" } auth { auth: \"bm90LWEtcGFpcg==\" }")
  assert_contains "$out" "INVALID_ARGUMENT"
}

test_cri_socket_key_moves_or_turns_off_the_cri() {
  local dir out
  dir=$(mktemp -d /run/berth-cri.XXXXXX)
  track_dir "$dir"
  start_berthd MOVED --cri-socket "$dir/k8s.sock"
  out=$(cri RuntimeService/Version '' "unix://$dir/k8s.sock")
  assert_contains "$out" 'runtime_name: "berth"'
  assert_eq "$(stat -c %a "$dir/k8s.sock")" "600" "CRI socket mode"
  start_berthd OFF --cri-socket ""
  wait_for 10 grep -q "cri: off" "$OFF_LOG" || fail "no 'cri: off' in the log"
  # berth-cri still runs under berthd (health), serving no CRI.
  assert_contains "$("$BIN/grpc_call" "unix://$OFF_EXEC/cri.sock" /grpc.health.v1.Health/Check)" "OK"
  assert_contains "$(cri RuntimeService/Version '' "unix://$OFF_EXEC/cri.sock")" "UNIMPLEMENTED"
  # berthd stopping takes the moved socket away with its service.
  kill -TERM "$MOVED_PID"
  wait "$MOVED_PID" || true
  [[ ! -e $dir/k8s.sock ]] || fail "the moved CRI socket stayed behind"
  kill -TERM "$OFF_PID"
  wait "$OFF_PID" || true
}

run_tests "$@"
