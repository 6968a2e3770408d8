#!/usr/bin/env bash
# Health checks as docker runs them: --health-* flags and the image's
# HEALTHCHECK (made with commit --change), probes exec'd in the container
# on schedule, starting -> healthy / unhealthy, timeouts, the start period,
# State.Health in inspect, ps status and filters, health_status and exec
# events, restarts, restart policies, and the tasks service restarting.
# Short intervals (100-300 ms) keep the suite quick.
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

health_of() { "$BIN/berth" -H "$MAIN_SOCK" inspect -f '{{.State.Health.Status}}' "$1"; }

# wait_health SECONDS CONTAINER STATUS
wait_health() {
  local deadline=$((SECONDS + $1))
  until [[ $(health_of "$2" 2>/dev/null) == "$3" ]]; do
    if ((SECONDS >= deadline)); then
      fail "$2 not $3 within $1 s: $(berth inspect -f '{{json .State.Health}}' "$2")"
      return 1
    fi
    sleep 0.1
  done
}

# Runs a detached busybox that sleeps, without networking (not needed here).
run_checked() { # NAME FLAGS...
  local name=$1
  shift
  berth run -d --name "$name" --network none "$@" busybox sleep 300
}

test_passing_check_makes_it_healthy_with_its_output_logged() {
  run_checked fine --health-cmd 'echo all good; echo on stderr >&2' --health-interval 200ms >/dev/null
  # A long interval: nothing has run yet, so it is starting.
  run_checked slow --health-cmd true --health-interval 30s >/dev/null
  assert_contains "$(berth ps --filter name=slow --format '{{.Status}}')" "(health: starting)"
  assert_eq "$(health_of slow)" "starting" "before the first probe"
  wait_health 10 fine healthy
  assert_contains "$(berth ps --filter name=fine --format '{{.Status}}')" "(healthy)"
  assert_eq "$(berth inspect -f '{{.State.Health.FailingStreak}}' fine)" "0" "failing streak"
  local log
  log=$(berth inspect -f '{{json .State.Health.Log}}' fine)
  assert_eq "$(jq -r '.[0].ExitCode' <<<"$log")" "0" "exit code"
  assert_eq "$(jq -r '.[0].Output' <<<"$log")" $'all good\non stderr' "output"
  jq -e '.[0].Start < .[0].End and (.[0].End | startswith("20"))' <<<"$log" >/dev/null ||
    fail "Start/End: $log"
  # The configuration as docker shows it: durations in nanoseconds.
  assert_eq "$(berth inspect -f '{{json .Config.Healthcheck}}' fine)" \
    '{"Interval":200000000,"Test":["CMD-SHELL","echo all good; echo on stderr >&2"]}' "Config.Healthcheck"
  # At most five results are kept.
  sleep 1.5
  assert_eq "$(berth inspect -f '{{len .State.Health.Log}}' fine)" "5" "log length"
  # A container without a check has no Health (docker's omitempty).
  run_checked plain >/dev/null
  assert_eq "$(berth inspect -f '{{json .State}}' plain | jq 'has("Health")')" "false" "no check"
  berth rm -f fine slow plain >/dev/null
}

test_failing_check_turns_unhealthy_after_retries() {
  run_checked sick --health-cmd 'echo broken >&2; exit 3' --health-interval 200ms --health-retries 3 >/dev/null
  wait_health 10 sick unhealthy
  assert_contains "$(berth ps --filter name=sick --format '{{.Status}}')" "(unhealthy)"
  local streak
  streak=$(berth inspect -f '{{.State.Health.FailingStreak}}' sick)
  ((streak >= 3)) || fail "failing streak $streak"
  local log
  log=$(berth inspect -f '{{json .State.Health.Log}}' sick)
  assert_eq "$(jq -r '.[-1].ExitCode' <<<"$log")" "3" "exit code"
  assert_eq "$(jq -r '.[-1].Output' <<<"$log")" "broken" "output"
  berth rm -f sick >/dev/null
}

test_probe_past_its_timeout_is_killed_and_fails() {
  run_checked slowcheck --health-cmd 'echo $$ >> /tmp/probes; echo started; sleep 30' \
    --health-timeout 300ms --health-interval 200ms --health-retries 1 >/dev/null
  local begin=$SECONDS
  wait_health 10 slowcheck unhealthy
  ((SECONDS - begin < 10)) || fail "took $((SECONDS - begin)) s"
  local log
  log=$(berth inspect -f '{{json .State.Health.Log}}' slowcheck)
  assert_eq "$(jq -r '.[0].ExitCode' <<<"$log")" "-1" "exit code"
  assert_eq "$(jq -r '.[0].Output' <<<"$log")" "Health check exceeded timeout (300ms): started" "output"
  # The first probe was killed: its process is gone, while the container's
  # own (PID 1, sleep 300) is there. Probes go on every 200 ms after
  # unhealthy, so at most the one running now may show, never a pile of
  # unkilled ones.
  sleep 0.5
  local first procs
  first=$(berth exec slowcheck head -1 /tmp/probes)
  [[ $first =~ ^[0-9]+$ ]] || fail "no probe pid recorded: $first"
  berth exec slowcheck kill -0 1 || fail "the container's process is gone"
  if berth exec slowcheck kill -0 "$first" 2>/dev/null; then fail "the timed-out probe $first still runs"; fi
  procs=$(berth top slowcheck)
  grep -q 'sleep 300$' <<<"$procs" || fail "top shows no sleep 300: $procs"
  (($(grep -c 'sleep 30$' <<<"$procs") <= 1)) || fail "probes left running: $procs"
  berth rm -f slowcheck >/dev/null
}

test_start_period_failures_do_not_count_until_a_success() {
  # In the start period failures are logged but not counted, and probes
  # run at the start interval (100ms, not the 30s interval).
  run_checked warming --health-cmd 'test -e /tmp/ready' --health-start-period 30s \
    --health-start-interval 100ms --health-interval 30s --health-retries 1 >/dev/null
  # Positive control: the same check with no start period counts at once.
  run_checked cold --health-cmd 'test -e /tmp/ready' --health-interval 100ms --health-retries 1 >/dev/null
  wait_health 10 cold unhealthy
  sleep 1
  assert_eq "$(health_of warming)" "starting" "in the start period"
  assert_eq "$(berth inspect -f '{{.State.Health.FailingStreak}}' warming)" "0" "failures counted"
  local runs
  runs=$(berth inspect -f '{{len .State.Health.Log}}' warming)
  ((runs >= 3)) || fail "only $runs probes in the start period: start interval unused"
  assert_eq "$(berth inspect -f '{{(index .State.Health.Log 0).ExitCode}}' warming)" "1" "failed probe"
  # Ready: healthy at the next probe. Then, though still in the start
  # period, a failure counts (the start period only covers starting).
  berth exec warming touch /tmp/ready
  wait_health 5 warming healthy
  berth rm -f warming cold >/dev/null
  run_checked relapse --health-cmd 'test -e /tmp/ready' --health-start-period 30s \
    --health-start-interval 100ms --health-interval 200ms --health-retries 1 >/dev/null
  berth exec relapse touch /tmp/ready
  wait_health 5 relapse healthy
  berth exec relapse rm /tmp/ready
  wait_health 5 relapse unhealthy
  berth rm -f relapse >/dev/null
}

test_image_healthcheck_and_no_healthcheck() {
  berth run --name hcbase --network none busybox true >/dev/null
  berth commit --change 'HEALTHCHECK --interval=200ms --retries=2 CMD echo from-image' hcbase hc-image >/dev/null
  assert_eq "$(berth image inspect -f '{{json .Config.Healthcheck}}' hc-image)" \
    '{"Interval":200000000,"Retries":2,"Test":["CMD-SHELL","echo from-image"]}' "image Healthcheck"
  # The image's check runs (positive control for --no-healthcheck).
  berth run -d --name fromimage --network none hc-image sleep 300 >/dev/null
  wait_health 10 fromimage healthy
  assert_eq "$(berth inspect -f '{{(index .State.Health.Log 0).Output}}' fromimage)" "from-image" "image's probe"
  # --health-cmd replaces the test only: the image's interval stays.
  berth run -d --name override --network none --health-cmd 'echo from-flag' hc-image sleep 300 >/dev/null
  wait_health 10 override healthy
  assert_eq "$(berth inspect -f '{{(index .State.Health.Log 0).Output}}' override)" "from-flag" "flag's probe"
  assert_eq "$(berth inspect -f '{{json .Config.Healthcheck}}' override)" \
    '{"Interval":200000000,"Retries":2,"Test":["CMD-SHELL","echo from-flag"]}' "merged"
  # --no-healthcheck: no probe at all.
  berth run -d --name unchecked --network none --no-healthcheck hc-image sleep 300 >/dev/null
  sleep 1
  assert_eq "$(berth inspect -f '{{json .State}}' unchecked | jq 'has("Health")')" "false" "Health"
  assert_eq "$(berth inspect -f '{{index .Config.Healthcheck.Test 0}}' unchecked)" "NONE" "test"
  assert_not_contains "$(berth ps --filter name=unchecked --format '{{.Status}}')" "health"
  # commit keeps the container's check (NONE here).
  berth commit unchecked hc-none >/dev/null
  assert_eq "$(berth image inspect -f '{{json .Config.Healthcheck.Test}}' hc-none)" '["NONE"]' "committed"
  # HEALTHCHECK NONE takes nothing else; unknown types are refused.
  local out rc=0
  out=$(berth commit --change 'HEALTHCHECK NONE x' hcbase hc-bad 2>&1) || rc=$?
  ((rc != 0)) || fail "HEALTHCHECK NONE x accepted"
  assert_contains "$out" "HEALTHCHECK NONE takes no arguments"
  berth rm -f hcbase fromimage override unchecked >/dev/null
  berth rmi hc-image hc-none >/dev/null
}

# docker's CLI runs inspect --format on its typed structs first: a missing
# State.Health is a nil pointer there (false in if, printed <nil>); only a
# field read through it fails, from the raw JSON's missing key.
test_inspect_format_without_a_health_check() {
  berth run -d --name plain --network none busybox sleep 300 >/dev/null
  berth run -d --name checked --network none --health-cmd true --health-interval 200ms busybox sleep 300 >/dev/null
  wait_health 10 checked healthy
  local tmpl='{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}'
  assert_eq "$(berth inspect -f "$tmpl" plain)" "none" "if on no health"
  # Positive control: the same template where there is a check.
  assert_eq "$(berth inspect -f "$tmpl" checked)" "healthy" "if on health"
  assert_eq "$(berth inspect -f '{{with .State.Health}}{{.Status}}{{else}}-{{end}}|{{.State.Health}}' plain)" \
    "-|<nil>" "with and print"
  local out rc=0
  out=$(berth inspect -f '{{.State.Health.Status}}' plain 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code of a field through no health"
  assert_contains "$out" 'template parsing error: template: :1:8: executing "" at <.State.Health.Status>: map has no entry for key "Health"'
  berth rm -f plain checked >/dev/null
}

test_health_status_and_exec_events() {
  local since
  since=$(date +%s)
  local id
  id=$(run_checked eventful --health-cmd 'exit 0' --health-interval 200ms)
  wait_health 10 eventful healthy
  sleep 0.3
  local events
  events=$(berth events --since "$since" --until "$(date +%s.%N)" --filter container=eventful)
  assert_contains "$events" "container health_status: healthy $id (image=busybox, name=eventful)"
  assert_contains "$events" "container exec_create: /bin/sh -c exit 0 $id"
  assert_contains "$events" "container exec_start: /bin/sh -c exit 0 $id"
  assert_contains "$events" "container exec_die $id"
  # docker's fuzzy event filter: health_status matches "health_status: healthy".
  events=$(berth events --since "$since" --until "$(date +%s.%N)" --filter event=health_status)
  assert_contains "$events" "health_status: healthy $id"
  assert_not_contains "$events" "exec_create"
  berth rm -f eventful >/dev/null
}

test_ps_filter_by_health() {
  run_checked f-healthy --health-cmd true --health-interval 100ms >/dev/null
  run_checked f-unhealthy --health-cmd false --health-interval 100ms --health-retries 1 >/dev/null
  run_checked f-starting --health-cmd true --health-interval 30s >/dev/null
  run_checked f-none >/dev/null
  wait_health 10 f-healthy healthy
  wait_health 10 f-unhealthy unhealthy
  local status
  for status in healthy unhealthy starting none; do
    assert_eq "$(berth ps --filter "health=$status" --filter name=f- --format '{{.Names}}')" "f-$status" "health=$status"
  done
  local out rc=0
  out=$(berth ps --filter health=bogus 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit status of a bad filter"
  assert_contains "$out" "invalid filter 'health=bogus'"
  berth rm -f f-healthy f-unhealthy f-starting f-none >/dev/null
}

test_flag_errors_exit_125() {
  local out rc
  expect_125() { # MESSAGE ARGS...
    local message=$1
    shift
    rc=0
    out=$(berth run --network none "$@" busybox true 2>&1) || rc=$?
    assert_eq "$rc" "125" "exit status of $*"
    assert_contains "$out" "$message"
  }
  expect_125 "--no-healthcheck conflicts with --health-* options" --no-healthcheck --health-cmd true
  expect_125 "--health-interval cannot be negative" --health-interval -1s
  expect_125 "--health-retries cannot be negative" --health-retries -2
  expect_125 'invalid argument "soon" for "--health-timeout" flag: time: invalid duration "soon"' \
    --health-timeout soon
  expect_125 "Interval in Healthcheck cannot be less than 1ms" --health-interval 500us
  expect_125 "StartPeriod in Healthcheck cannot be less than 1ms" --health-start-period 10ns
  # Positive control: 1ms is the minimum docker takes.
  berth create --name edge --health-cmd true --health-interval 1ms --health-timeout 1ms busybox true >/dev/null ||
    fail "1ms refused"
  berth rm edge >/dev/null
}

test_restart_starts_over_and_unhealthy_is_not_restarted() {
  # The check passes once /run/ok exists; /run is a tmpfs, empty at each start.
  run_checked again --tmpfs /run --health-cmd 'test -e /run/ok' --health-interval 100ms \
    --health-retries 1000 >/dev/null
  berth exec again touch /run/ok
  wait_health 5 again healthy
  berth stop -t 1 again >/dev/null
  assert_eq "$(health_of again)" "unhealthy" "stopped (docker's rule)"
  berth start again >/dev/null
  assert_eq "$(health_of again)" "starting" "after restart"
  sleep 0.5
  assert_eq "$(health_of again)" "starting" "failures below retries"
  berth exec again touch /run/ok
  wait_health 5 again healthy
  # Paused: no checks, unhealthy as docker says; checked again on unpause.
  berth pause again >/dev/null
  assert_eq "$(health_of again)" "unhealthy" "paused"
  assert_contains "$(berth ps --filter name=again --format '{{.Status}}')" "(Paused)"
  berth unpause again >/dev/null
  wait_health 5 again healthy
  berth rm -f again >/dev/null

  # Unhealthy is not a reason to restart: still running, same process.
  run_checked policy --restart always --health-cmd false --health-interval 100ms --health-retries 1 >/dev/null
  local pid
  pid=$(berth inspect -f '{{.State.Pid}}' policy)
  wait_health 5 policy unhealthy
  sleep 1
  assert_eq "$(berth inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.Pid}}' policy)" \
    "running 0 $pid" "unhealthy with --restart always"
  # The policy itself works: the container's own exit restarts it.
  kill -9 "$pid"
  wait_for 10 sh -c "[ \"\$($BIN/berth -H $MAIN_SOCK inspect -f '{{.RestartCount}}' policy)\" = 1 ]" ||
    fail "not restarted after its exit"
  berth rm -f policy >/dev/null
}

test_health_survives_a_tasks_service_restart() {
  run_checked steady --health-cmd 'echo ok' --health-interval 200ms >/dev/null
  wait_health 10 steady healthy
  kill -9 "$(service_pid "$MAIN_PID" tasks)"
  local killed
  killed=$(date -u +%Y-%m-%dT%H:%M:%S)
  wait_for 20 sh -c "$BIN/berth -H $MAIN_SOCK ps >/dev/null 2>&1" || fail "tasks service did not come back"
  # The recorded state, then probes going on after the restart.
  assert_eq "$(health_of steady)" "healthy" "after the restart"
  sleep 1
  local last
  last=$(berth inspect -f '{{(index .State.Health.Log 4).Start}}' steady)
  [[ $last > $killed ]] || fail "no probe since the restart (last $last, killed $killed)"
  assert_eq "$(health_of steady)" "healthy" "after new probes"
  berth rm -f steady >/dev/null
}

run_tests "$@"
