#!/usr/bin/env bash
# The systemd cgroup driver against a real systemd (Debian's), which is not
# this host's init: it is booted as PID 1 of its own pid, mount, cgroup, uts
# and network namespaces, in a cgroup of its own (berth-sdtest-<pid> in
# every hierarchy), with only the units this test writes (SYSTEMD_UNIT_PATH;
# no generators). berthd runs in it as a service like deploy/berthd.service,
# and every container is a delegated transient scope, berth-<id>.scope, whose
# limits are also unit properties.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"
source "$(dirname "$0")/systemd_rig.sh"

setup_suite() {
  RIG_DIR=$TMP/rig
  mkdir -p "$RIG_DIR/units" "$RIG_DIR/none"
  SD_EXEC=$(mktemp -d /var/lib/berth-sdtest.XXXXXX)
  track_dir "$SD_EXEC"
  SD_SOCK=unix://$SD_EXEC/berth.sock
  SD_LOG=$TMP/berthd-systemd.log
  : >"$SD_LOG"
  printf '{"cgroup-driver": "systemd"}\n' >"$TMP/systemd.json"
  cat >"$RIG_DIR/units/berth-test.target" <<UNIT
[Unit]
Description=berth test target
DefaultDependencies=no
UNIT
  # As deploy/berthd.service: restarted by systemd, its shims outlive it.
  cat >"$RIG_DIR/units/berthd.service" <<UNIT
[Unit]
DefaultDependencies=no
[Service]
ExecStart=$BIN/berthd --data-root $TMP/sd-data --exec-root $SD_EXEC --config-file $TMP/systemd.json --metrics-addr 127.0.0.1:$(free_port)
KillMode=process
Restart=always
RestartSec=1
Delegate=yes
StandardOutput=append:$SD_LOG
StandardError=append:$SD_LOG
UNIT
  rig_boot || return 1
  rig systemctl start berthd.service
  if ! wait_for 30 grep -q "berthd is ready" "$SD_LOG"; then
    cat "$SD_LOG"
    rig systemctl status --no-pager berthd.service
    return 1
  fi
  import_busybox busybox "$SD_SOCK"
}

teardown_suite() {
  rig_teardown
}

berth() { "$BIN/berth" -H "$SD_SOCK" "$@"; }

# A scope's cgroup directory under a hierarchy of this host.
scope_dir() { # id controller
  echo "/sys/fs/cgroup/$2/$RIG_CG/${3:-system.slice}/berth-$1.scope"
}

unit_property() { # id property
  rig systemctl show "berth-$1.scope" -P "$2"
}

test_info_reports_the_systemd_driver() {
  local info
  info=$(berth info)
  assert_contains "$info" "Cgroup Driver: systemd"
}

test_container_is_a_delegated_scope_with_its_limits() {
  local id pid
  id=$(berth run -d --network none --memory 64m --memory-swap 128m --cpus 0.5 --cpu-shares 512 \
    --pids-limit 20 --cpuset-cpus 0 busybox sleep 300)
  assert_eq "$(unit_property "$id" ActiveState)" active "scope state"
  assert_eq "$(unit_property "$id" Slice)" system.slice "slice"
  assert_eq "$(unit_property "$id" Delegate)" yes "Delegate"
  assert_eq "$(unit_property "$id" MemoryLimit)" 67108864 "MemoryLimit property"
  assert_eq "$(unit_property "$id" CPUQuotaPerSecUSec)" 500ms "CPUQuotaPerSecUSec property"
  assert_eq "$(unit_property "$id" CPUShares)" 512 "CPUShares property"
  assert_eq "$(unit_property "$id" TasksMax)" 20 "TasksMax property"
  # The kernel's files, where systemd put the scope; what has no property
  # on v1 (swap, cpuset) written by berth into the delegated scope.
  if [[ -d $(scope_dir "$id" memory) ]]; then
    assert_eq "$(cat "$(scope_dir "$id" memory)/memory.limit_in_bytes")" 67108864 "memory limit"
    if [[ -f $(scope_dir "$id" memory)/memory.memsw.limit_in_bytes ]]; then
      assert_eq "$(cat "$(scope_dir "$id" memory)/memory.memsw.limit_in_bytes")" 134217728 "memory+swap"
    fi
    assert_eq "$(cat "$(scope_dir "$id" cpu)/cpu.cfs_quota_us")" 50000 "cpu quota"
    assert_eq "$(cat "$(scope_dir "$id" pids)/pids.max")" 20 "pids.max"
    assert_eq "$(cat "$(scope_dir "$id" cpuset)/cpuset.cpus")" 0 "cpuset"
    pid=$(cat "$(scope_dir "$id" memory)/cgroup.procs")
    for controller in cpuacct cpuset freezer pids systemd; do
      grep -qx "$pid" "$(scope_dir "$id" $controller)/cgroup.procs" ||
        fail "container's process is not in the scope under $controller"
    done
  else
    assert_eq "$(cat "$(scope_dir "$id" "")/memory.max")" 67108864 "memory.max"
    assert_eq "$(cat "$(scope_dir "$id" "")/pids.max")" 20 "pids.max"
    pid=$(cat "$(scope_dir "$id" "")/cgroup.procs")
  fi
  assert_eq "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "sleep 300 " "the scope's process"
  # Inside, the scope is the root of the container's cgroup namespace.
  local cgroups
  cgroups=$(berth exec "$id" cat /proc/self/cgroup)
  grep -q ':memory:/$\|^0::/$' <<<"$cgroups" || fail "no cgroup at / inside: $cgroups"
  assert_eq "$(grep -cv ':/$' <<<"$cgroups")" 0 "cgroup paths other than / in: $cgroups"
  berth rm -f "$id" >/dev/null
}

test_update_is_a_property_too_and_survives_daemon_reload() {
  local id
  id=$(berth run -d --network none --memory 64m --cpus 0.5 busybox sleep 300)
  berth update --memory 128m --memory-swap 256m "$id" >/dev/null
  assert_eq "$(unit_property "$id" MemoryLimit)" 134217728 "MemoryLimit after update"
  # systemd writes every unit's cgroup settings again on daemon-reload: a
  # limit berth kept only in the files would fall back to systemd's.
  rig systemctl daemon-reload
  if [[ -d $(scope_dir "$id" memory) ]]; then
    assert_eq "$(cat "$(scope_dir "$id" memory)/memory.limit_in_bytes")" 134217728 "memory after reload"
    assert_eq "$(cat "$(scope_dir "$id" cpu)/cpu.cfs_quota_us")" 50000 "cpu quota after reload"
  else
    assert_eq "$(cat "$(scope_dir "$id" "")/memory.max")" 134217728 "memory.max after reload"
  fi
  local stats
  stats=$(berth stats --no-stream --format '{{.MemUsage}}' "$id")
  assert_contains "$stats" "/ 128MiB" "stats' limit"
  berth rm -f "$id" >/dev/null
}

test_exec_pause_and_memory_limit_in_the_scope() {
  local id
  id=$(berth run -d --network none --memory 32m busybox sleep 300)
  berth exec -d "$id" sleep 200
  local hierarchy=systemd
  [[ -d $(scope_dir "$id" systemd) ]] || hierarchy=""
  in_scope() { (($(wc -l <"$(scope_dir "$id" "$hierarchy")/cgroup.procs") == 2)); }
  wait_for 5 in_scope ||
    fail "exec'd process not counted in the scope: $(cat "$(scope_dir "$id" $hierarchy)/cgroup.procs")"
  berth pause "$id" >/dev/null
  assert_eq "$(berth inspect --format '{{.State.Status}}' "$id")" paused
  berth unpause "$id" >/dev/null
  berth rm -f "$id" >/dev/null
  # The OOM killer strikes inside the scope, as under cgroupfs.
  local rc=0
  berth run --name sd-oom --network none --memory 32m --memory-swap 32m busybox \
    sh -c 'x=a; while true; do x=$x$x; done' >/dev/null 2>&1 || rc=$?
  assert_eq "$rc" 137 "exit code of the OOM-killed container"
  assert_eq "$(berth inspect --format '{{.State.OOMKilled}}' sd-oom)" true "OOMKilled"
  berth rm sd-oom >/dev/null
}

test_scope_and_cgroups_go_with_the_container() {
  local id
  id=$(berth run -d --network none busybox sleep 300)
  berth stop -t 1 "$id" >/dev/null
  wait_for 5 bash -c "[[ \$(nsenter -t $RIG_INIT -m -p -C -n -u -- systemctl show berth-$id.scope -P ActiveState) == inactive ]]" ||
    fail "scope still $(unit_property "$id" ActiveState) after stop"
  berth rm "$id" >/dev/null
  local left
  left=$(find /sys/fs/cgroup/*/"$RIG_CG" -name "berth-$id.scope" 2>/dev/null)
  [[ -z $left ]] || fail "cgroups left after rm: $left"
}

test_cgroup_parent_is_a_slice() {
  local out rc=0 id
  id=$(berth run -d --network none --cgroup-parent berth-test.slice busybox sleep 300)
  assert_eq "$(unit_property "$id" Slice)" berth-test.slice "slice"
  local hierarchy=pids
  [[ -d /sys/fs/cgroup/pids/$RIG_CG ]] || hierarchy=""
  [[ -d $(scope_dir "$id" "$hierarchy" berth.slice/berth-test.slice) ]] ||
    fail "scope not under berth.slice/berth-test.slice"
  berth rm -f "$id" >/dev/null
  out=$(berth run --name bad-parent --cgroup-parent berth busybox true 2>&1) || rc=$?
  assert_eq "$rc" 125 "exit code"
  assert_contains "$out" 'cgroup-parent for systemd cgroup should be a valid slice named as "xxx.slice"'
  [[ -z $(berth ps -aq --filter name=bad-parent) ]] || fail "container created"
}

test_berthd_killed_and_restarted_by_systemd_keeps_containers() {
  local id
  id=$(berth run -d --name survivor --network none busybox sleep 300)
  local before
  before=$(grep -c "berthd is ready" "$SD_LOG")
  restarted() { (($(grep -c "berthd is ready" "$SD_LOG") > before)); }
  rig systemctl kill --kill-who=main -s KILL berthd.service
  if ! wait_for 30 restarted; then
    rig systemctl status --no-pager berthd.service
    tail -20 "$SD_LOG"
    fail "systemd did not restart berthd"
  fi
  assert_eq "$(berth inspect --format '{{.State.Status}}' survivor)" running "state after restart"
  assert_eq "$(unit_property "$id" ActiveState)" active "scope after restart"
  berth exec survivor true
  berth rm -f survivor >/dev/null
}

# Devices under the systemd driver: a default container cannot open a host
# block device it makes a node of, --device can; the scope carries the list
# as DevicePolicy=strict and DeviceAllow= (as runc's driver), so systemd
# writing the scope's cgroup again on daemon-reload keeps it.
test_devices_confined_in_the_scope() {
  local disk loop major minor out id
  disk=$TMP/sd-disk.img
  dd if=/dev/zero of="$disk" bs=1M count=1 status=none
  printf SDMARK01 | dd of="$disk" conv=notrunc status=none
  loop=$(losetup -f --show "$disk")
  # shellcheck disable=SC2064 # this test's loop device, detached when it ends
  trap "losetup -d $loop" EXIT
  major=$((16#$(stat -c %t "$loop")))
  minor=$((16#$(stat -c %T "$loop")))
  out=$(berth run --rm --network none busybox sh -c "mknod /tmp/l b $major $minor && echo made; dd if=/tmp/l bs=8 count=1 2>&1; echo read=\$?")
  assert_contains "$out" "made"
  assert_contains "$out" "read=1"
  assert_contains "$out" "Operation not permitted"
  assert_not_contains "$out" SDMARK01
  out=$(berth run --rm --network none --device "$loop" busybox dd if="$loop" bs=8 count=1 2>/dev/null)
  assert_contains "$out" SDMARK01 "read through --device"
  id=$(berth run -d --network none --device "$loop" busybox sleep 300)
  assert_eq "$(unit_property "$id" DevicePolicy)" strict "DevicePolicy"
  rig systemctl daemon-reload
  out=$(berth exec "$id" sh -c "dd if=$loop bs=8 count=1 2>/dev/null; echo; echo x >/dev/null && echo null=ok
    mknod /tmp/kmsg c 1 11 && head -c 1 /tmp/kmsg 2>&1; echo kmsg=\$?")
  assert_contains "$out" SDMARK01 "--device after daemon-reload"
  assert_contains "$out" "null=ok" "/dev/null after daemon-reload"
  assert_contains "$out" "Operation not permitted" "an unlisted device after daemon-reload"
  assert_contains "$out" "kmsg=1"
  berth rm -f "$id" >/dev/null
}

run_tests "$@"
