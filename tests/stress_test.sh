#!/usr/bin/env bash
# Concurrency: many clients at once against one berthd, and shims too busy
# to answer in time. Every `run --rm` that ran reports its own exit code
# (the removal never races the answer), and `rm -f` removes a container
# whole (no shim, cgroup or snapshot left) even when its shim is slow.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

setup_suite() {
  start_berthd MAIN
  import_busybox busybox "$MAIN_SOCK"
}

teardown_suite() {
  remove_main_containers
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# A berth call that may not hang: exit 124 after 120 s.
berth_bounded() { timeout 120 "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# Runs "$@" COUNT times, each exit status on a line of OUT: loop COUNT OUT CMD...
loop() {
  local count=$1 out=$2 i rc
  shift 2
  for ((i = 0; i < count; i++)); do
    rc=0
    "$@" >/dev/null 2>>"$out.err" || rc=$?
    echo "$rc" >>"$out"
  done
}

# Readers beside the runs: ps, inspect and logs of a long-lived container,
# until the file STOP exists.
readers() {
  local stop=$1 target=$2
  while [[ ! -e $stop ]]; do
    berth_bounded ps -a >/dev/null 2>&1
    berth_bounded inspect "$target" >/dev/null 2>&1
    berth_bounded logs --tail 5 "$target" >/dev/null 2>&1
  done
}

# What is left of a container after rm: its shim, cgroups, bundle.
leftovers() { # id
  local id=$1 found=""
  pgrep -f "berth-shim --bundle $MAIN_EXEC/shims/$id" >/dev/null && found+=" shim"
  compgen -G "/sys/fs/cgroup/*/berth/$id" >/dev/null && found+=" cgroup"
  [[ -d /sys/fs/cgroup/berth/$id ]] && found+=" cgroup"
  [[ -d $MAIN_EXEC/shims/$id ]] && found+=" bundle"
  echo "$found"
}

no_leftovers() { [[ -z $(leftovers "$1") ]]; }

test_run_rm_under_concurrency_reports_every_exit_code() {
  local target work start p i codes bad rc
  target=$(berth run -d busybox sh -c 'while true; do echo tick; sleep 0.2; done')
  work=$(mktemp -d)
  start=$SECONDS
  # The readers stop with the test, whatever ends it.
  trap "touch '$work/stop'" EXIT
  readers "$work/stop" "$target" >/dev/null 2>&1 &
  local readers_pid=$!
  readers "$work/stop" "$target" >/dev/null 2>&1 &
  local readers_pid2=$!
  # Half without a network: their exits are handled fastest, the tightest
  # race between --rm's removal and the answer to the client.
  local pids=()
  for ((p = 0; p < 8; p++)); do
    if ((p % 2)); then
      loop 15 "$work/runs" berth_bounded run --rm --network none busybox true &
    else
      loop 15 "$work/runs" berth_bounded run --rm busybox true &
    fi
    pids+=($!)
  done
  # Under the same load, a --rm container's own exit code comes back.
  for ((i = 0; i < 5; i++)); do
    rc=0
    berth_bounded run --rm --network none busybox sh -c 'exit 3' >/dev/null 2>>"$work/three.err" || rc=$?
    echo "$rc" >>"$work/three"
  done
  echo "5 run --rm exit 3 beside them: $((SECONDS - start)) s" >&2
  wait "${pids[@]}"
  touch "$work/stop"
  wait "$readers_pid" "$readers_pid2"
  echo "120 run --rm beside readers: $((SECONDS - start)) s" >&2
  codes=$(sort "$work/runs" | uniq -c | tr -s ' ')
  bad=$(grep -cv '^0$' "$work/runs" || true)
  assert_eq "$(wc -l <"$work/runs")" "120" "runs finished" || return 1
  if ((bad > 0)); then
    fail "$bad of 120 run --rm failed (exit codes:$codes): $(sort -u "$work/runs.err" | head -5)"
    return 1
  fi
  assert_eq "$(sort -u "$work/three" | tr '\n' ' ')" "3 " \
    "exit codes of run --rm sh -c 'exit 3' ($(sort -u "$work/three.err" 2>/dev/null | head -3))"
  # Positive control of the removal: no --rm container is left.
  assert_eq "$(berth ps -aq | grep -vc "^${target:0:12}" || true)" "0" "containers left besides the reader target"
  berth rm -f "$target" >/dev/null
  trap - EXIT
  rm -rf "$work"
}

# A shim that answers nothing for longer than a call's deadline (stopped
# with SIGSTOP, as a starved one would be) must not turn rm -f into an
# error that leaves the container half-removed.
test_rm_force_waits_out_a_shim_that_does_not_answer() {
  local id shim out rc
  id=$(berth run -d busybox sleep 1000)
  shim=$(pgrep -f "berth-shim --bundle $MAIN_EXEC/shims/$id" | head -1)
  [[ -n $shim ]] || fail "no shim for $id"
  kill -STOP "$shim"
  # Longer than two calls' deadlines (10 s each).
  (sleep 22; kill -CONT "$shim") &
  local waker=$!
  rc=0
  out=$(berth_bounded rm -f "$id" 2>&1) || rc=$?
  # The shim may be gone by now (the rm finished): neither may end the test.
  kill -CONT "$shim" 2>/dev/null || true
  wait "$waker" || true
  assert_eq "$rc" "0" "rm -f of a container whose shim was stopped ($out)" || return 1
  assert_contains "$out" "$id" "rm -f output"
  if berth inspect "$id" >/dev/null 2>&1; then fail "container $id still exists after rm -f"; fi
  wait_for 10 no_leftovers "$id" || fail "left after rm -f:$(leftovers "$id")"
}

test_rm_force_of_many_containers_from_four_clients() {
  local work start count=200 batch i ids client n
  work=$(mktemp -d)
  start=$SECONDS
  for ((i = 0; i < count; i++)); do
    berth create --network none busybox sleep 1000 >>"$work/ids" || fail "create $i"
  done
  echo "created $count: $((SECONDS - start)) s" >&2
  # Started in batches of 25, each batch by parallel clients.
  mapfile -t ids <"$work/ids"
  for ((batch = 0; batch < count; batch += 25)); do
    local pids=()
    for ((i = batch; i < batch + 25 && i < count; i += 5)); do
      berth start "${ids[@]:i:5}" >/dev/null 2>>"$work/start.err" &
      pids+=($!)
    done
    wait "${pids[@]}" || true
  done
  n=$(berth ps -q | wc -l)
  echo "started $n: $((SECONDS - start)) s" >&2
  assert_eq "$n" "$count" "running containers ($(head -3 "$work/start.err"))" || return 1
  start=$SECONDS
  local pids=()
  for ((client = 0; client < 4; client++)); do
    (
      for ((i = client; i < count; i += 4)); do echo "${ids[i]}"; done >"$work/part$client"
      # A few at a time per call, as a script cleaning up would.
      xargs -n 10 timeout 300 "$BIN/berth" -H "$MAIN_SOCK" rm -f <"$work/part$client" >"$work/rm$client.out" 2>"$work/rm$client.err"
    ) &
    pids+=($!)
  done
  local failed=0
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  echo "rm -f of $count from 4 clients: $((SECONDS - start)) s" >&2
  ((failed == 0)) || fail "rm -f failed: $(cat "$work"/rm*.err | head -5)" || return 1
  assert_eq "$(cat "$work"/rm*.out | wc -l)" "$count" "containers reported removed" || return 1
  assert_eq "$(berth ps -aq | wc -l)" "0" "containers left" || return 1
  local left=""
  for id in "${ids[@]}"; do
    [[ -z $(leftovers "$id") ]] || left+=" ${id:0:12}:$(leftovers "$id")"
  done
  [[ -z $left ]] || fail "left behind:$left" || return 1
  # No container snapshot is left (the image's layers stay).
  local active
  active=$("$BIN/grpc_call" "unix://$MAIN_EXEC/snapshots.sock" /berth.snapshots.v1.Snapshots/List \
    'filters: "kind==active"')
  assert_contains "$active" "OK" "snapshot list"
  assert_not_contains "$active" "name:" "active snapshots after rm -f"
  # Positive control of that check: a created container has one.
  id=$(berth create busybox true)
  active=$("$BIN/grpc_call" "unix://$MAIN_EXEC/snapshots.sock" /berth.snapshots.v1.Snapshots/List \
    'filters: "kind==active"')
  assert_contains "$active" "name: \"$id\"" "the active snapshot of a created container"
  berth rm "$id" >/dev/null
  rm -rf "$work"
}

run_tests "$@"
