#!/usr/bin/env bash
# Interactive containers for real: berth exec (namespaces, cgroup,
# capabilities, seccomp, user, environment, exit codes), pseudo-terminals
# driven through a real pty (raw mode, window size and its changes, detach
# keys), attach, and stdin closed at EOF.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

setup_suite() {
  start_berthd MAIN
  import_busybox busybox "$MAIN_SOCK"
  write_pty_driver
}

teardown_suite() {
  remove_main_containers
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# pty_run ROWS COLS SCRIPT BERTH-ARGS...: runs berth on a new pseudo-
# terminal of that size and plays SCRIPT, one step a line:
#   expect REGEX     wait (15 s) for output matching REGEX (after the last match)
#   send TEXT        type TEXT (Python escapes: \r, \x10)
#   resize R C       change the terminal's size (the kernel signals SIGWINCH)
#   poll REGEX       like expect, but send the last TEXT again every second
#                    until it matches (a resize reaches the container
#                    after the client's SIGWINCH, not before the next key)
#   raw              wait (15 s) until berth has put the terminal in raw mode
#   signal NAME      send a signal to the terminal's process group
# then reads until berth exits. Prints what the terminal showed and, last,
# EXIT=<code>; exits 2 when an expect times out.
write_pty_driver() {
  cat >"$TMP/pty_drive.py" <<'PY'
import codecs, fcntl, os, pty, re, select, signal, struct, sys, termios, time
rows, cols, script = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
argv = sys.argv[4:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.execv(argv[0], argv)
out = b""
cursor = 0
last_sent = b""
def pump(timeout):
    global out
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return True
    try:
        data = os.read(fd, 65536)
    except OSError:
        return False
    if not data:
        return False
    out += data
    return True
def finish(code):
    sys.stdout.write(out.decode("utf-8", "replace"))
    sys.stdout.write("\nEXIT=%s\n" % code)
    sys.exit(2 if code == "timeout" else 0)
for line in script.splitlines():
    line = line.strip()
    if not line:
        continue
    verb, _, arg = line.partition(" ")
    if verb in ("expect", "poll"):
        pattern = re.compile(arg.encode())
        deadline = time.time() + 15
        resend = time.time() + 1
        while True:
            match = pattern.search(out, cursor)
            if match:
                cursor = match.end()
                break
            if time.time() > deadline or not pump(0.1):
                if not pattern.search(out, cursor):
                    sys.stderr.write("%s %r timed out\n" % (verb, arg))
                    finish("timeout")
            if verb == "poll" and time.time() > resend:
                os.write(fd, last_sent)
                resend = time.time() + 1
    elif verb == "send":
        last_sent = codecs.decode(arg, "unicode_escape").encode("latin-1")
        os.write(fd, last_sent)
    elif verb == "raw":
        deadline = time.time() + 15
        while termios.tcgetattr(fd)[3] & termios.ICANON:
            if time.time() > deadline:
                sys.stderr.write("the terminal stayed in canonical mode\n")
                finish("timeout")
            pump(0.05)
    elif verb == "signal":
        os.killpg(pid, getattr(signal, "SIG" + arg))
    elif verb == "resize":
        r, c = (int(x) for x in arg.split())
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", r, c, 0, 0))
deadline = time.time() + 20
while time.time() < deadline and pump(0.1):
    pass
# The terminal closes a moment before its process can be waited for.
while True:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done != 0:
        finish(os.waitstatus_to_exitcode(status))
    if time.time() > deadline:
        finish("timeout")
    time.sleep(0.05)
PY
}

pty_run() { # rows cols script berth-args...
  local rows=$1 cols=$2 script=$3
  shift 3
  python3 "$TMP/pty_drive.py" "$rows" "$cols" "$script" "$BIN/berth" -H "$MAIN_SOCK" "$@"
}

running() { [[ $(berth inspect -f '{{.State.Running}}' "$1" 2>/dev/null) == true ]]; }

test_exec_exit_codes_as_docker() {
  local c out rc
  c=$(berth run -d busybox sleep 1000)
  berth exec "$c" true
  rc=0; berth exec "$c" sh -c 'exit 3' || rc=$?
  assert_eq "$rc" "3" "exit code of the command"
  rc=0; out=$(berth exec "$c" no-such-command 2>&1) || rc=$?
  assert_eq "$rc" "127" "command not found"
  assert_contains "$out" 'exec: "no-such-command": executable file not found in $PATH'
  rc=0; out=$(berth exec "$c" /etc 2>&1) || rc=$?
  assert_eq "$rc" "126" "not executable"
  assert_contains "$out" "permission denied"
  rc=0; out=$(berth exec "$c" 2>&1) || rc=$?
  assert_eq "$rc" "1" "no command"
  assert_contains "$out" '"berth exec" requires at least 2 arguments.'
  # Still running: a failed exec does not touch the container.
  running "$c" || fail "container stopped"
}

test_exec_events_as_docker() {
  local c since events
  c=$(berth run -d busybox sleep 1000)
  since=$(date +%s)
  berth exec "$c" sh -c 'exit 4' || true
  berth exec -d "$c" true
  # exec_die of the detached one comes when it ends, with nobody waiting.
  wait_for 10 bash -c "'$BIN/berth' -H '$MAIN_SOCK' events --since $since --until \$((\$(date +%s) + 1)) --filter container=$c | grep -q 'exec_die.*exitCode=0'"
  events=$(berth events --since "$since" --until "$(($(date +%s) + 1))" --filter container="$c")
  assert_contains "$events" "container exec_create: sh -c exit 4 $c (execID="
  assert_contains "$events" "container exec_start: sh -c exit 4 $c (execID="
  assert_contains "$events" "exitCode=4"
  assert_contains "$events" "container exec_start: true $c"
}

test_exec_joins_the_containers_namespaces_and_cgroup() {
  local c out
  c=$(berth run -d --hostname inside busybox sleep 1000)
  out=$(berth exec "$c" sh -c 'hostname; cat /proc/1/cmdline | tr "\0" " "; echo
    for ns in mnt net pid ipc uts; do readlink /proc/1/ns/$ns; readlink /proc/self/ns/$ns; done')
  assert_eq "$(sed -n 1p <<<"$out")" "inside" "hostname"
  assert_eq "$(sed -n 2p <<<"$out")" "sleep 1000 " "PID 1 is the container's process"
  local i
  for i in 3 5 7 9 11; do
    assert_eq "$(sed -n "$((i + 1))p" <<<"$out")" "$(sed -n "${i}p" <<<"$out")" "namespace on line $i"
  done
  # The container's cgroup, seen from the host too.
  local pid cgroups
  out=$(berth exec "$c" sh -c 'cat /proc/self/cgroup; echo ---; cat /proc/1/cgroup')
  assert_eq "$(sed '/^---$/,$d' <<<"$out")" "$(sed '1,/^---$/d' <<<"$out")" "cgroups"
  berth exec -d "$c" sleep 4242
  wait_for 10 pgrep -f "^sleep 4242"
  pid=$(pgrep -f "^sleep 4242")
  cgroups=$(cat "/proc/$pid/cgroup")
  assert_contains "$cgroups" "/berth/$c" "host view of the exec's cgroup"
}

test_exec_capabilities_seccomp_and_privileged() {
  local c out run_caps
  c=$(berth run -d --security-opt no-new-privileges busybox sleep 1000)
  run_caps=$(berth run --rm busybox grep CapEff /proc/self/status)
  out=$(berth exec "$c" grep -E 'CapEff|Seccomp:|NoNewPrivs' /proc/self/status)
  assert_contains "$out" "$run_caps" "capabilities as the container's"
  assert_contains "$out" $'Seccomp:\t2' "seccomp filter"
  assert_contains "$out" $'NoNewPrivs:\t1' "no_new_privs"
  out=$(berth exec --privileged "$c" grep -E 'CapEff|Seccomp:' /proc/self/status)
  assert_not_contains "$out" "$run_caps" "privileged capabilities"
  assert_contains "$out" $'Seccomp:\t0' "privileged: no seccomp"
  # A non-root user has no effective capabilities.
  out=$(berth exec -u 1000 "$c" grep CapEff /proc/self/status)
  assert_contains "$out" $'CapEff:\t0000000000000000'
}

test_exec_environment_workdir_and_user() {
  local c out
  c=$(berth run -d -e FROM_RUN=run -e SHARED=run -w /tmp busybox sleep 1000)
  out=$(berth exec -e FROM_EXEC=exec -e SHARED=exec "$c" sh -c 'echo $FROM_RUN $FROM_EXEC $SHARED $HOSTNAME $HOME; pwd')
  assert_eq "$(sed -n 1p <<<"$out")" "run exec exec ${c:0:12} /root" "environment"
  assert_eq "$(sed -n 2p <<<"$out")" "/tmp" "the container's working directory"
  echo "FROM_FILE=file" >"$TMP/exec.env"
  assert_eq "$(berth exec --env-file "$TMP/exec.env" "$c" sh -c 'echo $FROM_FILE')" "file" "--env-file"
  assert_eq "$(berth exec -w /etc "$c" pwd)" "/etc" "-w"
  assert_eq "$(berth exec -u nobody "$c" sh -c 'id -u; id -g')" $'65534\n65534' "-u name"
  assert_eq "$(berth exec -u 1000:1000 "$c" sh -c 'id -u; id -g; echo $HOME')" $'1000\n1000\n/' "-u uid:gid"
  local rc=0
  out=$(berth exec -u nosuchuser "$c" true 2>&1) || rc=$?
  [[ $rc != 0 ]] || fail "unknown user accepted"
  assert_contains "$out" "nosuchuser"
}

test_exec_into_stopped_or_paused_container_fails_as_docker() {
  local c out rc
  c=$(berth create --name exec-stopped busybox sleep 1000)
  rc=0; out=$(berth exec exec-stopped true 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code (created)"
  assert_eq "$out" "Error response from daemon: container $c is not running"
  berth start "$c" >/dev/null
  berth pause exec-stopped >/dev/null
  rc=0; out=$(berth exec exec-stopped true 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code (paused)"
  assert_eq "$out" "Error response from daemon: Container exec-stopped is paused, unpause the container before exec"
  berth unpause exec-stopped >/dev/null
  berth exec exec-stopped true
  berth stop -t 0 exec-stopped >/dev/null
  rc=0; out=$(berth exec exec-stopped true 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code (exited)"
  assert_eq "$out" "Error response from daemon: container $c is not running"
  rc=0; out=$(berth exec no-such-container true 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code (missing)"
  assert_contains "$out" "Error response from daemon: No such container: no-such-container"
}

test_exec_detached_output_not_in_log_and_killed_with_the_container() {
  local c out
  c=$(berth run -d busybox sh -c 'echo from-main; exec sleep 1000')
  out=$(berth exec -d "$c" sh -c 'echo from-detached; echo done >/tmp/marker; exec sleep 4343')
  assert_eq "$out" "" "exec -d prints nothing"
  wait_for 10 berth exec "$c" cat /tmp/marker
  assert_eq "$(berth exec "$c" sh -c 'echo from-exec; echo err-exec >&2' 2>&1)" $'from-exec\nerr-exec'
  local logs
  logs=$(berth logs "$c" 2>&1)
  assert_contains "$logs" "from-main"
  assert_not_contains "$logs" "from-exec" "logs"
  assert_not_contains "$logs" "from-detached" "logs"
  pgrep -f "^sleep 4343" >/dev/null || fail "detached exec is not running"
  berth stop -t 1 "$c" >/dev/null
  wait_for 10 bash -c '! pgrep -f "^sleep 4343"' || fail "exec outlived its container"
}

test_stdin_closed_at_eof() {
  local out rc=0
  out=$(echo hi | berth run -i --rm busybox cat) || rc=$?
  assert_eq "$rc" "0" "run -i exit code"
  assert_eq "$out" "hi" "run -i"
  out=$(printf 'a\nb\n' | berth run -i --rm busybox wc -l)
  assert_eq "$(tr -d ' ' <<<"$out")" "2" "all of stdin, then EOF"
  local c
  c=$(berth run -d busybox sleep 1000)
  assert_eq "$(echo via-exec | berth exec -i "$c" cat)" "via-exec" "exec -i"
  # start -a -i of a container created with -i.
  c=$(berth create -i busybox cat)
  assert_eq "$(echo via-start | berth start -a -i "$c")" "via-start" "start -a -i"
}

# As dockerd: the end of an attached client's stdin closes the container's
# only when it was created for that client (StdinOnce: run -i, create -i);
# a -di container keeps its stdin for the next attach.
test_stdin_end_closes_only_a_stdin_once_container() {
  local kept once out rc=0
  kept=$(berth run -d -i busybox cat)
  out=$(echo first | timeout 3 "$BIN/berth" -H "$MAIN_SOCK" attach --sig-proxy=false "$kept") || rc=$?
  assert_eq "$out" "first" "attach's stdin reached the -di container"
  assert_eq "$rc" "124" "the attach stays until its client leaves"
  running "$kept" || fail "an attach's stdin end closed a -di container's stdin"
  rc=0
  out=$(echo second | timeout 3 "$BIN/berth" -H "$MAIN_SOCK" attach --sig-proxy=false "$kept") || rc=$?
  assert_eq "$out" "second" "the next attach still writes to the same stdin"
  # Positive control: a StdinOnce container's stdin ends with its client's.
  once=$(berth create -i busybox cat)
  rc=0
  out=$(echo only | timeout 10 "$BIN/berth" -H "$MAIN_SOCK" start -a -i "$once") || rc=$?
  assert_eq "$rc" "0" "start -a -i of a create -i container ends at stdin's end"
  assert_eq "$out" "only" "start -a -i"
  berth rm -f "$kept" >/dev/null
}

test_attach_follows_the_live_output() {
  local c out
  c=$(berth run -d --name attach-me busybox sh -c 'while true; do echo tick; sleep 0.2; done')
  out=$(timeout 3 "$BIN/berth" -H "$MAIN_SOCK" attach --sig-proxy=false attach-me) || true
  assert_contains "$out" "tick"
  running attach-me || fail "attach ended the container"
  berth stop -t 0 attach-me >/dev/null
  local rc=0
  out=$(berth attach attach-me 2>&1) || rc=$?
  assert_eq "$rc" "1" "attach to a stopped container"
  assert_contains "$out" "You cannot attach to a stopped container, start it first"
}

test_run_tty_window_size_and_resize() {
  local out
  out=$(pty_run 30 100 '
expect / # 
send tty; stty size\r
expect /dev/pts/0
expect 30 100
resize 40 120
send stty size\r
poll 40 120
send exit 3\r
' run -it --name tty-run busybox sh)
  assert_contains "$out" "EXIT=3" "exit code through the terminal"
  # The terminal's output is the log's stdout, as docker's.
  local log
  log=$(cat "$(berth inspect -f '{{.LogPath}}' tty-run)")
  assert_contains "$log" '"stream":"stdout"'
  assert_contains "$log" "/dev/pts/0"
  assert_not_contains "$log" '"stream":"stderr"' "log"
}

test_detach_keys_leave_the_container_running() {
  local out
  out=$(pty_run 24 80 '
expect / # 
send echo one\r
expect one
send \x10\x11
' run -it --name tty-detach busybox sh)
  assert_contains "$out" "EXIT=0" "detach exit code"
  running tty-detach || fail "detaching stopped the container"
  # Attach again, then detach with other keys.
  # The attaching terminal's size becomes the container's.
  out=$(pty_run 20 70 '
raw
send echo two; stty size\r
expect two
expect 20 70
send \x01
' attach --detach-keys ctrl-a tty-detach)
  assert_contains "$out" "EXIT=0" "second detach"
  running tty-detach || fail "second detach stopped the container"
  # A ctrl-p that is not followed by ctrl-q is typed as it is.
  berth run -d -it --name tty-od busybox od -c >/dev/null
  out=$(pty_run 24 80 '
raw
send \x10y\r\x04
expect 020 +y
' attach tty-od)
  assert_contains "$out" "EXIT=0" "od's exit through attach"
}

test_terminal_restored_when_berth_is_terminated() {
  # sh ignores SIGTERM (and so would berth, but it catches it): berth ends
  # by it, and stty then shows the terminal back in canonical mode.
  local out
  out=$(python3 "$TMP/pty_drive.py" 24 80 '
expect / # 
signal TERM
expect [^-]icanon
' /bin/sh -c "trap '' TERM; '$BIN/berth' -H '$MAIN_SOCK' run -it --name tty-term busybox sh; echo berth=\$?; stty -a")
  assert_contains "$out" "berth=143" "berth's exit by SIGTERM"
  assert_contains "$out" "EXIT=0"
  assert_contains "$out" " echo " "echo restored"
}

test_exec_tty() {
  local c out
  c=$(berth run -d --name tty-exec busybox sleep 1000)
  out=$(pty_run 25 90 '
expect / # 
send tty; stty size; echo $TERM\r
expect /dev/pts/[0-9]+
expect 25 90
expect xterm
resize 50 160
send stty size\r
poll 50 160
send exit 5\r
' exec -it tty-exec sh)
  assert_contains "$out" "EXIT=5" "exec -it exit code"
  # Detach from an exec: it keeps running.
  out=$(pty_run 25 90 '
expect / # 
send \x10\x11
' exec -it tty-exec sh)
  assert_contains "$out" "EXIT=0" "exec detach"
  local rc=0
  out=$(berth exec -it tty-exec true </dev/null 2>&1) || rc=$?
  assert_eq "$rc" "1" "-it without a terminal"
  assert_contains "$out" "the input device is not a TTY"
}

run_tests "$@"
