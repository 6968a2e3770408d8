#!/usr/bin/env bash
# berthd end to end: services start, the CLI reaches them through the proxy,
# a killed service comes back, SIGTERM stops everything, bad configuration
# is refused with the key named.
source "$(dirname "$0")/lib.sh"

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

setup_suite() {
  start_berthd MAIN
}

test_services_start_and_version_reports_their_health() {
  local out
  out=$(berth version)
  assert_contains "$out" "Client:"
  assert_contains "$out" "Engine:"
  for service in images snapshots tasks network dockerapi cri builder; do
    assert_contains "$out" " $service:"
  done
  [[ $(grep -c "Health:           SERVING" <<<"$out") -eq 8 ]] || fail "not all SERVING: $out"
  assert_eq "$(berth version --format '{{.Server.Version}}')" "0.1.0" "server version"
  berth version --format json | jq -e '.Server.Components | length == 8' >/dev/null
}

test_info_shows_roots_services_and_host() {
  local out expected_cgroup
  out=$(berth info 2>&1)
  assert_contains "$out" "Berth Root Dir: $MAIN_DATA"
  assert_contains "$out" "Exec Root: $MAIN_EXEC"
  assert_contains "$out" "Storage Driver: overlayfs"
  for service in images snapshots tasks network dockerapi cri builder; do
    grep -qE "^  $service +running \(pid [0-9]+\), restarts: 0" <<<"$out" ||
      fail "service $service not running in: $out"
  done
  expected_cgroup=1
  [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] && expected_cgroup=2
  assert_eq "$(berth info --format '{{.CgroupVersion}}')" "$expected_cgroup" "cgroup version"
  assert_eq "$(berth info --format '{{.Images}} {{.Containers}} {{.Volumes}}')" "0 0 0" "counts"
  berth info --format json | jq -e '.Services | map(.State) | all(. == "running")' >/dev/null
}

test_each_service_has_its_own_socket_and_database() {
  for service in images snapshots tasks network cri; do
    [[ -S $MAIN_EXEC/$service.sock ]] || fail "no socket for $service"
    assert_eq "$(stat -c %a "$MAIN_EXEC/$service.sock")" "600" "$service socket mode"
    [[ -f $MAIN_DATA/$service/meta.db ]] || fail "no database for $service"
    assert_eq "$(sqlite3 "$MAIN_DATA/$service/meta.db" 'PRAGMA journal_mode')" "wal" "$service journal"
    (($(sqlite3 "$MAIN_DATA/$service/meta.db" 'PRAGMA user_version') >= 1)) ||
      fail "$service database has no schema"
  done
  # The Docker API front door keeps no database: a health socket, and the
  # docker socket for clients.
  [[ -S $MAIN_EXEC/dockerapi.sock ]] || fail "no socket for dockerapi"
  [[ ! -e $MAIN_DATA/dockerapi ]] || fail "dockerapi has a data directory"
  assert_eq "$(stat -c %a "$MAIN_EXEC/berth.sock")" "660" "client socket mode"
  assert_eq "$(stat -c %a "$MAIN_EXEC/docker.sock")" "660" "docker socket mode"
}

test_health_and_reflection_on_service_sockets() {
  # The standard health service answers on each service socket.
  local out
  out=$("$BIN/grpc_call" "unix://$MAIN_EXEC/images.sock" /grpc.health.v1.Health/Check)
  assert_contains "$out" "OK"
  out=$("$BIN/grpc_call" "unix://$MAIN_EXEC/images.sock" \
    /grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo)
  assert_not_contains "$out" "UNIMPLEMENTED" "reflection"
}

test_unknown_service_or_method_is_unimplemented() {
  assert_contains "$("$BIN/grpc_call" "$MAIN_SOCK" /berth.unknown.v1.Nothing/Do)" "UNIMPLEMENTED"
  assert_contains "$("$BIN/grpc_call" "$MAIN_SOCK" /berth.images.v1.Images/NoSuchMethod)" \
    "UNIMPLEMENTED"
  # The internal metrics API is not reachable through the client endpoint.
  assert_contains "$("$BIN/grpc_call" "$MAIN_SOCK" /berth.metrics.v1.Metrics/Scrape)" \
    "UNIMPLEMENTED"
  # A known method reaches its service (an empty List answers OK).
  assert_contains "$("$BIN/grpc_call" "$MAIN_SOCK" /berth.images.v1.Images/List)" "OK"
}

test_volume_calls_are_forwarded_and_audited() {
  assert_eq "$(berth volume create --label team=db data)" "data" "create"
  [[ -d $MAIN_DATA/volumes/data/_data ]] || fail "no volume directory"
  assert_contains "$(berth volume ls)" "local     data"
  assert_eq "$(berth volume inspect --format '{{.Mountpoint}}' data)" "$MAIN_DATA/volumes/data/_data"
  berth volume inspect data | jq -e '.[0].Labels.team == "db"' >/dev/null
  local out rc=0
  out=$(berth volume rm nosuch 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code of a daemon error"
  assert_contains "$out" "Error response from daemon: get nosuch: no such volume"
  assert_eq "$(berth volume rm data)" "data" "rm"
  local audit
  audit=$(cat "$MAIN_DATA/audit.log")
  assert_contains "$audit" '"method":"/berth.snapshots.v1.Volumes/Create"'
  assert_contains "$audit" '"target":"data"'
  assert_contains "$audit" '"identity":"local"'
  assert_contains "$audit" '"code":"NOT_FOUND"'
  # Read-only calls are not audited.
  assert_not_contains "$audit" "Volumes/List"
}

test_killed_service_is_restarted_within_two_seconds() {
  local pid new_pid start
  pid=$(service_pid "$MAIN_PID" images)
  [[ -n $pid ]] || fail "no images process"
  start=$(date +%s%N)
  kill -9 "$pid"
  wait_for 2 bash -c "pid=\$(pgrep -P $MAIN_PID -f berth-images); [[ -n \$pid && \$pid != $pid ]]" ||
    fail "images not restarted within 2s"
  wait_for 2 bash -c "'$BIN/berth' -H '$MAIN_SOCK' info --format '{{json .Services}}' | jq -e 'map(select(.Name==\"images\"))[0].State == \"running\"'" ||
    fail "images not running again"
  echo "restarted in $((($(date +%s%N) - start) / 1000000)) ms"
  assert_eq "$(berth info --format '{{json .Services}}' | jq -r 'map(select(.Name=="images"))[0].Restarts')" "1" "restarts"
  assert_contains "$("$BIN/grpc_call" "$MAIN_SOCK" /berth.images.v1.Images/List)" "OK"
  grep -q "service images killed by signal 9" "$MAIN_LOG" || fail "exit not logged"
  # Read whole first: grep -q stopping early would fail curl (pipefail).
  local scrape
  scrape=$(curl -sf "http://$MAIN_METRICS/metrics")
  grep -q '^berth_service_restarts_total{service="images"} 1$' <<<"$scrape" ||
    fail "restart not counted in metrics"
}

test_crash_loop_is_logged_and_visible() {
  start_berthd LOOP
  # Replace the network binary with one that fails at once, then kill the
  # running one: every restart now exits immediately.
  cp "$BIN/berth-network" "$TMP/berth-network.real"
  printf '#!/bin/sh\necho "network: simulated failure" >&2\nexit 3\n' >"$BIN/berth-network.new"
  chmod +x "$BIN/berth-network.new"
  mv -f "$BIN/berth-network.new" "$BIN/berth-network"
  kill -9 "$(service_pid "$LOOP_PID" network)"
  local ok=1
  wait_for 15 bash -c "'$BIN/berth' -H '$LOOP_SOCK' info --format '{{json .Services}}' | jq -e 'map(select(.Name==\"network\"))[0].State == \"crash-loop\"'" || ok=0
  cp -f "$TMP/berth-network.real" "$BIN/berth-network"
  ((ok)) || fail "crash loop not reported: $("$BIN/berth" -H "$LOOP_SOCK" info 2>&1)"
  grep -q "service network is crash-looping" "$LOOP_LOG" || fail "crash loop not logged"
  local warnings
  warnings=$("$BIN/berth" -H "$LOOP_SOCK" info 2>&1 >/dev/null)
  assert_contains "$warnings" "WARNING: service network is"
  # Other services keep working meanwhile.
  assert_contains "$("$BIN/grpc_call" "$LOOP_SOCK" /berth.images.v1.Images/List)" "OK"
  kill -TERM "$LOOP_PID"
  wait "$LOOP_PID" || true
}

test_sigterm_stops_every_service_and_removes_sockets() {
  start_berthd STOP
  local pids
  pids=$(pgrep -P "$STOP_PID" | tr '\n' ' ')
  [[ $(wc -w <<<"$pids") -eq 7 ]] || fail "expected 7 service processes, got: $pids"
  kill -TERM "$STOP_PID"
  local rc=0
  wait "$STOP_PID" || rc=$?
  assert_eq "$rc" "0" "berthd exit code"
  for pid in $pids; do
    ! kill -0 "$pid" 2>/dev/null || fail "service $pid still running"
  done
  [[ -z $(ls "$STOP_EXEC"/*.sock 2>/dev/null) ]] || fail "sockets left: $(ls "$STOP_EXEC")"
  grep -q "berthd stopped" "$STOP_LOG" || fail "no clean stop in log"
  grep -q "level=error" "$STOP_LOG" && fail "errors during stop: $(cat "$STOP_LOG")"
  return 0
}

test_services_follow_a_killed_berthd_and_a_new_one_takes_over() {
  start_berthd CRASH
  local pids
  pids=$(pgrep -P "$CRASH_PID" | tr '\n' ' ')
  kill -9 "$CRASH_PID"
  # The services get SIGTERM from the kernel (parent-death signal) and stop.
  for pid in $pids; do
    wait_for 10 bash -c "! kill -0 $pid 2>/dev/null" || fail "service $pid outlived berthd"
  done
  # A new berthd on the same roots starts cleanly: the pid-file lock died
  # with the old one and stale sockets are replaced.
  "$BIN/berthd" --data-root "$CRASH_DATA" --exec-root "$CRASH_EXEC" --config-file "$TMP/none.json" \
    --metrics-addr "" >"$TMP/berthd-crash2.log" 2>&1 &
  local new_pid=$!
  track_pid "$new_pid"
  wait_for 30 grep -q "berthd is ready" "$TMP/berthd-crash2.log" ||
    fail "second berthd did not start: $(cat "$TMP/berthd-crash2.log")"
  assert_contains "$("$BIN/grpc_call" "$CRASH_SOCK" /berth.images.v1.Images/List)" "OK"
  kill -TERM "$new_pid"
}

test_second_instance_on_same_exec_root_is_refused() {
  local out rc=0
  out=$("$BIN/berthd" --data-root "$TMP/other" --exec-root "$MAIN_EXEC" \
    --config-file "$TMP/none.json" --metrics-addr "" 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code"
  assert_contains "$out" "another berthd is running with this exec-root"
}

test_bad_configuration_names_the_key() {
  local out rc
  echo '{"log-level": "loud"}' >"$TMP/bad-level.json"
  rc=0; out=$("$BIN/berthd" --config-file "$TMP/bad-level.json" --validate 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code"
  assert_contains "$out" '"log-level"'
  echo '{"data-rot": "/x"}' >"$TMP/typo.json"
  rc=0; out=$("$BIN/berthd" --config-file "$TMP/typo.json" --validate 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code"
  assert_contains "$out" 'data-rot'
  echo '{"hosts": ["unix:///tmp/a.sock"]}' >"$TMP/hosts.json"
  rc=0; out=$("$BIN/berthd" --config-file "$TMP/hosts.json" -H unix:///tmp/b.sock --validate 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code"
  assert_contains "$out" "specified both as a flag and in the configuration file"
  rc=0; out=$("$BIN/berthd" --config-file "$TMP/missing.json" --validate 2>&1) || rc=$?
  assert_eq "$rc" "1" "an explicitly named missing file"
  rc=0; out=$("$BIN/berthd" --config-file "$TMP/none.json" -H tcp://127.0.0.1:2399 --validate 2>&1) || rc=$?
  assert_eq "$rc" "1" "tcp without tls"
  assert_contains "$out" "without mutual TLS"
  # A remap that does not resolve stops berthd (containers would otherwise
  # run with the host's root as theirs).
  rc=0; out=$("$BIN/berthd" --config-file "$TMP/none.json" --userns-remap no-such-user-here --validate 2>&1) || rc=$?
  assert_eq "$rc" "1" "userns-remap"
  assert_contains "$out" 'userns-remap "no-such-user-here": no such user "no-such-user-here"'
  # The systemd driver needs systemd as init (tests/systemd_cgroup_test.sh
  # boots one to test the driver itself).
  echo '{"cgroup-driver": "systemd"}' >"$TMP/systemd.json"
  rc=0; out=$("$BIN/berthd" --config-file "$TMP/systemd.json" --validate 2>&1) || rc=$?
  if [[ -d /run/systemd/system ]]; then
    assert_eq "$rc" "0" "cgroup-driver systemd where systemd is init: $out"
  else
    assert_eq "$rc" "1" "cgroup-driver systemd"
    assert_contains "$out" 'cgroup-driver "systemd": systemd is not the init system here'
  fi
  # A cgroupfs parent may not climb out of the hierarchy.
  echo '{"cgroup-driver": "cgroupfs", "cgroup-parent": "../escape"}' >"$TMP/parent.json"
  rc=0; out=$("$BIN/berthd" --config-file "$TMP/parent.json" --validate 2>&1) || rc=$?
  assert_eq "$rc" "1" "cgroup-parent .."
  assert_contains "$out" 'cgroup-parent "../escape": may not contain ".."'
  out=$("$BIN/berthd" --config-file "$TMP/none.json" --validate 2>&1)
  assert_contains "$out" "configuration OK"
}

test_sighup_reloads_live_keys_and_refuses_a_bad_file() {
  local conf=$TMP/reload.json out
  echo '{"labels": ["stage=one"]}' >"$conf"
  BERTHD_CONFIG=$conf start_berthd RELOAD
  out=$("$BIN/berth" -H "$RELOAD_SOCK" info)
  assert_contains "$out" $' Debug Mode: false\n Labels:\n  stage=one\n'
  # Live keys: the daemon's info and the services take the new values.
  cat >"$conf" <<'JSON'
{"labels": ["stage=two", "rack=r7"], "debug": true, "insecure-registries": ["10.9.0.0/16"]}
JSON
  kill -HUP "$RELOAD_PID"
  wait_for 10 grep -q "Reloaded configuration" "$RELOAD_LOG" || fail "no reload logged: $(cat "$RELOAD_LOG")"
  assert_contains "$(cat "$RELOAD_LOG")" \
    'Reloaded configuration: {\"debug\":true,\"insecure-registries\":[\"10.9.0.0/16\"],\"labels\":[\"stage=two\",\"rack=r7\"]}'
  out=$("$BIN/berth" -H "$RELOAD_SOCK" info)
  assert_contains "$out" $' Debug Mode: true\n Labels:\n  stage=two\n  rack=r7\n'
  assert_contains "$out" $' Insecure Registries:\n  10.9.0.0/16\n  ::1/128\n  127.0.0.0/8'
  jq -e '.labels == ["stage=two", "rack=r7"] and .debug' "$RELOAD_EXEC/daemon.json" >/dev/null ||
    fail "effective file not rewritten: $(cat "$RELOAD_EXEC/daemon.json")"
  wait_for 10 test "$(grep -c 'configuration reloaded' "$RELOAD_LOG")" -eq 7 ||
    fail "not every service reloaded: $(grep 'configuration reloaded' "$RELOAD_LOG")"
  # A file that does not parse, and one with a key of the wrong type:
  # refused, logged, nothing changed.
  echo '{"labels": [' >"$conf"
  kill -HUP "$RELOAD_PID"
  wait_for 10 grep -q "Error reconfiguring the daemon" "$RELOAD_LOG" || fail "bad JSON not refused"
  echo '{"labels": ["stage=three"], "debug": "yes"}' >"$conf"
  kill -HUP "$RELOAD_PID"
  wait_for 10 grep -q 'Error reconfiguring the daemon: .*debug.*want true or false' "$RELOAD_LOG" ||
    fail "wrong type not refused: $(grep Error "$RELOAD_LOG")"
  out=$("$BIN/berth" -H "$RELOAD_SOCK" info)
  assert_contains "$out" $' Debug Mode: true\n Labels:\n  stage=two\n  rack=r7\n'
  assert_not_contains "$out" "stage=three"
  # A key that needs a restart is reported and kept; the live ones change.
  echo '{"labels": ["stage=four"], "storage-driver": "native"}' >"$conf"
  kill -HUP "$RELOAD_PID"
  wait_for 10 grep -q 'storage-driver.. changed but cannot be reloaded' "$RELOAD_LOG" ||
    fail "restart-only key not reported: $(tail -5 "$RELOAD_LOG")"
  out=$("$BIN/berth" -H "$RELOAD_SOCK" info)
  assert_contains "$out" "Storage Driver: overlayfs"
  assert_contains "$out" $' Debug Mode: false\n Labels:\n  stage=four\n'
}

test_berthd_ctl_starts_reloads_and_stops_berthd() {
  local exec_root conf=$TMP/ctl.json out rc=0 pid
  exec_root=$(mktemp -d /run/berth-test.XXXXXX)
  track_dir "$exec_root"
  echo '{"labels": ["via=ctl"]}' >"$conf"
  ctl() {
    BERTHD=$BIN/berthd BERTHD_PIDFILE=$TMP/ctl.pid BERTHD_LOG=$TMP/ctl.log \
      BERTHD_OPTS="--data-root $TMP/data-ctl --exec-root $exec_root --config-file $conf --metrics-addr 127.0.0.1:$(free_port)" \
      bash "$RUNFILES/deploy/berthd-ctl" "$@"
  }
  rc=0; out=$(ctl status) || rc=$?
  assert_eq "$rc" "3" "status before start"
  out=$(ctl start)
  pid=$(cat "$TMP/ctl.pid")
  track_pid "$pid"
  assert_contains "$out" "berthd started (pid $pid), logging to $TMP/ctl.log"
  # start returns once berthd is ready: no waiting here.
  out=$("$BIN/berth" -H "unix://$exec_root/berth.sock" info)
  assert_contains "$out" $'Labels:\n  via=ctl'
  assert_eq "$(ctl status)" "berthd is running (pid $pid)" "status"
  assert_eq "$(ctl start)" "berthd is already running (pid $pid)" "second start"
  echo '{"labels": ["via=reload"]}' >"$conf"
  ctl reload >/dev/null
  wait_for 10 grep -q "Reloaded configuration" "$TMP/ctl.log" || fail "reload not logged"
  assert_contains "$("$BIN/berth" -H "unix://$exec_root/berth.sock" info)" $'Labels:\n  via=reload'
  assert_eq "$(ctl stop)" "berthd stopped" "stop"
  kill -0 "$pid" 2>/dev/null && fail "berthd still running after stop"
  [[ -S $exec_root/berth.sock ]] && fail "socket left behind"
  rc=0; ctl status >/dev/null || rc=$?
  assert_eq "$rc" "3" "status after stop"
}

test_cli_exit_codes_follow_docker() {
  local rc=0 out
  out=$("$BIN/berth" info --bogus 2>&1) || rc=$?
  assert_eq "$rc" "125" "unknown flag"
  rc=0
  out=$("$BIN/berth" -H unix:///nonexistent/berth.sock info 2>&1) || rc=$?
  assert_eq "$rc" "1" "daemon unreachable"
  assert_contains "$out" "Cannot connect to the berth daemon at unix:///nonexistent/berth.sock"
}

run_tests "$@"
