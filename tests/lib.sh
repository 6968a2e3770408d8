#!/usr/bin/env bash
# Shared helpers for berth's end-to-end tests (Bazel sh_test, run as root on
# the real kernel). A test file defines test_* functions and ends with
# `run_tests "$@"`; each function is one test case, reported to Bazel as
# JUnit XML ($XML_OUTPUT_FILE) so that CI counts cases, not files.

set -uo pipefail
# Bazel runs tests with a short PATH; iptables-save and friends live in sbin.
export PATH=$PATH:/usr/sbin:/sbin

TMP=${TEST_TMPDIR:-$(mktemp -d)}
RUNFILES=${TEST_SRCDIR:-$PWD/..}/berth
BIN=$TMP/bin
# Processes and directories to clean up, kept in files: test cases run in
# subshells, whose variables do not reach the cleanup at exit.
PIDS_FILE=$TMP/pids-to-kill
DIRS_FILE=$TMP/dirs-to-remove

track_pid() { echo "$1" >>"$PIDS_FILE"; }
track_dir() { echo "$1" >>"$DIRS_FILE"; }

# Binaries land in one directory, as deploy/install puts them, so that
# berthd finds its services next to itself.
install_binaries() {
  mkdir -p "$BIN"
  local target
  for target in services/berthd/berthd services/images/berth-images \
    services/snapshots/berth-snapshots services/tasks/berth-tasks \
    services/network/berth-network services/docker/berth-dockerapi services/cri/berth-cri \
    services/builder/berth-builder \
    shim/berth-shim shim/init/berth-init shim/pause/berth-pause \
    shim/systemd/berth-systemd-scope cli/berth \
    tests/tools/grpc_call; do
    cp -f "$RUNFILES/$target" "$BIN/"
  done
}

fail() {
  echo "FAIL: $*" >&2
  return 1
}

# skip REASON: ends the current test case as skipped (reported to JUnit as
# <skipped/>, counted apart from passes). For what this host cannot do, never
# for a failure.
SKIP_STATUS=77
skip() {
  echo "SKIP: $*" >&2
  exit "$SKIP_STATUS"
}

# assert_contains HAYSTACK NEEDLE [WHAT]
assert_contains() {
  if [[ $1 != *"$2"* ]]; then
    fail "${3:-output} does not contain '$2'; got:"$'\n'"$1"
    return 1
  fi
}

assert_not_contains() {
  if [[ $1 == *"$2"* ]]; then
    fail "${3:-output} unexpectedly contains '$2'; got:"$'\n'"$1"
    return 1
  fi
}

assert_eq() {
  if [[ $1 != "$2" ]]; then
    fail "${3:-value}: expected '$2', got '$1'"
    return 1
  fi
}

# Waits until a command succeeds: wait_for SECONDS CMD...
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

free_port() {
  # Below the kernel's ephemeral range, so that no outgoing connection (or
  # its TIME_WAIT) holds the port a daemon is about to listen on; and not
  # used by any TCP socket in any state.
  local port low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)
  while true; do
    port=$((10000 + RANDOM % (low - 10000)))
    if ! ss -Htan "sport = :$port" | grep -q .; then
      echo "$port"
      return
    fi
  done
}

# start_berthd NAME [berthd flags...]: a berthd with its own roots, socket
# and metrics port; sets NAME_SOCK, NAME_EXEC, NAME_DATA, NAME_PID,
# NAME_METRICS, NAME_LOG. The exec root lives under /run with a short name:
# unix socket paths must fit in 108 bytes, Bazel's temp dirs do not.
start_berthd() {
  local name=$1
  shift
  local exec_root data_root port
  exec_root=$(mktemp -d /run/berth-test.XXXXXX)
  data_root=$TMP/data-$name
  port=$(free_port)
  track_dir "$exec_root"
  "$BIN/berthd" --data-root "$data_root" --exec-root "$exec_root" \
    --config-file "${BERTHD_CONFIG:-$TMP/none.json}" --metrics-addr "127.0.0.1:$port" "$@" \
    >"$TMP/berthd-$name.log" 2>&1 &
  local pid=$!
  track_pid "$pid"
  printf -v "${name}_SOCK" '%s' "unix://$exec_root/berth.sock"
  printf -v "${name}_EXEC" '%s' "$exec_root"
  printf -v "${name}_DATA" '%s' "$data_root"
  printf -v "${name}_PID" '%s' "$pid"
  printf -v "${name}_METRICS" '%s' "127.0.0.1:$port"
  printf -v "${name}_LOG" '%s' "$TMP/berthd-$name.log"
  if ! wait_for 30 grep -q "berthd is ready" "$TMP/berthd-$name.log"; then
    echo "berthd $name did not start:" >&2
    cat "$TMP/berthd-$name.log" >&2
    return 1
  fi
}

# Removes every container of the suite's MAIN berthd (a suite's teardown):
# shims outlive berthd, so they must not be left running.
remove_main_containers() {
  local ids
  ids=$("$BIN/berth" -H "$MAIN_SOCK" ps -aq 2>/dev/null) || return 0
  [[ -z $ids ]] || "$BIN/berth" -H "$MAIN_SOCK" rm -f $ids >/dev/null 2>&1
}

# The pid of a berth service process under a given berthd.
service_pid() { # berthd_pid service
  pgrep -P "$1" -f "berth-$2" | head -1
}

cleanup() {
  local pid dir
  if declare -F teardown_suite >/dev/null; then teardown_suite || true; fi
  [[ -f $PIDS_FILE ]] || touch "$PIDS_FILE"
  for pid in $(cat "$PIDS_FILE"); do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in $(cat "$PIDS_FILE"); do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null
  done
  # Each test berthd has a bridge of its own (br-<network id>); remove them.
  local db bridge
  for db in "$TMP"/data-*/network/meta.db; do
    [[ -f $db ]] || continue
    for bridge in $(sqlite3 "$db" "SELECT id FROM networks" 2>/dev/null); do
      ip link del "br-${bridge:0:12}" 2>/dev/null || true
    done
  done
  [[ -f $DIRS_FILE ]] || return 0
  for dir in $(cat "$DIRS_FILE"); do
    # Shims outlive berthd by design: stop any a failed test left behind.
    pkill -KILL -f "berth-shim --bundle $dir/" 2>/dev/null || true
    # Network namespaces a failed test left bound there.
    local mount
    for mount in $(awk -v prefix="$dir/netns/" 'index($2, prefix) == 1 {print $2}' /proc/mounts); do
      umount "$mount" 2>/dev/null || true
    done
    rm -rf "$dir"
  done
}

xml_escape() {
  local s=$1
  s=${s//&/&amp;}
  s=${s//</&lt;}
  s=${s//>/&gt;}
  s=${s//\"/&quot;}
  printf '%s' "$s"
}

# run_tests [FILTER]: runs setup_suite (if the file defines one) in this
# shell, then every test_* function (or those matching FILTER), each in a
# subshell with errexit.
run_tests() {
  trap cleanup EXIT
  install_binaries
  # The tests mean the cgroupfs driver (cgroup paths under berth/<id>),
  # also where systemd is init and berthd would choose its driver;
  # tests/systemd_cgroup_test.sh tests that one.
  echo '{"cgroup-driver": "cgroupfs"}' >"$TMP/none.json"
  if declare -F setup_suite >/dev/null; then
    setup_suite || { echo "setup_suite failed"; echo "0 passed, 1 failed"; exit 1; }
  fi
  local suite=${TEST_TARGET:-$(basename "$0")}
  local names passed=0 failed=0 skipped=0 cases="" name start output rc elapsed
  names=$(declare -F | awk '{print $3}' | grep '^test_' | grep -- "${1:-}")
  if [[ -z $names ]]; then
    # A filter that matches nothing must not look like a green suite.
    echo "no test case matches '${1:-}'"
    echo "0 passed, 1 failed"
    exit 1
  fi
  for name in $names; do
    start=$(date +%s%N)
    output=$( (set -e; "$name") 2>&1)
    rc=$?
    elapsed=$((($(date +%s%N) - start) / 1000000))
    elapsed=$((elapsed / 1000)).$(printf '%03d' $((elapsed % 1000)))
    if ((rc == 0)); then
      passed=$((passed + 1))
      echo "PASS $name (${elapsed}s)"
      cases+="<testcase classname=\"$(xml_escape "$suite")\" name=\"$name\" time=\"$elapsed\"/>"
    elif ((rc == SKIP_STATUS)) && grep -q '^SKIP: ' <<<"$output"; then
      skipped=$((skipped + 1))
      echo "SKIP $name (${elapsed}s)"
      echo "$output" | sed 's/^/    /'
      cases+="<testcase classname=\"$(xml_escape "$suite")\" name=\"$name\" time=\"$elapsed\"><skipped message=\"$(xml_escape "$(grep '^SKIP: ' <<<"$output" | tail -1)")\"/></testcase>"
    else
      failed=$((failed + 1))
      echo "FAIL $name (${elapsed}s)"
      echo "$output" | sed 's/^/    /'
      cases+="<testcase classname=\"$(xml_escape "$suite")\" name=\"$name\" time=\"$elapsed\"><failure message=\"failed\">$(xml_escape "$output")</failure></testcase>"
    fi
  done
  if [[ -n ${XML_OUTPUT_FILE:-} ]]; then
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="%d" failures="%d" skipped="%d"><testsuite name="%s" tests="%d" failures="%d" skipped="%d">%s</testsuite></testsuites>\n' \
      $((passed + failed + skipped)) "$failed" "$skipped" "$(xml_escape "$suite")" \
      $((passed + failed + skipped)) "$failed" "$skipped" "$cases" >"$XML_OUTPUT_FILE"
  fi
  echo "$passed passed, $failed failed, $skipped skipped"
  ((failed == 0))
}
