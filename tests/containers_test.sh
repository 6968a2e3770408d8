#!/usr/bin/env bash
# Containers for real: berthd, the tasks service and berth-shim running
# busybox containers on this kernel (namespaces, cgroups, seccomp), driven
# by the berth CLI as a docker user would.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

setup_suite() {
  start_registry
  make_image "$TMP/layout" v1 "hello from v1"
  push_image "$TMP/layout" v1 test/remote:v1
  start_berthd MAIN --insecure-registry "$REGISTRY"
  import_busybox busybox "$MAIN_SOCK"
}

teardown_suite() {
  remove_main_containers
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# The cgroup directory of a container under a v1 controller (or v2).
cgroup_dir() { # id controller
  if [[ -d /sys/fs/cgroup/$2/berth/$1 ]]; then
    echo "/sys/fs/cgroup/$2/berth/$1"
  else
    echo "/sys/fs/cgroup/berth/$1"
  fi
}

test_pid_one_hostname_and_host_processes_invisible() {
  local out
  out=$(berth run --rm --hostname boxed busybox sh -c 'echo pid=$$; hostname; ps -o pid= | wc -l')
  assert_eq "$(sed -n 1p <<<"$out")" "pid=1" "PID of the command"
  assert_eq "$(sed -n 2p <<<"$out")" "boxed" "hostname"
  # sh, ps and wc: nothing of the host.
  (($(sed -n 3p <<<"$out") <= 4)) || fail "host processes visible: $out"
  # Without --hostname, the short id as docker.
  local id
  id=$(berth create busybox hostname)
  berth start -a "$id" | grep -qx "${id:0:12}" || fail "default hostname is not the short id"
  berth rm "$id" >/dev/null
}

# The container's cgroup is the root of its cgroup namespace, for its first
# process and for exec'd ones (not the shim's cgroup, with the container's
# shown as a path below "/..").
test_cgroup_namespace_root_is_the_containers_cgroup() {
  local out id
  out=$(berth run --rm busybox cat /proc/self/cgroup)
  [[ -n $out ]] || fail "no /proc/self/cgroup"
  if grep -v ':/$' <<<"$out"; then fail "cgroup paths other than / in the container: $out"; fi
  id=$(berth run -d busybox sleep 30)
  out=$(berth exec "$id" cat /proc/self/cgroup)
  if grep -v ':/$' <<<"$out"; then fail "exec'd process sees cgroup paths other than /: $out"; fi
  berth rm -f "$id" >/dev/null
}

test_mounts_table_as_specified() {
  local mounts
  mounts=$(berth run --rm busybox cat /proc/mounts)
  assert_contains "$mounts" "proc /proc proc rw,nosuid,nodev,noexec"
  assert_contains "$mounts" "tmpfs /dev tmpfs rw,nosuid"
  assert_contains "$mounts" "devpts /dev/pts devpts"
  assert_contains "$mounts" "shm /dev/shm tmpfs"
  assert_contains "$mounts" "mqueue /dev/mqueue mqueue"
  assert_contains "$mounts" "sysfs /sys sysfs ro,"
  assert_contains "$mounts" " /etc/hosts "
  assert_contains "$mounts" " /etc/resolv.conf "
  assert_contains "$mounts" " /etc/hostname "
  assert_contains "$mounts" "proc /proc/sys proc ro,"
  local devices
  devices=$(berth run --rm busybox ls /dev)
  for dev in null zero full random urandom tty ptmx pts shm mqueue; do
    grep -qx "$dev" <<<"$devices" || fail "/dev/$dev missing: $devices"
  done
  # The init files are not in the writable layer: the host sees them in the
  # container's own directory.
  local id
  id=$(berth create --name initfiles busybox true)
  [[ -f $MAIN_DATA/tasks/containers/$id/hosts ]] || fail "no hosts file beside the record"
  berth rm "$id" >/dev/null
}

test_masked_and_read_only_paths() {
  local out
  out=$(berth run --rm busybox sh -c 'cat /proc/timer_list | wc -c; cat /proc/keys | wc -c; ls /sys/firmware | wc -l; (echo 1 > /proc/sys/kernel/domainname) 2>/dev/null && echo writable || echo ro')
  assert_eq "$out" $'0\n0\n0\nro' "masked and read-only paths"
}

test_memory_limit_oom_kill() {
  local rc=0
  berth run --name oom --memory 32m busybox sh -c 'head -c 300m /dev/zero | tail > /dev/null' || rc=$?
  assert_eq "$rc" "137" "exit code"
  assert_eq "$(berth inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' oom)" "true 137" "inspect"
  assert_eq "$(berth inspect -f '{{.HostConfig.Memory}}' oom)" "33554432" "HostConfig.Memory"
  berth rm oom >/dev/null
}

test_pids_limit_stops_a_fork_loop() {
  local id
  id=$(berth run -d --pids-limit 10 busybox sh -c '(for i in $(seq 30); do sleep 60 & done); exec sleep 60')
  wait_for 10 sh -c "$BIN/berth -H $MAIN_SOCK logs $id 2>&1 | grep -q \"can't fork\""
  assert_contains "$(berth logs "$id" 2>&1)" "can't fork"
  # The shell exits at its first failed fork: the loop runs in a subshell,
  # and the container's first process stays, holding what was started.
  assert_eq "$(berth inspect -f '{{.State.Status}}' "$id")" running "state"
  local pids
  pids=$(cat "$(cgroup_dir "$id" pids)/pids.current")
  # The limit was reached (the forks ran into it), not just never approached.
  ((pids >= 8 && pids <= 10)) || fail "$pids processes under --pids-limit 10"
  berth rm -f "$id" >/dev/null
}

test_cpus_half_a_core() {
  local id
  id=$(berth run -d --cpus 0.5 busybox sh -c 'while :; do :; done')
  local dir before after
  # The kernel's quota: 50 ms of every 100 ms.
  dir=$(cgroup_dir "$id" cpu)
  if [[ -f $dir/cpu.max ]]; then
    assert_eq "$(cat "$dir/cpu.max")" "50000 100000" "cpu.max"
    usage() { awk '/usage_usec/ {print $2 * 1000}' "$dir/cpu.stat"; }
  else
    assert_eq "$(cat "$dir/cpu.cfs_quota_us") $(cat "$dir/cpu.cfs_period_us")" "50000 100000" "cfs quota"
    usage() { cat "$(cgroup_dir "$id" cpuacct)/cpuacct.usage"; }
  fi
  sleep 1
  before=$(usage)
  sleep 3
  after=$(usage)
  berth rm -f "$id" >/dev/null
  local used=$(((after - before) / 1000000))
  # 3 s at half a core is 1500 ms of CPU at most. The spinning loop would
  # take a whole core; it got at least some (a busy host may give it less
  # than its quota, so no tighter lower bound).
  ((used > 100 && used < 1700)) || fail "used ${used} ms of CPU in 3 s (want at most 1500)"
}

# /sys is read-only unless --privileged, with the host's network too (docker
# mounts a fresh sysfs there; only a user namespace forces a read-only bind).
# The write puts back lo's own MTU, so the privileged one changes nothing.
test_sys_read_only_unless_privileged() {
  local write='m=$(cat /sys/class/net/lo/mtu); (echo "$m" > /sys/class/net/lo/mtu) 2>&1 && echo wrote; true'
  local net out
  for net in bridge host; do
    out=$(berth run --rm --network "$net" busybox sh -c "grep ' /sys ' /proc/mounts; $write")
    assert_contains "$out" "sysfs /sys sysfs ro," "--network $net"
    assert_contains "$out" "Read-only file system" "--network $net write"
    [[ "$out" != *wrote* ]] || fail "--network $net: /sys written: $out"
    out=$(berth run --rm --privileged --network "$net" busybox sh -c "grep ' /sys ' /proc/mounts; $write")
    assert_contains "$out" "sysfs /sys sysfs rw," "--privileged --network $net"
    assert_contains "$out" "wrote" "--privileged --network $net write"
  done
}

test_privileges_default_denied_then_granted() {
  local out
  out=$(berth run --rm busybox sh -c 'mount -t tmpfs t /mnt 2>/dev/null && echo mount=ok || echo mount=denied; hostname other 2>/dev/null && echo hostname=ok || echo hostname=denied; unshare -U true 2>/dev/null && echo unshare=ok || echo unshare=denied')
  assert_eq "$out" $'mount=denied\nhostname=denied\nunshare=denied' "default"
  out=$(berth run --rm --privileged busybox sh -c 'mount -t tmpfs t /mnt && echo mount=ok; hostname other && echo hostname=ok; unshare -m true && echo unshare=ok')
  assert_eq "$out" $'mount=ok\nhostname=ok\nunshare=ok' "privileged"
  out=$(berth run --rm --cap-add SYS_ADMIN busybox sh -c 'mount -t tmpfs t /mnt && echo mount=ok')
  assert_eq "$out" "mount=ok" "--cap-add SYS_ADMIN"
  out=$(berth run --rm --cap-drop CHOWN busybox sh -c 'chown nobody /tmp 2>/dev/null && echo chown=ok || echo chown=denied')
  assert_eq "$out" "chown=denied" "--cap-drop CHOWN"
}

test_read_only_root_user_workdir_env_ulimit() {
  local out
  out=$(berth run --rm --read-only busybox sh -c 'touch /x 2>/dev/null && echo writable || echo read-only; touch /tmp/y 2>/dev/null || echo tmp-read-only')
  assert_eq "$out" $'read-only\ntmp-read-only' "--read-only"
  assert_eq "$(berth run --rm -u nobody busybox id -u)" "65534" "-u nobody"
  assert_eq "$(berth run --rm -u nobody busybox sh -c 'echo $HOME')" "/nonexistent" "HOME of nobody"
  assert_eq "$(berth run --rm -u 1234:5678 busybox id)" "uid=1234 gid=5678 groups=5678" "-u uid:gid"
  assert_eq "$(berth run --rm -u 1234:5678 --group-add 4000 --group-add nogroup busybox id)" \
    "uid=1234 gid=5678 groups=4000,5678,65534(nogroup)" "--group-add, an id and a name of the image's"
  local c
  c=$(berth run -d --group-add 4000 busybox sleep 1000)
  assert_eq "$(berth exec "$c" id -G)" "0 4000" "an exec has the container's extra groups"
  assert_eq "$(berth exec -u 1234 "$c" id -G)" "0 4000" "and with its own user"
  berth rm -f "$c" >/dev/null
  assert_eq "$(berth run --rm -w /tmp busybox pwd)" "/tmp" "-w"
  assert_eq "$(berth run --rm -e FOO=bar busybox sh -c 'echo $FOO')" "bar" "-e"
  assert_eq "$(berth run --rm --ulimit nofile=100:200 busybox sh -c 'ulimit -n; ulimit -Hn')" $'100\n200' "--ulimit"
  local rc=0
  berth run --rm -u ghost busybox true 2>/dev/null || rc=$?
  assert_eq "$rc" "125" "unknown user (docker's code for a start error)"
}

test_exit_codes_125_126_127_and_own() {
  local rc
  rc=0; berth run --rm busybox no-such-command 2>/dev/null || rc=$?
  assert_eq "$rc" "127" "command not found"
  rc=0; berth run --rm busybox /etc/passwd 2>/dev/null || rc=$?
  assert_eq "$rc" "126" "not executable"
  rc=0; berth run --rm busybox sh -c 'exit 42' || rc=$?
  assert_eq "$rc" "42" "own exit code"
  rc=0; berth run --rm --bogus-flag busybox true 2>/dev/null || rc=$?
  assert_eq "$rc" "125" "unknown flag"
}

test_bad_input_is_refused_and_nothing_created() {
  local before after out rc
  before=$(berth ps -aq | wc -l)
  rc=0; out=$(berth run --memory 32x busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "bad memory"
  assert_contains "$out" 'invalid argument "32x" for "-m, --memory" flag'
  rc=0; out=$(berth run 127.0.0.1:1/nope:none true 2>&1) || rc=$?
  assert_eq "$rc" "125" "unknown image"
  rc=0; out=$(berth run --restart sometimes busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "bad restart policy"
  berth create --name dup busybox true >/dev/null
  rc=0; out=$(berth create --name dup busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "duplicate name"
  assert_contains "$out" 'Conflict. The container name "/dup" is already in use'
  berth rm dup >/dev/null
  after=$(berth ps -aq | wc -l)
  assert_eq "$after" "$before" "containers after bad input"
}

test_stop_signal_and_timeout() {
  local id start elapsed
  id=$(berth run -d --stop-signal USR1 busybox sh -c 'trap "echo got-usr1; exit 5" USR1; while :; do sleep 0.1; done')
  sleep 0.5
  berth stop "$id" >/dev/null
  assert_eq "$(berth inspect -f '{{.State.ExitCode}}' "$id")" "5" "exit by stop signal"
  assert_eq "$(berth logs "$id")" "got-usr1" "logs"
  berth rm "$id" >/dev/null
  # A command that ignores SIGTERM is killed when the timeout runs out.
  id=$(berth run -d busybox sh -c 'trap "" TERM; while :; do sleep 0.1; done')
  sleep 0.5
  start=$(date +%s%N)
  berth stop -t 1 "$id" >/dev/null
  elapsed=$((($(date +%s%N) - start) / 1000000))
  ((elapsed >= 900 && elapsed < 5000)) || fail "stop -t 1 took ${elapsed} ms"
  assert_eq "$(berth inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")" "exited 137" "state"
  berth rm "$id" >/dev/null
}

test_lifecycle_ps_inspect_pause_rename_wait() {
  local id
  id=$(berth create --name life -l tier=web busybox sh -c 'sleep 30')
  assert_eq "$(berth inspect -f '{{.State.Status}}' life)" "created" "created"
  berth start life >/dev/null
  assert_eq "$(berth inspect -f '{{.State.Status}} {{.State.Running}}' life)" "running true" "running"
  (($(berth inspect -f '{{.State.Pid}}' life) > 0)) || fail "no pid"
  berth ps --filter label=tier=web --format '{{.Names}}' | grep -qx life || fail "ps label filter"
  berth ps --filter status=running -q | grep -q "^${id:0:12}$" || fail "ps status filter"
  berth pause life >/dev/null
  assert_eq "$(berth inspect -f '{{.State.Status}} {{.State.Paused}}' life)" "paused true" "paused"
  grep -q FROZEN "$(cgroup_dir "$id" freezer)/freezer.state" 2>/dev/null ||
    grep -q 1 "$(cgroup_dir "$id" "")/cgroup.freeze" || fail "cgroup not frozen"
  berth unpause life >/dev/null
  berth top life | grep -q "sleep 30" || fail "top does not show the process"
  berth rename life life2
  berth kill life2 >/dev/null
  assert_eq "$(berth wait life2)" "137" "wait"
  assert_eq "$(berth ps -a --filter name=life2 --format '{{.Status}}' | cut -d' ' -f1-2)" "Exited (137)" "ps status"
  berth rm life2 >/dev/null
  local rc=0
  berth inspect life2 >/dev/null 2>&1 || rc=$?
  assert_eq "$rc" "1" "inspect after rm"
}

test_update_limits_of_a_running_container() {
  local id
  id=$(berth run -d --memory 64m busybox sleep 30)
  berth update --memory 128m --pids-limit 20 "$id" >/dev/null
  local dir
  dir=$(cgroup_dir "$id" memory)
  assert_eq "$(cat "$dir/memory.limit_in_bytes" 2>/dev/null || cat "$dir/memory.max")" "134217728" "memory limit"
  assert_eq "$(cat "$(cgroup_dir "$id" pids)/pids.max")" "20" "pids limit"
  assert_eq "$(berth inspect -f '{{.HostConfig.Memory}}' "$id")" "134217728" "inspect after update"
  berth rm -f "$id" >/dev/null
}

test_restart_policies() {
  berth run -d --name flaky --restart on-failure:2 busybox sh -c 'exit 3' >/dev/null
  wait_for 20 sh -c "[ \"\$($BIN/berth -H $MAIN_SOCK inspect -f '{{.RestartCount}} {{.State.Status}}' flaky)\" = '2 exited' ]" ||
    fail "on-failure:2: $(berth inspect -f '{{.RestartCount}} {{.State.Status}}' flaky)"
  berth run -d --name fine --restart on-failure busybox true >/dev/null
  sleep 1
  assert_eq "$(berth inspect -f '{{.RestartCount}} {{.State.ExitCode}}' fine)" "0 0" "on-failure after success"
  berth run -d --name forever --restart always busybox sh -c 'sleep 0.2' >/dev/null
  wait_for 20 sh -c "[ \$($BIN/berth -H $MAIN_SOCK inspect -f '{{.RestartCount}}' forever) -ge 3 ]" ||
    fail "always did not restart"
  # Stopped by hand: no more restarts.
  berth stop forever >/dev/null
  local count
  count=$(berth inspect -f '{{.RestartCount}}' forever)
  sleep 1.5
  assert_eq "$(berth inspect -f '{{.RestartCount}} {{.State.Status}}' forever)" "$count exited" "after stop"
  berth rm -f flaky fine forever >/dev/null
}

test_containers_survive_tasks_service_and_berthd_kill() {
  local long short tasks shim_count
  long=$(berth run -d --name survivor busybox sleep 300)
  short=$(berth run -d --name ender busybox sh -c 'sleep 2; exit 7')
  tasks=$(service_pid "$MAIN_PID" tasks)
  kill -9 "$tasks"
  sleep 3  # ender exits while the tasks service may still be down
  wait_for 20 sh -c "$BIN/berth -H $MAIN_SOCK ps >/dev/null 2>&1"
  wait_for 10 sh -c "[ \"\$($BIN/berth -H $MAIN_SOCK inspect -f '{{.State.Status}} {{.State.ExitCode}}' ender)\" = 'exited 7' ]" ||
    fail "exit during the restart: $(berth inspect -f '{{.State.Status}} {{.State.ExitCode}}' ender)"
  assert_eq "$(berth inspect -f '{{.State.Status}}' survivor)" "running" "after tasks kill"
  # Now berthd itself, with all its services.
  local pid_before
  pid_before=$(berth inspect -f '{{.State.Pid}}' survivor)
  kill -9 "$MAIN_PID"
  for service in images snapshots tasks network; do pkill -9 -f "berth-$service --config.*$MAIN_EXEC" || true; done
  sleep 0.5
  kill -0 "$pid_before" || fail "the container died with berthd"
  "$BIN/berthd" --data-root "$MAIN_DATA" --exec-root "$MAIN_EXEC" --config-file "$TMP/none.json" \
    --metrics-addr "$MAIN_METRICS" --insecure-registry "$REGISTRY" >>"$MAIN_LOG" 2>&1 &
  MAIN_PID=$!
  track_pid "$MAIN_PID"
  wait_for 30 sh -c "$BIN/berth -H $MAIN_SOCK ps >/dev/null 2>&1" || fail "berthd did not come back"
  wait_for 10 sh -c "[ \"\$($BIN/berth -H $MAIN_SOCK inspect -f '{{.State.Status}}' survivor)\" = running ]" ||
    fail "survivor not running after berthd restart"
  assert_eq "$(berth inspect -f '{{.State.Pid}}' survivor)" "$pid_before" "same process"
  berth stop -t 1 survivor >/dev/null
  berth rm survivor ender >/dev/null
  # Nothing left: no shim, mount, cgroup or socket of either.
  for id in $long $short; do
    ! pgrep -f "berth-shim --bundle $MAIN_EXEC/shims/$id" >/dev/null || fail "shim of $id still running"
    ! grep -q "$id" /proc/self/mountinfo || fail "mount of $id left"
    [[ ! -e $(cgroup_dir "$id" memory) ]] || fail "cgroup of $id left"
    [[ ! -e $MAIN_EXEC/shims/$id ]] || fail "shim directory of $id left"
  done
}

test_logs_tail_since_until_and_follow_across_rotation() {
  # 300 lines into 1 KiB files (about twenty rotations, all kept), written
  # while `logs -f` follows; a pause every 50 lines gives the log several
  # time stamps (lines read in one go share one).
  berth run -d --name rotator --log-opt max-size=1k --log-opt max-file=50 busybox sh -c \
    'sleep 1; i=0; while [ $i -lt 300 ]; do echo "line $i"; i=$((i+1)); [ $((i % 50)) -ne 0 ] || usleep 20000; done' \
    >/dev/null
  berth logs -f rotator >"$TMP/followed" 2>&1 &
  local follower=$!
  track_pid "$follower"
  wait_for 20 sh -c "! kill -0 $follower 2>/dev/null" || fail "logs -f did not end with the container"
  local expected
  expected=$(seq 0 299 | sed 's/^/line /')
  assert_eq "$(cat "$TMP/followed")" "$expected" "followed across rotation"
  local files
  files=$(ls "$(dirname "$(berth inspect -f '{{.LogPath}}' rotator)")" | grep -c 'json.log' || true)
  ((files > 5)) || fail "the log did not rotate ($files files)"
  # After the exit, from every file: all, the tail, since and until.
  assert_eq "$(berth logs rotator)" "$expected" "logs after exit"
  assert_eq "$(berth logs --tail 3 rotator)" $'line 297\nline 298\nline 299' "--tail 3"
  local stamped since until
  stamped=$(berth logs -t rotator)
  since=$(sed -n '101p' <<<"$stamped" | cut -d' ' -f1)
  until=$(sed -n '11p' <<<"$stamped" | cut -d' ' -f1)
  # (Lines read in one go share a time stamp: the expected lines are those
  # whose stamps pass, as the fixed-width stamps compare as strings.)
  assert_eq "$(berth logs --since "$since" rotator)" \
    "$(awk -v t="$since" '$1 >= t {print $2 " " $3}' <<<"$stamped")" "--since"
  assert_eq "$(berth logs --until "$until" rotator)" \
    "$(awk -v t="$until" '$1 <= t {print $2 " " $3}' <<<"$stamped")" "--until"
  [[ $(berth logs --since "$since" rotator | wc -l) -lt 300 ]] || fail "--since kept everything"
  local rc=0 out
  out=$(berth run -d --log-opt max-sise=1k busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "unknown log opt"
  assert_contains "$out" "unknown log opt 'max-sise' for json-file log driver"
  berth rm rotator >/dev/null
}

# The records of a CRI log as "<stream> <tag> <content length>", in order.
cri_records() { awk '{ n = $0; sub(/^[^ ]* [^ ]* [^ ]* ?/, "", n); print $2, $3, length(n) }' "$1"; }

test_cri_log_driver_writes_reads_back_and_reopens() {
  local dir=$TMP/crilog/pods/ns_pod_uid/app log id out rc=0 ts
  log=$dir/0.log
  # A 40 KiB line, CRLF, and (after the rotation below) output that never
  # ends its line. stderr first, and alone: the two pipes are read in no
  # fixed order, and --tail below counts both.
  id=$(berth run -d --name crilogger --log-driver cri --log-opt "path=$log" busybox sh -c '
    echo oops >&2; usleep 200000; echo hello; head -c 40960 /dev/zero | tr "\000" x; echo; printf "crlf\r\n"
    while [ ! -e /rotated ]; do usleep 20000; done
    echo after rotation; echo after-err >&2
    while [ ! -e /done ]; do usleep 20000; done
    printf "cut off"')
  wait_for 10 grep -q ' stdout F crlf$' "$log" || fail "no crlf record in $log: $(cut -c1-80 "$log" 2>&1)"
  # containerd's modes: the directory made 0755, the file 0640.
  assert_eq "$(stat -c %a "$dir")" "755" "log directory mode"
  assert_eq "$(stat -c %a "$log")" "640" "log file mode"
  assert_eq "$(berth inspect -f '{{.LogPath}}' crilogger)" "$log" "LogPath"
  # Records, stream by stream: the long line in P, P, F at 16 KiB; CR LF
  # ends a line like LF.
  assert_eq "$(cri_records "$log" | grep '^stdout')" \
    $'stdout F 5\nstdout P 16384\nstdout P 16384\nstdout F 8192\nstdout F 4' "stdout records"
  assert_eq "$(cri_records "$log" | grep '^stderr')" "stderr F 4" "stderr records"
  if grep -q $'\r' "$log"; then fail "a carriage return was kept"; fi
  # Time stamps: RFC 3339 with up to nine fractional digits, UTC, now.
  while read -r ts _; do
    [[ $ts =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$ ]] ||
      fail "time stamp $ts is not RFC3339Nano"
    (($(date +%s) - $(date -d "$ts" +%s) < 60)) || fail "time stamp $ts is not now"
  done <"$log"

  # Read back: whole lines, per stream, with tail and time stamps.
  local long
  long=$(head -c 40960 /dev/zero | tr '\0' x)
  assert_eq "$(berth logs crilogger 2>/dev/null)" $'hello\n'"$long"$'\ncrlf' "logs (stdout)"
  assert_eq "$(berth logs crilogger 2>&1 >/dev/null)" "oops" "logs (stderr)"
  assert_eq "$(berth logs --tail 2 crilogger 2>/dev/null | cut -c1-5)" $'xxxxx\ncrlf' "logs --tail 2"
  out=$(berth logs -t crilogger 2>/dev/null)
  grep -qE '^[0-9-]{10}T[0-9:.]+Z hello$' <<<"${out%%$'\n'*}" || fail "logs -t: ${out:0:80}"
  berth logs -f crilogger >"$TMP/cri-followed" 2>/dev/null &
  local follower=$!
  track_pid "$follower"
  # The backlog is sent once the follower holds the file: then rotate.
  wait_for 10 grep -qx crlf "$TMP/cri-followed" || fail "logs -f sent no backlog"

  # The kubelet's rotation: rename, then ReopenContainerLog.
  mv "$log" "$log.20261207-160000"
  [[ ! -e $log ]] || fail "the rename left $log"
  out=$("$BIN/grpc_call" "$MAIN_SOCK" /berth.tasks.v1.Tasks/ReopenLog "id: \"$id\"")
  assert_contains "$out" "OK" "ReopenLog of a running container"
  [[ -f $log ]] || fail "reopen made no file at $log"
  berth exec crilogger touch /rotated
  wait_for 10 grep -q ' stderr F after-err$' "$log" || fail "no output in the reopened file"
  # New output in the fresh file only; the renamed file keeps the old.
  wait_for 10 grep -q ' stdout F after rotation$' "$log" || fail "no stdout in the reopened file"
  assert_eq "$(cri_records "$log" | sort)" $'stderr F 9\nstdout F 14' "records of the fresh file"
  grep -q ' stdout F hello$' "$log.20261207-160000" || fail "the renamed file lost its records"
  if grep -q 'after' "$log.20261207-160000"; then fail "output after the reopen went to the renamed file"; fi
  if grep -q 'hello' "$log"; then fail "the fresh file repeats old records"; fi
  assert_eq "$(berth logs crilogger 2>/dev/null)" "after rotation" "logs of the fresh file"

  # At exit the line left open is a partial record; logs -f saw it all.
  berth exec crilogger touch /done
  timeout 10 "$BIN/berth" -H "$MAIN_SOCK" wait crilogger >/dev/null || fail "crilogger did not exit"
  assert_eq "$(tail -1 "$log" | cut -d' ' -f2-)" "stdout P cut off" "last record"
  wait_for 10 sh -c "! kill -0 $follower 2>/dev/null" || fail "logs -f did not end with the container"
  assert_eq "$(cat "$TMP/cri-followed")" \
    $'hello\n'"$long"$'\ncrlf\nafter rotation\ncut off' "logs -f across the reopen"

  # Not running: no reopen (the control is the OK above).
  out=$("$BIN/grpc_call" "$MAIN_SOCK" /berth.tasks.v1.Tasks/ReopenLog "id: \"$id\"")
  assert_contains "$out" "FAILED_PRECONDITION" "ReopenLog of an exited container"
  # The kubelet owns the file: removing the container leaves it.
  berth rm crilogger >/dev/null
  [[ -f $log ]] || fail "rm removed the kubelet's log"

  # Options checked at create; nothing made.
  out=$(berth run -d --log-driver cri busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "cri without a path"
  assert_contains "$out" "log opt 'path' is required for cri log driver"
  rc=0
  out=$(berth run -d --log-driver cri --log-opt path=rel/c.log busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "cri with a relative path"
  rc=0
  out=$(berth run -d --log-driver cri --log-opt "path=$TMP/crilog/x.log" --log-opt max-size=1k \
    busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "cri with a json-file option"
  assert_contains "$out" "unknown log opt 'max-size' for cri log driver"
  [[ ! -e $TMP/crilog/x.log ]] || fail "a refused container made its log"
}

test_logs_events_and_stats() {
  local since id
  since=$(date +%s)
  id=$(berth run -d --name talker busybox sh -c 'echo out; echo err >&2; sleep 30')
  wait_for 5 sh -c "$BIN/berth -H $MAIN_SOCK logs talker 2>&1 | grep -q err"
  assert_eq "$(berth logs talker 2>/dev/null)" "out" "stdout only"
  assert_eq "$(berth logs talker 2>&1 >/dev/null)" "err" "stderr only"
  berth logs -t talker 2>/dev/null | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z out$' || fail "logs -t"
  grep -q '"stream":"stderr"' "$(berth inspect -f '{{.LogPath}}' talker)" || fail "json-file log"
  local stats
  stats=$(berth stats --no-stream talker)
  assert_contains "$stats" "CONTAINER ID"
  assert_contains "$stats" "talker"
  berth rm -f talker >/dev/null
  local events
  events=$(berth events --since "$since" --until "$(($(date +%s) + 1))" --filter container=talker)
  for action in create start kill die destroy; do
    assert_contains "$events" "container $action $id"
  done
}

test_metrics_per_container_series() {
  local id
  id=$(berth run -d --name measured busybox sleep 30)
  local scrape
  scrape=$(curl -sf "http://$MAIN_METRICS/metrics")
  assert_contains "$scrape" "container_memory_working_set_bytes{"
  grep -q "container_cpu_usage_seconds_total{.*name=\"measured\"" <<<"$scrape" || fail "no cpu series for measured"
  grep -q "container_start_time_seconds{.*id=\"/berth/$id\"" <<<"$scrape" || fail "no start time series"
  # promtool's only allowed remark: cAdvisor's container_memory_failcnt, a
  # counter named without _total, kept under cAdvisor's name for the
  # dashboards and alerts written against it.
  local lint
  lint=$(promtool check metrics <<<"$scrape" 2>&1) || true
  assert_eq "$(grep -v '^container_memory_failcnt counter metrics should have "_total" suffix$' <<<"$lint")" "" \
    "promtool's findings"
  berth rm -f measured >/dev/null
  # Read whole before grep: under pipefail a failed curl, or grep -q's early
  # exit (SIGPIPE to curl), would turn `! curl | grep -q` into a pass.
  scrape=$(curl -sf "http://$MAIN_METRICS/metrics")
  assert_contains "$scrape" "berth_build_info{" "the scrape after rm"
  assert_not_contains "$scrape" 'name="measured"' "series outlive the container"
}

test_init_and_run_pulls_missing_image() {
  assert_eq "$(berth run --rm --init busybox ps -o comm= | head -1)" "berth-init" "--init as PID 1"
  local out
  out=$(berth run --rm "$REGISTRY/test/remote:v1" cat /etc/motd 2>&1)
  assert_contains "$out" "Unable to find image '$REGISTRY/test/remote:v1' locally"
  assert_contains "$out" "hello from v1"
}

test_network_none_and_host() {
  local out
  out=$(berth run --rm --network none busybox sh -c 'ls /sys/class/net; ping -c1 -W1 127.0.0.1 >/dev/null && echo lo-up')
  assert_eq "$out" $'lo\nlo-up' "--network none: only a working lo"
  local host_links
  # From /proc/net/dev, which shows the reader's network namespace (a /sys
  # mounted elsewhere shows its mounter's).
  host_links=$(awk -F: 'NR > 2 {gsub(/ /, "", $1); print $1}' /proc/net/dev | sort | tr '\n' ' ')
  assert_eq "$(berth run --rm --network host busybox ls /sys/class/net | sort | tr '\n' ' ')" "$host_links" "--network host"
}

# --pid, --ipc and --uts: the host's namespaces or another running
# container's, each beside a container that has its own.
# --sysctl: the container's own namespaces' sysctls are written in them;
# host-wide ones and those of a namespace shared with the host are refused.
test_sysctls_in_the_containers_own_namespaces() {
  local out
  # Positive control: docker's default in a container's own netns is 0.
  out=$(berth run --rm busybox cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
  assert_eq "$out" "0" "docker's default"
  out=$(berth run --rm --sysctl net.ipv4.ip_unprivileged_port_start=1024 \
    --sysctl kernel.msgmax=12345 busybox \
    sh -c 'cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/msgmax')
  assert_eq "$out" $'1024\n12345' "the container's sysctls"
  # The host's are untouched.
  [[ $(cat /proc/sys/kernel/msgmax) != 12345 ]] || fail "the host's kernel.msgmax changed"
  out=$(berth run --rm --sysctl vm.swappiness=10 busybox true 2>&1) && fail "vm.swappiness was accepted"
  assert_contains "$out" 'sysctl "vm.swappiness" is not in a separate kernel namespace'
  out=$(berth run --rm --network host --sysctl net.ipv4.ip_forward=1 busybox true 2>&1) &&
    fail "a net sysctl with the host's network was accepted"
  assert_contains "$out" "not allowed in host network namespace"
}

test_pid_ipc_uts_shared_with_the_host_and_containers() {
  local out rc host_sleep donor private
  sleep 31337 &
  host_sleep=$!
  track_pid "$host_sleep"
  out=$(berth run --rm busybox ps -o args)
  assert_contains "$out" "ps -o args" "ps in its own PID namespace"
  assert_not_contains "$out" "sleep 31337" "own PID namespace"
  out=$(berth run --rm --pid host busybox ps -o args)
  assert_contains "$out" "sleep 31337" "--pid host sees a host process"
  kill "$host_sleep"

  donor=$(berth run -d --ipc shareable busybox sleep 31338)
  out=$(berth run --rm busybox ps -o args)
  assert_contains "$out" "ps -o args" "ps in its own PID namespace"
  assert_not_contains "$out" "sleep 31338" "own PID namespace"
  out=$(berth run --rm --pid "container:$donor" busybox sh -c 'ps -o args; echo "pid=$$"')
  assert_contains "$out" "sleep 31338" "--pid container: sees the donor's process"
  grep -q '^pid=[0-9]*$' <<<"$out" || fail "no pid line: $out"
  if grep -qx 'pid=1' <<<"$out"; then fail "the namespace's init in a joined PID namespace: $out"; fi
  # The shim still reaps it and reports its status.
  rc=0; berth run --rm --pid "container:$donor" busybox sh -c 'exit 7' || rc=$?
  assert_eq "$rc" "7" "exit code in a joined PID namespace"
  # No init of its own to take them along: what its first process left
  # behind ends with it (or it would hold the output open).
  local leaver
  leaver=$(berth run -d --pid "container:$donor" busybox sh -c 'sleep 31340 & sleep 1; exit 0')
  assert_eq "$(timeout 20 "$BIN/berth" -H "$MAIN_SOCK" wait "$leaver")" "0" "the leaver's exit"
  out=$(berth exec "$donor" ps -o args)
  assert_contains "$out" "sleep 31338" "the donor's process"
  assert_not_contains "$out" "sleep 31340" "a process left behind in a joined PID namespace"
  berth rm "$leaver" >/dev/null

  berth exec "$donor" touch /dev/mqueue/shared-queue
  out=$(berth run --rm --ipc "container:$donor" busybox ls /dev/mqueue)
  assert_contains "$out" "shared-queue" "--ipc container: sees the donor's message queue"
  out=$(berth run --rm busybox sh -c 'ls /dev/mqueue; echo listed')
  assert_contains "$out" "listed" "/dev/mqueue in its own IPC namespace"
  assert_not_contains "$out" "shared-queue" "own IPC namespace"
  # /dev/shm goes with it, as docker's: a tmpfs in the donor's bundle.
  grep -q "/shims/$donor/shm tmpfs" /proc/mounts || fail "no shareable /dev/shm mounted for the donor"
  berth exec "$donor" sh -c 'echo in-shm > /dev/shm/shared-file'
  assert_eq "$(berth run --rm --ipc "container:$donor" busybox cat /dev/shm/shared-file)" "in-shm" \
    "the donor's /dev/shm"
  out=$(berth run --rm busybox sh -c 'ls /dev/shm; echo listed')
  assert_contains "$out" "listed" "/dev/shm of its own"
  assert_not_contains "$out" "shared-file" "a private container's /dev/shm"
  local donor_ipc
  donor_ipc=$(berth exec "$donor" readlink /proc/self/ns/ipc)
  assert_contains "$donor_ipc" "ipc:[" "the donor's IPC namespace"
  assert_eq "$(berth run --rm --ipc "container:$donor" busybox readlink /proc/self/ns/ipc)" "$donor_ipc" \
    "joined IPC namespace"
  assert_eq "$(berth run --rm --ipc host busybox readlink /proc/self/ns/ipc)" \
    "$(readlink /proc/self/ns/ipc)" "--ipc host"
  local host_shm=/dev/shm/berth-test-$$
  echo on-the-host >"$host_shm"
  out=$(berth run --rm --ipc host busybox cat "$host_shm")
  assert_eq "$out" "on-the-host" "--ipc host: the host's /dev/shm"
  out=$(berth run --rm busybox sh -c "ls /dev/shm; echo listed")
  rm -f "$host_shm"
  assert_contains "$out" "listed"
  assert_not_contains "$out" "berth-test-$$" "a private container's /dev/shm"

  out=$(berth run --rm --uts host busybox sh -c 'hostname; cat /etc/hostname')
  assert_eq "$out" "$(hostname)"$'\n'"$(hostname)" "--uts host: the host's name, and in /etc/hostname"
  out=$(berth run --rm busybox hostname)
  [[ $out != "$(hostname)" && ${#out} == 12 ]] || fail "own UTS namespace: hostname $out"

  # docker's refusals: a private donor, a stopped one, unknown modes.
  private=$(berth run -d busybox sleep 300)
  berth run --rm --ipc "container:$private" busybox true 2>/dev/null && fail "joined a private IPC namespace"
  out=$(berth run --rm --ipc "container:$private" busybox true 2>&1) || true
  assert_contains "$out" "container $private: non-shareable IPC (hint: use IpcMode:shareable for the donor container)"
  berth rm -f "$private" >/dev/null
  berth stop -t 1 "$donor" >/dev/null
  out=$(berth run --rm --pid "container:$donor" busybox true 2>&1) && fail "joined a stopped container's PID namespace"
  assert_contains "$out" "container $donor is not running"
  out=$(berth run --rm --ipc "container:$donor" busybox true 2>&1) && fail "joined a stopped container's IPC namespace"
  assert_contains "$out" "container $donor is not running"
  if grep -q "/shims/$donor/shm tmpfs" /proc/mounts; then fail "the stopped donor's /dev/shm is still mounted"; fi
  berth rm "$donor" >/dev/null
  out=$(berth run --rm --ipc bogus busybox true 2>&1) && fail "--ipc bogus accepted"
  assert_contains "$out" "invalid IPC mode: bogus"
  out=$(berth run --rm --pid bogus busybox true 2>&1) && fail "--pid bogus accepted"
  assert_contains "$out" "invalid PID mode: bogus"
  out=$(berth run --rm --uts container:x busybox true 2>&1) && fail "--uts container: accepted"
  assert_contains "$out" "invalid UTS mode: container:x"
  out=$(berth run --rm --uts host --hostname h busybox true 2>&1) && fail "--uts host with --hostname accepted"
  assert_contains "$out" "conflicting options: hostname and the UTS mode"
}

test_rmi_refused_while_a_container_uses_the_image() {
  local image=$REGISTRY/test/remote:v1 id out rc
  berth pull -q "$image" >/dev/null
  id=$(berth create "$image" true)
  rc=0; out=$(berth rmi "$image" 2>&1) || rc=$?
  assert_eq "$rc" "1" "rmi exit code"
  assert_contains "$out" "container ${id:0:12} is using its referenced image"
  berth image inspect "$image" >/dev/null || fail "image gone after a refused rmi"
  berth rm "$id" >/dev/null
  berth rmi "$image" >/dev/null
}

test_binds_volumes_tmpfs_and_a_seccomp_profile() {
  berth run --rm -v "$TMP/made-by-v:/data" busybox sh -c 'echo hi > /data/f'
  assert_eq "$(cat "$TMP/made-by-v/f")" "hi" "-v bind, host directory created"
  local out
  out=$(berth run --rm -v "$TMP/made-by-v:/data:ro" busybox sh -c 'cat /data/f; echo x > /data/g' 2>&1) &&
    fail "write through a read-only bind"
  assert_contains "$out" $'hi\n' "read through the read-only bind"
  assert_contains "$out" "Read-only file system"
  [[ ! -e $TMP/made-by-v/g ]] || fail "the read-only bind was written"
  berth run --rm -v keep:/data busybox sh -c 'echo kept > /data/f'
  assert_eq "$(berth run --rm -v keep:/data busybox cat /data/f)" "kept" "named volume outlives its container"
  berth volume rm keep >/dev/null
  berth run --rm --tmpfs /scratch busybox grep -q ' /scratch tmpfs ' /proc/mounts || fail "--tmpfs"
  cat >"$TMP/no-mkdir.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON
  out=$(berth run --rm --security-opt "seccomp=$TMP/no-mkdir.json" busybox mkdir /tmp/x 2>&1) &&
    fail "mkdir allowed under a profile that denies it"
  assert_contains "$out" "Operation not permitted"
  berth run --rm --security-opt "seccomp=$TMP/no-mkdir.json" busybox touch /tmp/y || fail "profile denies more than mkdir"
}

test_stdin_is_passed_with_i() {
  assert_eq "$(echo hi | berth run --rm -i busybox cat)" "hi" "stdin"
}

run_tests "$@"
