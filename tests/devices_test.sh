#!/usr/bin/env bash
# Devices of containers: a default container may make any node (CAP_MKNOD)
# but open only docker's default devices (the devices cgroup, v1, or a BPF
# program, v2), so a host block device it names is out of reach; --device,
# --device-cgroup-rule and --privileged open it; exec'd processes are held
# to the same rules. And the container's own cgroup at /sys/fs/cgroup.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

MARK=HOSTMARK

setup_suite() {
  start_berthd MAIN
  import_busybox busybox "$MAIN_SOCK"
  # A loop device of the host over a file of this test, a marker at its start.
  DISK=$TMP/disk.img
  dd if=/dev/zero of="$DISK" bs=1M count=4 status=none
  printf '%s' "$MARK" | dd of="$DISK" conv=notrunc status=none
  LOOP=$(losetup -f --show "$DISK") || { echo "losetup failed"; return 1; }
  echo "$LOOP" >"$TMP/loop-device"
  LOOP_MAJOR=$((16#$(stat -c %t "$LOOP")))
  LOOP_MINOR=$((16#$(stat -c %T "$LOOP")))
}

teardown_suite() {
  local ids
  ids=$(berth ps -aq 2>/dev/null) && [[ -n $ids ]] && berth rm -f $ids >/dev/null 2>&1
  # Always give the loop device back.
  [[ -f $TMP/loop-device ]] && losetup -d "$(cat "$TMP/loop-device")" 2>/dev/null
  return 0
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# The first bytes of the host's backing file.
host_mark() { head -c ${#MARK} "$DISK"; }

restore_mark() { printf '%s' "$MARK" | dd of="$DISK" conv=notrunc status=none; }

# CAP_MKNOD makes the node; opening it for reading or writing is refused,
# and the host's file is untouched. /dev/null and friends still work.
test_default_container_cannot_open_a_host_block_device() {
  local out
  out=$(berth run --rm busybox sh -c "
    mknod /tmp/l b $LOOP_MAJOR $LOOP_MINOR && echo made
    dd if=/tmp/l bs=8 count=1 2>&1; echo read=\$?
    echo EVILEVIL | dd of=/tmp/l conv=notrunc,fsync 2>&1; echo write=\$?
    echo x >/dev/null && echo null=ok
    echo zero=\$(head -c 4 /dev/zero | wc -c) urandom=\$(head -c 4 /dev/urandom | wc -c)
    echo x >/dev/full 2>/dev/null || echo full=ENOSPC")
  assert_contains "$out" "made" "mknod (CAP_MKNOD) is allowed"
  assert_contains "$out" "read=1"
  assert_contains "$out" "write=1"
  assert_contains "$out" "Operation not permitted"
  assert_not_contains "$out" "$MARK" "what the container read"
  assert_eq "$(host_mark)" "$MARK" "host file after a default container"
  assert_contains "$out" "null=ok"
  assert_contains "$out" "zero=4 urandom=4"
  assert_contains "$out" "full=ENOSPC"
}

# The positive controls: the same device opens with --device (read and
# write), through its own path or another one in the container.
test_device_flag_reads_and_writes() {
  local out
  out=$(berth run --rm --device "$LOOP" busybox sh -c "
    dd if=$LOOP bs=8 count=1 2>/dev/null; echo
    printf NEWMARK1 | dd of=$LOOP conv=notrunc,fsync 2>/dev/null && echo wrote")
  assert_contains "$out" "$MARK" "read through --device"
  assert_contains "$out" "wrote"
  assert_eq "$(host_mark)" "NEWMARK1" "host file after a write through --device"
  restore_mark
  out=$(berth run --rm --device "$LOOP:/dev/xvda" busybox sh -c 'ls -l /dev/xvda; dd if=/dev/xvda bs=8 count=1 2>/dev/null')
  assert_contains "$out" "$MARK" "read through --device HOST:CONTAINER"
  assert_contains "$out" "brw-" "the node is a block device"
}

test_device_read_only_permission_cannot_write() {
  local out
  out=$(berth run --rm --device "$LOOP:/dev/xvda:r" busybox sh -c "
    dd if=/dev/xvda bs=8 count=1 2>/dev/null; echo
    echo EVILEVIL | dd of=/dev/xvda conv=notrunc,fsync 2>&1; echo write=\$?")
  assert_contains "$out" "$MARK" "read with :r"
  assert_contains "$out" "write=1"
  assert_contains "$out" "Operation not permitted"
  assert_eq "$(host_mark)" "$MARK" "host file after :r"
}

test_device_cgroup_rule_grants_access() {
  local out
  out=$(berth run --rm --device-cgroup-rule "b $LOOP_MAJOR:$LOOP_MINOR rm" busybox sh -c "
    mknod /tmp/l b $LOOP_MAJOR $LOOP_MINOR && dd if=/tmp/l bs=8 count=1 2>/dev/null; echo
    echo EVILEVIL | dd of=/tmp/l conv=notrunc,fsync 2>&1; echo write=\$?")
  assert_contains "$out" "$MARK" "read granted by the rule"
  assert_contains "$out" "write=1" "write is not in the rule"
  assert_eq "$(host_mark)" "$MARK"
  local rc=0
  out=$(berth run --rm --device-cgroup-rule 'c 1:3 rwx' busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "bad rule"
  assert_contains "$out" "invalid device cgroup format 'c 1:3 rwx'"
}

test_privileged_gets_every_device() {
  local out
  out=$(berth run --rm --privileged busybox sh -c "dd if=$LOOP bs=8 count=1 2>/dev/null; echo
    mknod /tmp/l b $LOOP_MAJOR $LOOP_MINOR && dd if=/tmp/l bs=8 count=1 2>/dev/null")
  assert_eq "$(grep -c "$MARK" <<<"$out")" "2" "privileged reads the host's node and one it made"
}

# exec'd processes join the container's cgroup: the same rules hold.
test_exec_is_limited_like_the_container() {
  local id out
  id=$(berth run -d busybox sleep 60)
  out=$(berth exec "$id" sh -c "
    mknod /tmp/l b $LOOP_MAJOR $LOOP_MINOR && echo made
    dd if=/tmp/l bs=8 count=1 2>&1; echo read=\$?
    echo x >/dev/null && echo null=ok")
  assert_contains "$out" "made"
  assert_contains "$out" "read=1"
  assert_contains "$out" "Operation not permitted"
  assert_contains "$out" "null=ok"
  berth rm -f "$id" >/dev/null
  id=$(berth run -d --device "$LOOP" busybox sleep 60)
  out=$(berth exec "$id" dd if="$LOOP" bs=8 count=1 2>/dev/null)
  assert_contains "$out" "$MARK" "exec in a container with --device"
  berth rm -f "$id" >/dev/null
}

test_device_errors_as_docker() {
  local out rc=0
  out=$(berth run --rm --device /dev/nope busybox true 2>&1) || rc=$?
  # docker's daemon finds this at start, and its CLI's rule for start
  # errors makes "no such file or directory" 127.
  assert_eq "$rc" "127" "missing device"
  assert_contains "$out" 'error gathering device information while adding custom device "/dev/nope": no such file or directory'
  rc=0
  out=$(berth run --rm --gpus all busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "--gpus without a GPU runtime"
  assert_contains "$out" 'could not select device driver "" with capabilities: [[gpu]]'
  rc=0
  out=$(berth run --rm --device /dev/null:/dev/x:rwq busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "bad device mode"
  assert_contains "$out" "bad mode specified: rwq"
}

test_inspect_shows_devices_and_rules() {
  local id
  id=$(berth create --device "$LOOP:/dev/xvda:r" --device-cgroup-rule 'c 1:3 mr' busybox true)
  assert_eq "$(berth inspect --format '{{json .HostConfig.Devices}}' "$id")" \
    "[{\"CgroupPermissions\":\"r\",\"PathInContainer\":\"/dev/xvda\",\"PathOnHost\":\"$LOOP\"}]"
  assert_eq "$(berth inspect --format '{{json .HostConfig.DeviceCgroupRules}}' "$id")" '["c 1:3 mr"]'
  berth rm "$id" >/dev/null
  id=$(berth create busybox true)
  assert_eq "$(berth inspect --format '{{json .HostConfig.Devices}}' "$id")" "[]"
  assert_eq "$(berth inspect --format '{{json .HostConfig.DeviceCgroupRules}}' "$id")" "null"
  berth rm "$id" >/dev/null
}

# Where berth puts a container on this host: v2 only when /sys/fs/cgroup
# is the unified hierarchy itself (a hybrid host is v1).
unified_host() { [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; }

# The directories of /sys/fs/cgroup a v1 hierarchy is mounted on (not the
# links to them, not an empty directory where none could be mounted).
v1_hierarchies() {
  local f
  for f in /sys/fs/cgroup/*; do
    if [[ ! -L $f && $(stat -fc %T "$f") == cgroupfs ]]; then echo "${f##*/}"; fi
  done | sort
}

# Runtimes that size themselves from their cgroup see the container's
# limits; the mount is read-only (docker's) but for --privileged.
test_sys_fs_cgroup_shows_the_containers_own_limits() {
  local out memory cpu
  if unified_host; then
    memory=/sys/fs/cgroup/memory.max cpu=/sys/fs/cgroup/cpu.max
  else
    memory=/sys/fs/cgroup/memory/memory.limit_in_bytes cpu=/sys/fs/cgroup/cpu/cpu.cfs_quota_us
  fi
  out=$(berth run --rm --memory 64m --cpus 0.5 busybox sh -c "cat $memory $cpu
    { echo 33554432 >$memory; } 2>&1 || echo write=refused; cat $memory")
  assert_eq "$(sed -n 1p <<<"$out")" "67108864" "memory limit inside"
  assert_contains "$(sed -n 2p <<<"$out")" "50000" "cpu quota inside"
  assert_contains "$out" "Read-only file system"
  assert_contains "$out" "write=refused"
  assert_eq "$(sed -n '$p' <<<"$out")" "67108864" "limit after a refused write"
  # Positive control of read-only: --privileged may write its own limit.
  out=$(berth run --rm --privileged --memory 64m busybox sh -c "echo 33554432 >$memory && cat $memory")
  assert_eq "$out" "33554432" "privileged writes its own cgroup"
  if ! unified_host; then
    # The host's hierarchies (all of them, not only those berth limits)
    # keep their names, and the links to them ("cpu" -> "cpu,cpuacct").
    # Only mounted ones count: systemd leaves an empty directory and its
    # links where it could not mount a hierarchy (in a cgroup namespace).
    local host_dirs host_links container
    host_dirs=$(v1_hierarchies | paste -sd' ')
    host_links=$(cd /sys/fs/cgroup && for f in *; do
      if [[ -L $f && $(stat -fc %T "$f/") == cgroupfs ]]; then echo "$f"; fi; done | sort | paste -sd' ')
    container=$(berth run --rm busybox sh -c 'cd /sys/fs/cgroup && for f in *; do
      if [ -L "$f" ]; then echo "link $f"; else echo "dir $f"; fi; done')
    assert_eq "$(sed -n 's/^dir //p' <<<"$container" | sort | paste -sd' ')" "$host_dirs" "hierarchies in /sys/fs/cgroup"
    assert_eq "$(sed -n 's/^link //p' <<<"$container" | sort | paste -sd' ')" "$host_links" "symlinks in /sys/fs/cgroup"
  fi
}

# The container is in a cgroup of its own in every v1 hierarchy it sees
# (runc's), so what each shows it is its own (name=systemd, net_cls, ...
# too, not the shim's); the cgroups go away with the container.
test_container_has_its_own_cgroup_in_every_hierarchy() {
  unified_host && skip "cgroup v1 hierarchies only"
  local id pid lines own hierarchies
  id=$(berth run -d --network none busybox sleep 300)
  pid=$(berth inspect -f '{{.State.Pid}}' "$id")
  lines=$(grep -v '^0::' "/proc/$pid/cgroup")
  own=$(sed -n 's/^[0-9]*:memory://p' <<<"$lines")
  assert_contains "$own" "$id" "memory cgroup"
  hierarchies=$(v1_hierarchies | wc -l)
  assert_eq "$(wc -l <<<"$lines")" "$hierarchies" "hierarchies the container is in"
  assert_eq "$(grep -vc ":$own\$" <<<"$lines")" "0" "hierarchies where it is not in its own cgroup: $lines"
  # Inside, each is its root.
  assert_eq "$(berth exec "$id" sh -c 'grep -v "^0::" /proc/self/cgroup | grep -vc ":/\$"')" "0" "inside"
  berth rm -f "$id" >/dev/null
  local left
  left=$(cd /sys/fs/cgroup && for f in *; do if [[ -e $f$own ]]; then echo "$f"; fi; done)
  assert_eq "$left" "" "cgroups left after rm"
}

run_tests "$@"
