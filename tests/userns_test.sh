#!/usr/bin/env bash
# userns-remap for real: a berthd with "userns-remap": "default" makes the
# berthremap user and its subordinate ids (as dockerd makes dockremap), and
# its containers' root is that unprivileged host user. Image files, volumes
# and init files are idmapped (stored as root, the container's root's);
# host paths keep the host's owners.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

setup_suite() {
  start_berthd MAIN --userns-remap default
  import_busybox busybox "$MAIN_SOCK"
  START=$(awk -F: '$1 == "berthremap" { print $2; exit }' /etc/subuid)
  GSTART=$(awk -F: '$1 == "berthremap" { print $2; exit }' /etc/subgid)
}

teardown_suite() {
  remove_main_containers
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

host_pid() { berth inspect --format '{{.State.Pid}}' "$1"; }

# "Uid:" or "Gid:" of a host process: real, effective, saved, fs.
host_ids() { awk -v k="$2:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$1/status"; }

test_default_makes_the_remap_user_and_its_ranges() {
  getent passwd berthremap >/dev/null || fail "no berthremap user"
  [[ -n $START && -n $GSTART ]] || fail "no berthremap ranges in /etc/subuid and /etc/subgid"
  local count
  count=$(awk -F: '$1 == "berthremap" { print $3; exit }' /etc/subuid)
  assert_eq "$count" 65536 "subordinate uids"
  ((START >= 100000)) || fail "range starts at $START"
  local info
  info=$(berth info)
  assert_contains "$info" " Security Options:"
  assert_contains "$info" "  userns"
}

test_container_root_is_an_unprivileged_host_user() {
  berth run -d --name plain busybox sleep 1000 >/dev/null || fail "run failed"
  local pid
  pid=$(host_pid plain)
  assert_eq "$(host_ids "$pid" Uid)" "$START $START $START $START" "host uids of the container's root"
  assert_eq "$(host_ids "$pid" Gid)" "$GSTART $GSTART $GSTART $GSTART" "host gids"
  local inside
  inside=$(berth exec plain sh -c 'cat /proc/self/uid_map; id -u; id -g')
  assert_eq "$(echo $inside)" "0 $START 65536 0 0" "the container's view"
  assert_eq "$(berth inspect --format '{{.HostConfig.UsernsMode}}' plain)" "" "UsernsMode"
  berth rm -f plain >/dev/null
}

test_image_is_root_owned_inside_and_writes_are_stored_as_root() {
  local out
  out=$(berth run --name writer busybox sh -c \
    'stat -c %u:%g /bin/busybox /etc/passwd; touch /made-here && stat -c %u /made-here;
     rm -rf /home && mkdir /home && echo only > /home/only') || fail "run failed: $out"
  assert_eq "$(echo $out)" "0:0 0:0 0" "ownership inside"
  # Committed and run without the namespace: the file is root's, and the
  # replaced directory hides the image's one (an opaque mark the diff read).
  berth commit writer written:1 >/dev/null || fail "commit failed"
  out=$(berth run --rm --userns host written:1 sh -c 'stat -c %u /made-here; ls -A /home')
  assert_eq "$(echo $out)" "0 only" "committed layer"
  berth rm writer >/dev/null
}

test_volumes_and_init_files_are_the_containers_own() {
  local out
  out=$(berth run --rm -v remapped:/data busybox sh -c \
    'echo 10.1.2.3 extra >> /etc/hosts && tail -1 /etc/hosts; echo kept > /data/file && stat -c %u /data/file') ||
    fail "run failed: $out"
  assert_eq "$(echo $out)" "10.1.2.3 extra 0" "writes as the container's root"
  local dir
  dir=$(berth volume inspect --format '{{.Mountpoint}}' remapped)
  assert_eq "$(stat -c %u:%g "$dir/file")" "0:0" "stored as root on the host"
  berth volume rm remapped >/dev/null
}

test_host_paths_keep_the_hosts_owners() {
  local dir=$TMP/host-owned
  mkdir -p "$dir" && echo secret >"$dir/file" && chmod 0755 "$dir" && chmod 0644 "$dir/file"
  local out
  out=$(berth run --rm --cap-add ALL -v "$dir:/h" busybox sh -c \
    'stat -c %u /h; cat /h/file; (echo x >> /h/file) 2>/dev/null || echo write-denied;
     chown 0 /h/file 2>/dev/null || echo chown-denied')
  assert_eq "$(echo $out)" "65534 secret write-denied chown-denied" "host root's files"
  assert_eq "$(cat "$dir/file")" "secret" "host file untouched"
}

# The host's mounts would propagate into a namespace another user owns:
# refused, never silently private (rprivate, the default, is the control).
test_bind_propagation_other_than_private_refused() {
  local dir=$TMP/propagation out rc=0
  mkdir -p "$dir"
  out=$(berth run --rm -v "$dir:/h:rslave" busybox true 2>&1) || rc=$?
  [[ $rc != 0 ]] || fail "rslave bind ran in a user namespace"
  assert_contains "$out" "mount /h: propagation rslave is not supported with user namespaces"
  out=$(berth run --rm -v "$dir:/h:rprivate" busybox echo private-ok 2>&1)
  assert_eq "$out" "private-ok"
}

test_read_only_root_tmpfs_and_another_user() {
  local out
  out=$(berth run --rm --read-only --tmpfs /scratch -u nobody busybox sh -c \
    'id -u; (touch /x) 2>/dev/null || echo read-only; touch /scratch/ok && echo tmpfs-ok') ||
    fail "run failed: $out"
  assert_eq "$(echo $out)" "65534 read-only tmpfs-ok" "read-only root, tmpfs, -u nobody"
}

test_privileged_and_host_network_need_userns_host() {
  local out code
  code=0; out=$(berth run --rm --privileged busybox true 2>&1) || code=$?
  assert_eq "$code" 125 "exit code"
  assert_contains "$out" "privileged mode is incompatible with user namespaces"
  code=0; out=$(berth run --rm --network host busybox true 2>&1) || code=$?
  assert_eq "$code" 125 "exit code"
  assert_contains "$out" "cannot share the host's network namespace when user namespaces are enabled"
  out=$(berth run --rm --userns host --privileged busybox cat /proc/self/uid_map) ||
    fail "--userns=host --privileged failed: $out"
  assert_eq "$(echo $out)" "0 0 4294967295" "host user namespace"
  assert_eq "$(berth ps -aq | wc -l)" 0 "nothing created by the refusals"
}

# In user namespaces IPC and UTS are shared (born in them), PID is not: as
# docker, the host's is refused, and so is another container's, whose /proc
# a container in its own user namespace may not mount.
test_ipc_and_uts_shared_pid_refused() {
  local out code donor donor_ipc
  donor=$(berth run -d --ipc shareable busybox sleep 300)
  donor_ipc=$(berth exec "$donor" readlink /proc/self/ns/ipc)
  assert_contains "$donor_ipc" "ipc:[" "the donor's IPC namespace"
  assert_eq "$(berth run --rm --ipc "container:$donor" busybox readlink /proc/self/ns/ipc)" "$donor_ipc" \
    "joined IPC namespace"
  out=$(berth run --rm busybox readlink /proc/self/ns/ipc)
  assert_contains "$out" "ipc:[" "own IPC namespace"
  [[ $out != "$donor_ipc" ]] || fail "a container without --ipc shares the donor's"
  assert_eq "$(berth run --rm --uts host busybox hostname)" "$(hostname)" "--uts host"
  code=0; out=$(berth run --rm --pid host busybox true 2>&1) || code=$?
  assert_eq "$code" 125 "exit code"
  assert_contains "$out" "cannot share the host PID namespace when user namespaces are enabled"
  code=0; out=$(berth run --rm --pid "container:$donor" busybox true 2>&1) || code=$?
  assert_eq "$code" 125 "exit code"
  assert_contains "$out" "cannot share another container's PID namespace when user namespaces are enabled"
  berth rm -f "$donor" >/dev/null
}

test_published_port_served_by_the_remapped_root() {
  local port
  port=$(free_port)
  berth run -d --name web -p "127.0.0.1:$port:80" busybox sh -c \
    'mkdir -p /www && echo hello-userns > /www/index.html && exec httpd -f -p 80 -h /www' >/dev/null ||
    fail "run failed"
  wait_for 10 curl -sf "http://127.0.0.1:$port/" -o /dev/null ||
    fail "no answer on the published port: $(berth logs web 2>&1)"
  assert_eq "$(curl -s "http://127.0.0.1:$port/")" "hello-userns" "page"
  berth rm -f web >/dev/null
}

test_nothing_left_after_rm() {
  berth run -d --name gone -v leftover:/data busybox sleep 1000 >/dev/null || fail "run failed"
  local id
  id=$(berth inspect --format '{{.Id}}' gone)
  berth rm -f gone >/dev/null
  berth volume rm leftover >/dev/null
  local mounts
  mounts=$(cat /proc/self/mountinfo)
  assert_not_contains "$mounts" "$id"
  [[ ! -e $MAIN_EXEC/shims/$id ]] || fail "the shim's directory is left"
  pgrep -f "berth-shim.*$id" >/dev/null && fail "a shim is left"
  return 0
}

run_tests "$@"
