#!/usr/bin/env bash
# daemon.json keys that shape containers and transfers, and their live
# reload (SIGHUP) as dockerd's: default-ulimits, max-concurrent-downloads
# and -uploads, live-restore and shutdown-timeout. Every file pins the
# cgroupfs driver, as the other suites do.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

setup_suite() {
  start_registry
  make_image "$TMP/layout" v1 "hello from v1"
  push_image "$TMP/layout" v1 keys/remote:v1
  echo '{"cgroup-driver": "cgroupfs", "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1500, "Hard": 3000}},
         "max-concurrent-downloads": 1, "max-concurrent-uploads": 1}' >"$TMP/main.json"
  BERTHD_CONFIG=$TMP/main.json start_berthd MAIN
  import_busybox busybox "$MAIN_SOCK"
}

teardown_suite() {
  remove_main_containers
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# reload PID LOG CONFIG JSON: writes CONFIG, sends SIGHUP and waits until
# berthd's services have all taken it.
reload() {
  local pid=$1 log=$2 conf=$3 json=$4 before
  # grep -c fails when it counts none.
  before=$(grep -c 'configuration reloaded' "$log" || true)
  echo "$json" >"$conf"
  kill -HUP "$pid"
  wait_for 10 bash -c "(( \$(grep -c 'configuration reloaded' '$log') >= $((before + 6)) ))" ||
    fail "reload not taken by every service: $(tail -5 "$log")"
}

# The open-files limits (soft hard) of a container's PID 1.
pid1_nofile() { # container
  berth exec "$1" cat /proc/1/limits | awk '/^Max open files/ {print $4, $5}'
}

test_default_ulimits_reach_new_containers_and_a_reload_changes_later_ones() {
  local out
  # Unusual values that no host default gives by chance.
  out=$(berth run --rm --network none busybox sh -c 'ulimit -Sn; ulimit -Hn')
  assert_eq "$out" $'1500\n3000' "ulimit -n from default-ulimits"
  berth run -d --name ul-old --network none busybox sleep 600 >/dev/null
  assert_eq "$(pid1_nofile ul-old)" "1500 3000" "the first container's PID 1"
  out=$(berth inspect -f '{{json .HostConfig.Ulimits}}' ul-old)
  jq -e '. == [{"Name": "nofile", "Hard": 3000, "Soft": 1500}]' <<<"$out" >/dev/null ||
    fail "HostConfig.Ulimits: $out"
  # --ulimit wins over the default of the same name.
  out=$(berth run --rm --network none --ulimit nofile=1234:2345 busybox sh -c 'ulimit -Sn; ulimit -Hn')
  assert_eq "$out" $'1234\n2345' "--ulimit over the default"
  assert_contains "$(berth info)" $' Default Ulimits:\n  nofile=1500:3000'
  # A hard limit above berthd's own cannot be given (the kernel refuses to
  # raise one without CAP_SYS_RESOURCE): the start fails as docker's does.
  local above=$(($(ulimit -Hn) + 1)) rc=0
  out=$(berth run --rm --network none --ulimit "nofile=$above:$above" busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "a hard limit above berthd's"
  assert_contains "$out" "container setup: setrlimit: Operation not permitted"

  reload "$MAIN_PID" "$MAIN_LOG" "$TMP/main.json" \
    '{"cgroup-driver": "cgroupfs", "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1700, "Hard": 3100}},
      "max-concurrent-downloads": 1, "max-concurrent-uploads": 1}'
  assert_contains "$(cat "$MAIN_LOG")" \
    'Reloaded configuration: {\"default-ulimits\":{\"nofile\":{\"Hard\":3100,\"Name\":\"nofile\",\"Soft\":1700}}}'
  out=$(berth run --rm --network none busybox sh -c 'ulimit -Sn; ulimit -Hn')
  assert_eq "$out" $'1700\n3100' "a container created after the reload"
  # The running one keeps what it was made with, exec'd processes too.
  assert_eq "$(pid1_nofile ul-old)" "1500 3000" "the older container after the reload"
  assert_eq "$(berth exec ul-old sh -c 'ulimit -Sn')" "1500" "exec in the older container"
  assert_contains "$(berth info)" $' Default Ulimits:\n  nofile=1700:3100'
  berth rm -f ul-old >/dev/null
}

test_transfer_limits_are_live_and_validated_as_dockerd() {
  local out rc
  out=$(berth info)
  assert_contains "$out" " Max Concurrent Downloads: 1"
  assert_contains "$out" " Max Concurrent Uploads: 1"
  # A two-layer pull one layer at a time, then a push the same way.
  out=$(berth pull "$REGISTRY/keys/remote:v1")
  assert_contains "$out" "Status: Downloaded newer image for $REGISTRY/keys/remote:v1"
  assert_eq "$(berth run --rm --network none "$REGISTRY/keys/remote:v1" cat /etc/motd)" \
    "hello from v1" "the pulled image runs"
  berth tag "$REGISTRY/keys/remote:v1" "$REGISTRY/keys/pushed:v1"
  out=$(berth push "$REGISTRY/keys/pushed:v1")
  assert_contains "$out" "v1: digest: sha256:"
  skopeo inspect --tls-verify=false "docker://$REGISTRY/keys/pushed:v1" >/dev/null ||
    fail "the pushed image is not in the registry"

  reload "$MAIN_PID" "$MAIN_LOG" "$TMP/main.json" \
    '{"cgroup-driver": "cgroupfs", "max-concurrent-downloads": 4, "max-concurrent-uploads": 6}'
  out=$(berth info)
  assert_contains "$out" " Max Concurrent Downloads: 4"
  assert_contains "$out" " Max Concurrent Uploads: 6"
  berth rmi "$REGISTRY/keys/remote:v1" "$REGISTRY/keys/pushed:v1" >/dev/null
  out=$(berth pull "$REGISTRY/keys/remote:v1")
  assert_contains "$out" "Status: Downloaded newer image for $REGISTRY/keys/remote:v1"

  # A negative value: refused on reload (nothing changes) and at start,
  # with dockerd's message.
  echo '{"cgroup-driver": "cgroupfs", "max-concurrent-downloads": -1}' >"$TMP/main.json"
  kill -HUP "$MAIN_PID"
  wait_for 10 grep -q 'Error reconfiguring the daemon: .*invalid max concurrent downloads: -1' "$MAIN_LOG" ||
    fail "negative limit not refused on reload: $(grep Error "$MAIN_LOG")"
  assert_contains "$(berth info)" " Max Concurrent Downloads: 4"
  echo '{"cgroup-driver": "cgroupfs", "max-concurrent-uploads": -3}' >"$TMP/negative.json"
  rc=0; out=$("$BIN/berthd" --config-file "$TMP/negative.json" --validate 2>&1) || rc=$?
  assert_eq "$rc" "1" "berthd with a negative upload limit"
  assert_contains "$out" '"max-concurrent-uploads": invalid max concurrent uploads: -3'
  rc=0; out=$("$BIN/berthd" --config-file "$TMP/none.json" --max-concurrent-downloads=-2 --validate 2>&1) || rc=$?
  assert_eq "$rc" "1" "the flag's negative value"
  assert_contains "$out" "invalid max concurrent downloads: -2"
  # The positive control: the same keys with sound values start.
  echo '{"cgroup-driver": "cgroupfs", "max-concurrent-uploads": 2, "max-concurrent-downloads": 0}' >"$TMP/sound.json"
  out=$("$BIN/berthd" --config-file "$TMP/sound.json" --validate 2>&1)
  assert_contains "$out" "configuration OK"
  echo '{"cgroup-driver": "cgroupfs"}' >"$TMP/main.json"
}

# A container that ends with exit code 7 on SIGTERM; prints its host pid.
run_trapper() { # sock name [flags...]
  local sock=$1 name=$2
  shift 2
  "$BIN/berth" -H "$sock" run -d --name "$name" --network none "$@" busybox \
    sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
  "$BIN/berth" -H "$sock" inspect -f '{{.State.Pid}}' "$name"
}

test_by_default_containers_outlive_berthd() {
  local pid rc=0
  echo '{"cgroup-driver": "cgroupfs"}' >"$TMP/keep.json"
  BERTHD_CONFIG=$TMP/keep.json start_berthd KEEP
  import_busybox busybox "$KEEP_SOCK"
  assert_contains "$("$BIN/berth" -H "$KEEP_SOCK" info)" " Live Restore Enabled: true"
  pid=$(run_trapper "$KEEP_SOCK" kept)
  kill -0 "$pid" || fail "container not running"
  kill -TERM "$KEEP_PID"
  wait "$KEEP_PID" || rc=$?
  assert_eq "$rc" "0" "berthd exit code"
  kill -0 "$pid" 2>/dev/null || fail "the container stopped with berthd (live-restore is on)"
  kill -KILL "$pid"
}

test_live_restore_off_stops_containers_with_berthd() {
  local trapped stubborn always rc=0 started took out
  echo '{"cgroup-driver": "cgroupfs"}' >"$TMP/lr.json"
  BERTHD_CONFIG=$TMP/lr.json start_berthd LR
  import_busybox busybox "$LR_SOCK"
  trapped=$(run_trapper "$LR_SOCK" trapped)
  # Ignores SIGTERM: SIGKILL after its own stop timeout.
  "$BIN/berth" -H "$LR_SOCK" run -d --name stubborn --network none --stop-timeout 2 busybox \
    sh -c 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null
  stubborn=$("$BIN/berth" -H "$LR_SOCK" inspect -f '{{.State.Pid}}' stubborn)
  always=$(run_trapper "$LR_SOCK" always --restart always)
  # live-restore is reloadable.
  reload "$LR_PID" "$LR_LOG" "$TMP/lr.json" '{"cgroup-driver": "cgroupfs", "live-restore": false, "shutdown-timeout": 1}'
  assert_contains "$("$BIN/berth" -H "$LR_SOCK" info)" " Live Restore Enabled: false"
  assert_contains "$("$BIN/berth" -H "$LR_SOCK" info)" " Shutdown Timeout: 1"
  started=$(date +%s%N)
  kill -TERM "$LR_PID"
  wait "$LR_PID" || rc=$?
  took=$((($(date +%s%N) - started) / 1000000))
  assert_eq "$rc" "0" "berthd exit code"
  for pid in "$trapped" "$stubborn" "$always"; do
    ! kill -0 "$pid" 2>/dev/null || fail "container process $pid outlived berthd (live-restore off)"
  done
  # The stubborn one had its 2 s stop timeout, more than shutdown-timeout.
  ((took >= 2000)) || fail "berthd stopped in $took ms: the stop timeout was not given"
  grep -q "level=error" "$LR_LOG" && fail "errors during stop: $(grep level=error "$LR_LOG")"

  # A new berthd on the same roots: the exits are recorded; the policy
  # brings back "always", as dockerd after its own shutdown.
  "$BIN/berthd" --data-root "$LR_DATA" --exec-root "$LR_EXEC" --config-file "$TMP/lr.json" \
    --metrics-addr "" >"$TMP/berthd-lr2.log" 2>&1 &
  local new_pid=$!
  track_pid "$new_pid"
  wait_for 30 grep -q "berthd is ready" "$TMP/berthd-lr2.log" ||
    fail "second berthd did not start: $(cat "$TMP/berthd-lr2.log")"
  out=$("$BIN/berth" -H "$LR_SOCK" inspect -f '{{.State.Status}} {{.State.ExitCode}}' trapped)
  assert_eq "$out" "exited 7" "the trapping container"
  out=$("$BIN/berth" -H "$LR_SOCK" inspect -f '{{.State.Status}} {{.State.ExitCode}}' stubborn)
  assert_eq "$out" "exited 137" "the container that ignored SIGTERM"
  wait_for 20 bash -c "[[ \$('$BIN/berth' -H '$LR_SOCK' inspect -f '{{.State.Status}}' always) == running ]]" ||
    fail "the --restart always container did not come back"
  "$BIN/berth" -H "$LR_SOCK" rm -f trapped stubborn always >/dev/null
  kill -TERM "$new_pid"
}

test_live_restore_off_a_killed_berthd_leaves_containers_to_the_next_start() {
  local left pids pid out
  echo '{"cgroup-driver": "cgroupfs", "live-restore": false}' >"$TMP/killed.json"
  BERTHD_CONFIG=$TMP/killed.json start_berthd KILLED
  import_busybox busybox "$KILLED_SOCK"
  left=$(run_trapper "$KILLED_SOCK" left)
  pids=$(pgrep -P "$KILLED_PID" | tr '\n' ' ')
  kill -KILL "$KILLED_PID"
  for pid in $pids; do
    wait_for 10 bash -c "! kill -0 $pid 2>/dev/null" || fail "service $pid outlived berthd"
  done
  # Not an orderly stop: the services did not stop the container.
  kill -0 "$left" 2>/dev/null || fail "the container died with a killed berthd"
  "$BIN/berthd" --data-root "$KILLED_DATA" --exec-root "$KILLED_EXEC" \
    --config-file "$TMP/killed.json" --metrics-addr "" >"$TMP/berthd-killed2.log" 2>&1 &
  local new_pid=$!
  track_pid "$new_pid"
  wait_for 30 grep -q "berthd is ready" "$TMP/berthd-killed2.log" ||
    fail "second berthd did not start: $(cat "$TMP/berthd-killed2.log")"
  # Its start stops what it finds running, as dockerd's restore does.
  wait_for 20 bash -c "! kill -0 $left 2>/dev/null" ||
    fail "the new berthd (live-restore off) left the container running"
  wait_for 10 bash -c "[[ \$('$BIN/berth' -H '$KILLED_SOCK' inspect -f '{{.State.Status}} {{.State.ExitCode}}' left) == 'exited 7' ]]" ||
    fail "state after the start: $("$BIN/berth" -H "$KILLED_SOCK" inspect -f '{{.State.Status}} {{.State.ExitCode}}' left)"
  "$BIN/berth" -H "$KILLED_SOCK" rm -f left >/dev/null
  kill -TERM "$new_pid"
}

run_tests "$@"
