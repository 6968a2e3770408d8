#!/usr/bin/env bash
# The docker CLI commands of the Docker Engine API issue's list, typed as a
# user types them against berth's docker.sock: cp, commit, export/import,
# save/load, push/pull, stats, events, system df/prune, login, run -it with
# a real pty, attach, logs -f, exec -it, the run flags (checked in the
# container and its cgroup), inspect templates, restart, a python3-docker
# script, docker-compose, and that berth's CLI sees the same objects.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"
source "$(dirname "$0")/docker_lib.sh"


setup_suite() {
  start_registry
  PLAIN_REGISTRY=$REGISTRY
  htpasswd -Bbn alice s3cret >"$TMP/htpasswd"
  start_registry "auth:
  htpasswd:
    realm: berth-test
    path: $TMP/htpasswd" "-u alice:s3cret"
  AUTH_REGISTRY=$REGISTRY
  REGISTRY=$PLAIN_REGISTRY
  start_berthd MAIN --insecure-registry "$PLAIN_REGISTRY" --insecure-registry "$AUTH_REGISTRY"
  import_busybox busybox "$MAIN_SOCK"
  use_docker_socket
}

teardown_suite() {
  remove_main_containers
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

sdk_python() {
  [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import docker' 2>/dev/null ||
    skip "python3-docker is not installed"
  DOCKER_HOST=unix://$DOCKER_SOCK SETUPTOOLS_USE_DISTUTILS=stdlib /usr/bin/python3 "$@"
}

# pty_drive SCRIPT CMD...: runs CMD on a pty of 30x100 and feeds it the
# steps of SCRIPT, one a line: "send TEXT" (\r, \x10 escapes), "expect
# TEXT" (waits up to 10 s), "resize ROWS COLS" (sets the size, SIGWINCH to
# the client), "poll TEXT" (expect, sending the last TEXT again every second:
# the client's resize may reach the container after the next keys). Prints
# the client's output, then "exit=N".
pty_drive() {
  local steps=$1
  shift
  DOCKER_HOST=unix://$DOCKER_SOCK DOCKER_CONFIG=$TMP/docker-config STEPS=$steps \
    /usr/bin/python3 - "$@" <<'EOF'
import fcntl, os, pty, select, signal, struct, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
def setsize(rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
setsize(30, 100)
out = b""
def read_for(seconds, until=None):
    global out
    deadline = time.time() + seconds
    while time.time() < deadline:
        if until is not None and until in out:
            return True
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return until is None
            if not data:
                return until is None
            out += data
    return until is None or until in out
for line in os.environ["STEPS"].splitlines():
    line = line.strip()
    if not line:
        continue
    verb, _, arg = line.partition(" ")
    if verb == "send":
        last_sent = arg.encode().decode("unicode_escape").encode("latin-1")
        os.write(fd, last_sent)
    elif verb == "poll":
        found = False
        for _ in range(10):
            if read_for(1, arg.encode()):
                found = True
                break
            os.write(fd, last_sent)
        if not found:
            sys.stdout.write(out.decode(errors="replace"))
            print("\nTIMEOUT waiting for " + arg)
            os.kill(pid, signal.SIGKILL)
            sys.exit(1)
    elif verb == "expect":
        if not read_for(10, arg.encode()):
            sys.stdout.write(out.decode(errors="replace"))
            print("\nTIMEOUT waiting for " + arg)
            os.kill(pid, signal.SIGKILL)
            sys.exit(1)
    elif verb == "resize":
        rows, cols = arg.split()
        setsize(int(rows), int(cols))
        os.kill(pid, signal.SIGWINCH)
read_for(15)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
print("\nexit=%d" % (os.waitstatus_to_exitcode(status)))
EOF
}

test_cp_both_ways_and_path_traversal() {
  local out
  docker run -d --name cpc busybox sleep 1000 >/dev/null || fail "run"
  echo copied-in >"$TMP/cpin.txt"
  docker cp "$TMP/cpin.txt" cpc:/tmp/ || fail "docker cp into the container"
  assert_eq "$(docker exec cpc cat /tmp/cpin.txt)" "copied-in" "cp in"
  mkdir -p "$TMP/cpout"
  docker cp cpc:/etc/passwd "$TMP/cpout/" || fail "docker cp out of the container"
  assert_contains "$(cat "$TMP/cpout/passwd")" "root:x:0:0"
  docker cp cpc:/etc "$TMP/cpout/etc" || fail "docker cp of a directory"
  [[ -f $TMP/cpout/etc/group ]] || fail "the directory's files came out"
  # Through ../ the path stays inside the container's root: reading out.
  docker exec cpc sh -c 'echo inside-root >/marker'
  docker cp cpc:/../../../../../../marker "$TMP/cpout/marker" || fail "cp out with ../"
  assert_eq "$(cat "$TMP/cpout/marker")" "inside-root" "../ resolved in the container's root"
  # And writing in: the file lands in the container, never on the host.
  local escape=berth-cp-escape-$$-$RANDOM
  echo evil >"$TMP/$escape"
  docker cp "$TMP/$escape" "cpc:/../../../../../../../tmp/" || fail "cp in with ../"
  [[ ! -e /tmp/$escape ]] || { rm -f "/tmp/$escape"; fail "docker cp wrote on the host"; }
  assert_eq "$(docker exec cpc cat "/tmp/$escape")" "evil" "the file is in the container's /tmp"
  # A symlink in the container pointing out of it is followed inside it.
  docker exec cpc ln -s ../../../../../../../tmp /up
  docker cp "$TMP/$escape" cpc:/up/ || fail "cp through a symlink"
  [[ ! -e /tmp/$escape ]] || { rm -f "/tmp/$escape"; fail "cp through a symlink wrote on the host"; }
  # A tarball whose member climbs out with ../ (what an API client sends).
  /usr/bin/python3 - "$TMP/evil.tar" "$escape" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name in ["ok-member", "../../../../../../../tmp/" + sys.argv[2]]:
        data = b"payload\n"
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
EOF
  curl -sS -o /dev/null --unix-socket "$DOCKER_SOCK" -X PUT -T "$TMP/evil.tar" \
    "http://docker/v1.45/containers/cpc/archive?path=/tmp"
  [[ ! -e /tmp/$escape ]] || { rm -f "/tmp/$escape"; fail "a ../ tar member escaped"; }
  out=$(api_status GET /v1.45/_ping)
  assert_eq "$out" 200 "still serving"
  docker rm -f cpc >/dev/null
}

api_status() { # METHOD PATH: the HTTP status only
  curl -sS -o /dev/null -w '%{http_code}' --unix-socket "$DOCKER_SOCK" -X "$1" "http://docker$2"
}

test_commit_export_import_save_load() {
  local out
  docker run -d --name cm busybox sleep 1000 >/dev/null || fail "run"
  docker exec cm sh -c 'echo committed >/made-here'
  out=$(docker commit --change 'ENV FOO=bar' --change 'CMD ["cat", "/made-here"]' cm dk/committed:1) ||
    fail "docker commit: $out"
  [[ $out =~ ^sha256:[0-9a-f]{64}$ ]] || fail "commit printed '$out'"
  assert_eq "$(docker run --rm dk/committed:1)" "committed" "the committed image's CMD and content"
  assert_contains "$(docker image inspect -f '{{.Config.Env}}' dk/committed:1)" "FOO=bar"
  # export | import: the filesystem alone.
  docker export cm | docker import - dk/imported:1 >/dev/null || fail "export | import"
  assert_eq "$(docker run --rm dk/imported:1 cat /made-here)" "committed" "imported content"
  docker export -o "$TMP/cm.tar" cm || fail "export -o"
  tar -tf "$TMP/cm.tar" | grep -x 'made-here' >/dev/null || fail "export -o has no made-here"
  docker rm -f cm >/dev/null
  # save | load, quiet and with progress.
  docker save -o "$TMP/saved.tar" dk/committed:1 || fail "docker save -o"
  tar -tf "$TMP/saved.tar" | grep -x manifest.json >/dev/null || fail "no manifest.json in the save"
  docker rmi dk/committed:1 >/dev/null || fail "rmi"
  out=$(docker load -i "$TMP/saved.tar") || fail "docker load: $out"
  assert_contains "$out" "Loaded image: dk/committed:1"
  docker rmi dk/committed:1 >/dev/null
  out=$(docker save dk/imported:1 | docker load -q) || fail "save | load -q: $out"
  assert_eq "$out" "Loaded image: dk/imported:1" "quiet load"
  out=$(docker load <"$TMP/saved.tar")
  assert_contains "$out" "Loaded image: dk/committed:1"
  assert_eq "$(docker run --rm dk/committed:1)" "committed" "the loaded image runs"
  # A load of something that is no image: an error, and nothing made.
  local rc=0
  echo "not a tarball" >"$TMP/junk.tar"
  out=$(docker load -i "$TMP/junk.tar" 2>&1) || rc=$?
  [[ $rc -ne 0 ]] || fail "load of junk succeeded: $out"
  docker rmi dk/committed:1 dk/imported:1 >/dev/null
}

test_push_to_a_local_registry_and_pull_back() {
  local out
  docker tag busybox "$PLAIN_REGISTRY/dk/pushed:1" || fail "tag"
  out=$(docker push "$PLAIN_REGISTRY/dk/pushed:1" 2>&1) || fail "docker push: $out"
  assert_contains "$out" "1: digest: sha256:"
  curl -sf "http://$PLAIN_REGISTRY/v2/dk/pushed/tags/list" | grep -q '"1"' ||
    fail "the registry has no dk/pushed:1"
  docker rmi "$PLAIN_REGISTRY/dk/pushed:1" >/dev/null
  out=$(docker pull "$PLAIN_REGISTRY/dk/pushed:1" 2>&1) || fail "pull back: $out"
  assert_contains "$out" "Downloaded newer image"
  assert_eq "$(docker run --rm "$PLAIN_REGISTRY/dk/pushed:1" echo back)" "back"
  docker rmi "$PLAIN_REGISTRY/dk/pushed:1" >/dev/null
}

test_login_with_basic_auth() {
  local out rc=0
  out=$(echo wrong | docker login -u alice --password-stdin "$AUTH_REGISTRY" 2>&1) || rc=$?
  assert_eq "$rc" 1 "login with a wrong password"
  assert_contains "$out" "unauthorized"
  out=$(echo s3cret | docker login -u alice --password-stdin "$AUTH_REGISTRY" 2>&1) ||
    fail "login: $out"
  assert_contains "$out" "Login Succeeded"
  # The stored credentials reach the registry on push and pull.
  docker tag busybox "$AUTH_REGISTRY/private/bb:1"
  out=$(docker push "$AUTH_REGISTRY/private/bb:1" 2>&1) || fail "push with credentials: $out"
  docker rmi "$AUTH_REGISTRY/private/bb:1" >/dev/null
  out=$(docker pull "$AUTH_REGISTRY/private/bb:1" 2>&1) || fail "pull with credentials: $out"
  docker rmi "$AUTH_REGISTRY/private/bb:1" >/dev/null
  docker logout "$AUTH_REGISTRY" >/dev/null
  rc=0
  out=$(docker pull "$AUTH_REGISTRY/private/bb:1" 2>&1) || rc=$?
  [[ $rc -ne 0 ]] || fail "an anonymous pull of a private image succeeded"
}

test_stats_numbers() {
  local out id
  id=$(docker run -d --name st --memory 64m busybox sh -c 'while :; do :; done') || fail "run"
  sleep 1
  out=$(docker stats --no-stream --format '{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.PIDs}}' st) ||
    fail "stats --no-stream"
  IFS='|' read -r name cpu mem pids <<<"$out"
  assert_eq "$name" "st"
  cpu=${cpu%\%}
  awk -v c="$cpu" 'BEGIN { exit !(c > 5 && c <= 200) }' || fail "a busy loop's CPU is $cpu%"
  assert_contains "$mem" "/ 64MiB" "the memory limit"
  [[ ${mem%% *} != 0B ]] || fail "no memory usage: $mem"
  [[ $pids -ge 1 ]] || fail "pids $pids"
  # Streamed: a line a second until the client is stopped.
  out=$(timeout -s KILL 3 "$DOCKER" -H "unix://$DOCKER_SOCK" stats --format '{{.Name}} {{.PIDs}}' st 2>&1 || true)
  [[ $(grep -c "st 1" <<<"$out") -ge 2 ]] || fail "streamed stats: $out"
  out=$(sdk_python - <<'EOF'
import docker
s = docker.from_env().containers.get("st").stats(stream=False)
print(s["cpu_stats"]["cpu_usage"]["total_usage"] > 0, s["precpu_stats"]["cpu_usage"]["total_usage"] > 0,
      s["memory_stats"]["limit"], s["pids_stats"]["current"] >= 1)
EOF
  )
  assert_eq "$out" "True True 67108864 True" "stats JSON"
  docker rm -f "$id" >/dev/null
}

test_events_since_until_and_filters() {
  local since until out
  since=$(date +%s)
  docker run --rm --name evc busybox true || fail "run"
  sleep 1
  until=$(($(date +%s) + 1))
  out=$(timeout 10 "$DOCKER" -H "unix://$DOCKER_SOCK" events --since "$since" --until "$until" \
    --filter type=container --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}' 2>&1) ||
    fail "events --since --until: $out"
  assert_contains "$out" "container create evc"
  assert_contains "$out" "container start evc"
  assert_contains "$out" "container die evc"
  assert_contains "$out" "container destroy evc"
  out=$(timeout 10 "$DOCKER" -H "unix://$DOCKER_SOCK" events --since "$since" --until "$until" \
    --filter event=die --filter container=evc --format '{{.Action}} {{.Actor.Attributes.exitCode}}' 2>&1) ||
    fail "events --filter event=die: $out"
  assert_eq "$out" "die 0" "event=die"
  # Live: a start made after the stream opened arrives.
  timeout 10 "$DOCKER" -H "unix://$DOCKER_SOCK" events --filter container=evlive \
    --format '{{.Action}}' >"$TMP/live-events" &
  local pid=$!
  sleep 0.5
  docker run --rm --name evlive busybox true
  wait_for 10 grep -q destroy "$TMP/live-events" || fail "no live events: $(cat "$TMP/live-events")"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}

test_system_df_and_prune() {
  local out id
  out=$(docker system df) || fail "system df"
  assert_contains "$out" "Images"
  assert_contains "$out" "Local Volumes"
  out=$(docker system df --format '{{.Type}} {{.TotalCount}}')
  assert_contains "$out" "Images "
  id=$(docker create --name pruned busybox true) || fail "create"
  docker run -d --name kept busybox sleep 1000 >/dev/null
  out=$(docker system prune -f) || fail "system prune -f"
  assert_contains "$out" "$id"
  assert_contains "$out" "Total reclaimed space"
  out=$(docker ps -a --format '{{.Names}}')
  assert_not_contains "$out" "pruned" "prune removed the stopped container"
  assert_contains "$out" "kept" "prune kept the running one"
  docker rm -f kept >/dev/null
}

test_run_it_resize_and_detach_keys() {
  [[ -x $DOCKER ]] || skip "no docker CLI"
  local out
  out=$(pty_drive $'expect #\nsend stty size\\r\nexpect 30 100\nresize 40 120\nsend stty size\\r\npoll 40 120\nsend \\x10\\x11' \
    "$DOCKER" run -it --name itc busybox sh) || fail "run -it: $out"
  assert_contains "$out" "exit=0" "run -it detached with ctrl-p ctrl-q"
  assert_eq "$(docker inspect -f '{{.State.Running}}' itc)" "true" "still running after the detach"
  # Custom detach keys on attach (docker's attach says so and exits 1),
  # then exit through the attach.
  out=$(pty_drive $'send echo attached-\\x24((6*7))\\r\nexpect attached-42\nsend \\x01d' \
    "$DOCKER" attach --detach-keys ctrl-a,d itc) || fail "attach: $out"
  assert_contains "$out" "read escape sequence"
  assert_contains "$out" "exit=1" "attach detached with ctrl-a,d"
  assert_eq "$(docker inspect -f '{{.State.Running}}' itc)" "true" "still running after attach's detach"
  # exec -it: a tty of the client's size.
  out=$(pty_drive $'expect #\nsend stty size; tty\\r\nexpect /dev/pts\nsend exit 5\\r' \
    "$DOCKER" exec -it itc sh) || fail "exec -it: $out"
  assert_contains "$out" "30 100"
  assert_contains "$out" "exit=5" "exec -it's exit code"
  out=$(pty_drive $'send exit 3\\r' "$DOCKER" attach itc) || fail "attach: $out"
  assert_contains "$out" "exit=3" "the shell's exit through attach"
  assert_eq "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' itc)" "exited 3"
  docker rm itc >/dev/null
}

test_logs_follow_and_restart() {
  local out started
  docker run -d --name lf busybox sh -c 'for i in 1 2 3; do echo line$i; sleep 0.5; done' >/dev/null
  out=$(timeout 20 "$DOCKER" -H "unix://$DOCKER_SOCK" logs -f lf) || fail "logs -f did not end at exit"
  assert_eq "$out" $'line1\nline2\nline3' "logs -f"
  docker run -d --name rs busybox sleep 1000 >/dev/null
  started=$(docker inspect -f '{{.State.StartedAt}}' rs)
  docker restart -t 1 rs >/dev/null || fail "restart"
  assert_eq "$(docker inspect -f '{{.State.Running}}' rs)" "true"
  [[ $(docker inspect -f '{{.State.StartedAt}}' rs) != "$started" ]] || fail "restart did not start again"
  docker rm -f lf rs >/dev/null
}

# cgroup_file PID CONTROLLER FILE: the file of PID's cgroup (v1 or v2).
cgroup_file() {
  local path
  path=$(awk -F: -v c="$2" '$2 ~ "(^|,)" c "(,|$)" {print $3}' "/proc/$1/cgroup")
  if [[ -n $path ]]; then
    cat "/sys/fs/cgroup/$2$path/$3"
  else
    path=$(awk -F: '$1 == "0" {print $3}' "/proc/$1/cgroup")
    cat "/sys/fs/cgroup$path/$4"
  fi
}

test_run_flags() {
  local out port pid
  port=$(free_port)
  mkdir -p "$TMP/www"
  echo served-from-bind >"$TMP/www/index.html"
  docker network create dkflags >/dev/null || fail "network create"
  docker run -d --name web -p "127.0.0.1:$port:80" -v "$TMP/www:/www" --network dkflags \
    --restart unless-stopped --memory 64m --cpus 0.5 -e A=b busybox httpd -f -p 80 -h /www >/dev/null ||
    fail "run -d with flags"
  wait_for 10 curl -sf "http://127.0.0.1:$port/index.html" || fail "the published port does not answer"
  assert_eq "$(curl -sf "http://127.0.0.1:$port/index.html")" "served-from-bind"
  assert_eq "$(docker port web 80)" "127.0.0.1:$port"
  pid=$(docker inspect -f '{{.State.Pid}}' web)
  out=$(cgroup_file "$pid" memory memory.limit_in_bytes memory.max)
  assert_eq "$out" 67108864 "--memory in the cgroup"
  out=$(cgroup_file "$pid" cpu cpu.cfs_quota_us cpu.max)
  [[ $out == 50000 || $out == "50000 100000" ]] || fail "--cpus 0.5 gave a quota of '$out'"
  # Inspect templates as users write them.
  out=$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}' web)
  assert_eq "$out" "unless-stopped 67108864 500000000"
  out=$(docker inspect -f '{{range $p, $b := .NetworkSettings.Ports}}{{$p}}={{(index $b 0).HostPort}}{{end}}' web)
  assert_eq "$out" "80/tcp=$port"
  out=$(docker inspect -f '{{.NetworkSettings.Networks.dkflags.IPAddress}}' web)
  [[ $out =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "no address on dkflags: '$out'"
  out=$(docker inspect -f '{{json .Config.Env}}' web)
  assert_contains "$out" '"A=b"'
  out=$(docker inspect -f '{{range .Mounts}}{{.Type}}:{{.Source}}:{{.Destination}}{{end}}' web)
  assert_eq "$out" "bind:$TMP/www:/www"
  # --name and --network: another container reaches it by name.
  out=$(docker run --rm --network dkflags busybox wget -qO- http://web/index.html)
  assert_eq "$out" "served-from-bind" "by name on the user network"
  # --user, -w, --entrypoint, --init, --mount, -e.
  out=$(docker run --rm --init --user 1000:1000 -w /tmp -e B=c --entrypoint sh \
    --mount "type=bind,source=$TMP/www,target=/m,readonly" --mount type=tmpfs,destination=/scratch \
    busybox -c 'id -u; pwd; echo $B; cat /m/index.html; cat /proc/1/comm; grep -c " /scratch tmpfs" /proc/mounts; touch /m/x 2>/dev/null || echo ro')
  assert_eq "$out" $'1000\n/tmp\nc\nserved-from-bind\nberth-init\n1\nro' "run flags in the container"
  out=$(docker run --rm busybox cat /proc/1/comm)
  assert_eq "$out" "cat" "without --init, the command is PID 1"
  # --restart: a failing command is started again.
  docker run -d --name rf --restart on-failure:2 busybox sh -c 'exit 1' >/dev/null
  restarted_twice() { [[ $(docker inspect -f '{{.RestartCount}}' rf) == 2 ]]; }
  wait_for 20 restarted_twice ||
    fail "restart count $(docker inspect -f '{{.RestartCount}}' rf)"
  docker rm -f web rf >/dev/null
  docker network rm dkflags >/dev/null
}

# --pid and --ipc through the Docker API, each beside its own-namespace
# control; docker's refusal of a bad mode.
test_run_pid_and_ipc_modes() {
  local out
  docker run -d --name nsdonor --ipc shareable busybox sleep 31341 >/dev/null || fail "run the donor"
  out=$(docker run --rm busybox ps -o args)
  assert_contains "$out" "ps -o args" "ps in its own PID namespace"
  assert_not_contains "$out" "sleep 31341" "own PID namespace"
  out=$(docker run --rm --pid container:nsdonor busybox ps -o args)
  assert_contains "$out" "sleep 31341" "--pid container:"
  out=$(docker run --rm --pid host busybox ps -o args)
  assert_contains "$out" "sleep 31341" "--pid host sees every container's process"
  docker exec nsdonor touch /dev/mqueue/docker-queue
  assert_contains "$(docker run --rm --ipc container:nsdonor busybox ls /dev/mqueue)" "docker-queue" "--ipc container:"
  out=$(docker run --rm busybox sh -c 'ls /dev/mqueue; echo listed')
  assert_contains "$out" "listed"
  assert_not_contains "$out" "docker-queue" "own IPC namespace"
  out=$(docker run --rm --ipc bogus busybox true 2>&1) && fail "--ipc bogus accepted"
  assert_contains "$out" "invalid IPC mode: bogus"
  docker rm -f nsdonor >/dev/null
}

test_python_sdk_streams_pull_volumes_networks() {
  berth tag busybox "$PLAIN_REGISTRY/dk/sdk:1" >/dev/null
  berth push "$PLAIN_REGISTRY/dk/sdk:1" >/dev/null || fail "push for the SDK pull"
  berth rmi "$PLAIN_REGISTRY/dk/sdk:1" >/dev/null
  local out
  out=$(REG=$PLAIN_REGISTRY sdk_python - <<'EOF'
import os, docker
client = docker.from_env()
img = client.images.pull(os.environ["REG"] + "/dk/sdk", tag="1")
print("pulled", os.environ["REG"] + "/dk/sdk:1" in img.tags)
c = client.containers.run("busybox", ["sh", "-c", "for i in 1 2 3; do echo s$i; sleep 0.2; done"], detach=True)
print("streamed", "".join(chunk.decode() for chunk in c.logs(stream=True, follow=True)).split())
print("wait", c.wait()["StatusCode"])
c.remove()
c = client.containers.run("busybox", ["sleep", "1000"], detach=True, name="sdk-exec")
code, out = c.exec_run(["sh", "-c", "echo $X; exit 4"], environment={"X": "exec-env"})
print("exec", code, out.decode().strip())
c.remove(force=True)
v = client.volumes.create("sdk-vol2", labels={"k": "v"})
print("volume", v.attrs["Labels"], [x.name for x in client.volumes.list(filters={"label": "k=v"})])
v.remove()
n = client.networks.create("sdk-net2", driver="bridge")
print("network", [x.name for x in client.networks.list(names=["sdk-net2"])])
n.remove()
print("gone", client.networks.list(names=["sdk-net2"]), client.volumes.list(filters={"name": "sdk-vol2"}))
EOF
  ) || fail "the SDK script failed: $out"
  assert_contains "$out" "pulled True"
  assert_contains "$out" "streamed ['s1', 's2', 's3']"
  assert_contains "$out" "wait 0"
  assert_contains "$out" "exec 4 exec-env"
  assert_contains "$out" "volume {'k': 'v'} ['sdk-vol2']"
  assert_contains "$out" "network ['sdk-net2']"
  assert_contains "$out" "gone [] []"
  berth rmi "$PLAIN_REGISTRY/dk/sdk:1" >/dev/null
}

test_compose_up_and_down() {
  command -v docker-compose >/dev/null || skip "docker-compose is not installed"
  local dir=$TMP/compose out
  mkdir -p "$dir"
  cat >"$dir/docker-compose.yml" <<'EOF'
version: "3"
services:
  web:
    image: busybox
    command: sh -c 'echo from-compose >/www/index.html; httpd -f -p 80 -h /www'
    volumes:
      - www:/www
    networks: [back]
  client:
    image: busybox
    command: sh -c 'until wget -qO- http://web/index.html; do sleep 0.2; done; sleep 1000'
    depends_on: [web]
    networks: [back]
volumes:
  www:
networks:
  back:
EOF
  (cd "$dir" && DOCKER_HOST=unix://$DOCKER_SOCK timeout 120 docker-compose -p dkc up -d) >"$TMP/compose.log" 2>&1 ||
    fail "compose up: $(cat "$TMP/compose.log")"
  wait_for 20 sh -c "DOCKER_HOST=unix://$DOCKER_SOCK $DOCKER logs dkc_client_1 2>&1 | grep -q from-compose" ||
    fail "the client never reached web: $(docker logs dkc_client_1 2>&1)"
  out=$(berth ps --format '{{.Names}}')
  assert_contains "$out" "dkc_web_1"
  assert_contains "$(docker volume ls --format '{{.Name}}')" "dkc_www"
  (cd "$dir" && DOCKER_HOST=unix://$DOCKER_SOCK timeout 120 docker-compose -p dkc down -v) >"$TMP/compose.log" 2>&1 ||
    fail "compose down: $(cat "$TMP/compose.log")"
  assert_not_contains "$(docker ps -a --format '{{.Names}}')" "dkc_"
  assert_not_contains "$(docker volume ls --format '{{.Name}}')" "dkc_www"
  assert_not_contains "$(docker network ls --format '{{.Name}}')" "dkc_back"
}

test_same_objects_through_both_clis() {
  docker run -d --name from-docker busybox sleep 1000 >/dev/null || fail "docker run"
  assert_contains "$(berth ps --format '{{.Names}}')" "from-docker"
  berth run -d --name from-berth busybox sleep 1000 >/dev/null || fail "berth run"
  assert_contains "$(docker ps --format '{{.Names}}')" "from-berth"
  assert_eq "$(docker exec from-berth echo via-docker)" "via-docker"
  berth rm -f from-docker >/dev/null
  docker rm -f from-berth >/dev/null
  local out
  out=$(docker ps -a --format '{{.Names}}'; berth ps -a --format '{{.Names}}')
  assert_not_contains "$out" "from-"
}

volume_names() { docker volume ls -q | sort; }

test_run_dash_v_path_is_an_anonymous_volume() {
  local out name before
  before=$(volume_names)
  docker run -d --name anon -v /data busybox sh -c 'echo kept >/data/f; sleep 1000' >/dev/null ||
    fail "run -v /data"
  out=$(docker inspect -f '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.RW}}{{end}}' anon)
  [[ $out =~ ^volume\ ([0-9a-f]{64})\ /data\ true$ ]] || fail "Mounts as dockerd's: $out"
  name=${BASH_REMATCH[1]}
  assert_eq "$(docker inspect -f '{{json .Config.Volumes}}' anon)" '{"/data":{}}' "Config.Volumes"
  wait_for 10 docker exec anon test -s /data/f || fail "the volume is not writable"
  # Plain rm keeps it (positive control for the -v case below).
  docker rm -f anon >/dev/null
  assert_contains "$(volume_names)" "$name" "rm without -v keeps the anonymous volume"
  docker volume rm "$name" >/dev/null || fail "volume rm"
  docker run -d --name anon2 -v /data busybox sleep 1000 >/dev/null || fail "run"
  name=$(docker inspect -f '{{range .Mounts}}{{.Name}}{{end}}' anon2)
  assert_contains "$(volume_names)" "$name"
  docker rm -fv anon2 >/dev/null
  assert_not_contains "$(volume_names)" "$name" "rm -v removes it"
  docker run --rm -v /data busybox true || fail "run --rm -v /data"
  assert_eq "$(volume_names)" "$before" "--rm removes it"
  # A bind at the same path wins, as in dockerd.
  mkdir -p "$TMP/bindwins" && echo from-bind >"$TMP/bindwins/f"
  out=$(curl -sS --unix-socket "$DOCKER_SOCK" -H 'Content-Type: application/json' \
    -d "{\"Image\":\"busybox\",\"Cmd\":[\"cat\",\"/data/f\"],\"Volumes\":{\"/data\":{}},\"HostConfig\":{\"Binds\":[\"$TMP/bindwins:/data\"]}}" \
    "http://docker/v1.41/containers/create?name=bindwins")
  assert_contains "$out" '"Id"'
  assert_eq "$(docker inspect -f '{{range .Mounts}}{{.Type}}{{end}}' bindwins)" "bind"
  docker rm bindwins >/dev/null
  # The SDK's volumes= is Config.Volumes too.
  out=$(sdk_python - <<'EOF'
import docker
api = docker.from_env().api
c = api.create_container("busybox", "true", volumes=["/sdkdata"])
m = api.inspect_container(c["Id"])["Mounts"]
print("mounts", [(x["Type"], len(x["Name"]), x["Destination"]) for x in m])
api.remove_container(c["Id"], v=True)
EOF
  ) || fail "SDK: $out"
  assert_contains "$out" "mounts [('volume', 64, '/sdkdata')]"
  assert_eq "$(volume_names)" "$before" "the SDK's container took its volume along"
}

test_console_size_is_the_first_tty_size() {
  local id out
  id=$(curl -sS --unix-socket "$DOCKER_SOCK" -H 'Content-Type: application/json' \
    -d '{"Image":"busybox","Tty":true,"Cmd":["stty","size"],"HostConfig":{"ConsoleSize":[31,97]}}' \
    http://docker/v1.45/containers/create | jq -r .Id)
  [[ $id =~ ^[0-9a-f]{64}$ ]] || fail "create: $id"
  assert_eq "$(docker inspect -f '{{json .HostConfig.ConsoleSize}}' "$id")" "[31,97]"
  docker start "$id" >/dev/null || fail "start"
  docker wait "$id" >/dev/null
  out=$(docker logs "$id")
  assert_eq "${out%$'\r'}" "31 97" "the tty's size from the start, with no resize"
  docker rm "$id" >/dev/null
  # What the CLI sends for run -t on a 30x100 terminal.
  out=$(pty_drive '' "$DOCKER" run -t --rm busybox stty size) || fail "run -t: $out"
  assert_contains "$out" "30 100"
  assert_contains "$out" "exit=0"
}

# docker with a bound: a run that hangs fails the case instead of the suite.
# KILL: an attached `docker run` forwards a TERM to its container and waits on.
docker_timed() {
  [[ -x $DOCKER ]] || skip "the docker CLI is not installed at $DOCKER"
  DOCKER_HOST=unix://$DOCKER_SOCK DOCKER_CONFIG=$TMP/docker-config timeout -s KILL 60 "$DOCKER" "$@"
}

test_links_write_hosts_and_env() {
  local ip out
  docker run -d --name lweb -e FOO=bar --expose 80 busybox sleep 1000 >/dev/null || fail "run lweb"
  ip=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' lweb)
  [[ -n $ip ]] || fail "lweb has no address"
  out=$(docker_timed run --rm --name lapp --link lweb:db busybox sh -c 'cat /etc/hosts; env') ||
    fail "run --link: $out"
  assert_contains "$out" "$ip	db $(docker inspect -f '{{.Config.Hostname}}' lweb) lweb"
  assert_contains "$out" "DB_NAME=/lapp/db"
  assert_contains "$out" "DB_ENV_FOO=bar"
  assert_contains "$out" "DB_PORT_80_TCP=tcp://$ip:80"
  assert_not_contains "$out" "DB_ENV_PATH" "PATH is not passed on"
  # Without an alias, the name; shown in inspect as dockerd does.
  docker create --name lapp2 --link lweb busybox true >/dev/null || fail "create --link lweb"
  assert_eq "$(docker inspect -f '{{json .HostConfig.Links}}' lapp2)" '["/lweb:/lapp2/lweb"]'
  docker rm lapp2 >/dev/null
  # A missing container: dockerd's 400 and text; a stopped one: its 500 at start.
  out=$(docker_timed run --rm --link nosuch:db busybox true 2>&1) && fail "linked to a missing container"
  assert_contains "$out" "could not get container for nosuch: No such container: nosuch"
  assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' --unix-socket "$DOCKER_SOCK" \
    -H 'Content-Type: application/json' -d '{"Image":"busybox","HostConfig":{"Links":["nosuch:db"]}}' \
    http://docker/v1.41/containers/create)" "400"
  docker create --name lstopped busybox true >/dev/null
  out=$(docker_timed run --rm --link lstopped:s busybox true 2>&1) && fail "linked to a stopped container"
  assert_contains "$out" "Cannot link to a non running container: /lstopped AS /"
  # --rm: the container that could not start is gone (the CLI waited for
  # its removal); lstopped alone is left (positive control).
  assert_eq "$(docker ps -aq --filter ancestor=busybox --filter status=created | wc -l)" "1" \
    "containers left in created after the failed --rm run"
  out=$(docker_timed run --rm --network host --link lweb:db busybox true 2>&1) && fail "links with host networking"
  assert_contains "$out" "conflicting options: host type networking can't be used with links"
  docker rm -f lweb lstopped >/dev/null
}

test_events_of_volumes_networks_and_attach() {
  local since until out cid
  since=$(date +%s)
  docker volume create evvol >/dev/null || fail "volume create"
  docker run --rm --name evatt -v evvol:/data busybox true || fail "run with the volume"
  docker volume rm evvol >/dev/null || fail "volume rm"
  docker network create evnet >/dev/null || fail "network create"
  cid=$(docker run -d --name evn busybox sleep 1000) || fail "run evn"
  docker network connect evnet evn || fail "network connect"
  docker network disconnect evnet evn || fail "network disconnect"
  docker rm -f evn >/dev/null
  docker network rm evnet >/dev/null || fail "network rm"
  sleep 1
  until=$(($(date +%s) + 1))
  events() {
    timeout 10 "$DOCKER" -H "unix://$DOCKER_SOCK" events --since "$since" --until "$until" "$@" 2>&1
  }
  out=$(events --filter type=volume --format '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.driver}}') ||
    fail "events type=volume: $out"
  # dockerd logs create again when run -v names an existing volume.
  assert_eq "$out" $'volume create evvol local\nvolume create evvol local\nvolume mount evvol local\nvolume unmount evvol local\nvolume destroy evvol local' \
    "volume events in order"
  out=$(events --filter volume=evvol --filter event=mount \
    --format '{{.Actor.Attributes.destination}} {{index .Actor.Attributes "read/write"}} {{.Actor.Attributes.container}}')
  assert_eq "$out" "/data true $(docker events --since "$since" --until "$until" --filter container=evatt --filter event=create --format '{{.Actor.ID}}')" \
    "mount names the container and the destination"
  out=$(events --filter network=evnet --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}}')
  assert_eq "$out" $'network create evnet bridge\nnetwork connect evnet bridge\nnetwork disconnect evnet bridge\nnetwork destroy evnet bridge' \
    "network events"
  out=$(events --filter network=evnet --filter event=connect --filter event=disconnect \
    --format '{{.Action}} {{.Actor.Attributes.container}}')
  assert_eq "$out" $'connect '"$cid"$'\ndisconnect '"$cid" "connect and disconnect name the container"
  # The default bridge: a container's start connects it, its stop disconnects.
  out=$(events --filter type=network --filter network=bridge --filter event=connect --format '{{.Actor.Attributes.container}}')
  assert_contains "$out" "$cid"
  out=$(events --filter container=evatt --format '{{.Action}}')
  assert_contains "$out" "attach" "docker run attached: an attach event"
  out=$(events --filter container=evn --filter event=attach --format '{{.Action}}')
  assert_eq "$out" "" "run -d attaches nothing"
  out=$(events --filter type=volume --filter type=network --format '{{.Type}}' | sort -u)
  assert_eq "$out" $'network\nvolume' "type= ORs its values and leaves containers out"
}

# docker build (the classic builder: this CLI has no buildx): a small
# context with a .dockerignore, a RUN and a COPY of the whole context.
build_context() { # DIR
  mkdir -p "$1"
  echo "hello from the context" >"$1/file.txt"
  echo "left out" >"$1/ignored.txt"
  echo "ignored.txt" >"$1/.dockerignore"
  printf 'FROM busybox\nRUN echo building-step\nCOPY . /ctx/\n' >"$1/Dockerfile"
}

test_build_runs_copies_and_tags() {
  export DOCKER_BUILDKIT=0
  local out
  build_context "$TMP/bctx"
  out=$(docker build -t built:1 -t built:2 "$TMP/bctx" 2>&1) || fail "docker build: $out"
  assert_contains "$out" "Step 1/3 : FROM busybox"
  assert_contains "$out" "building-step" "the RUN's output"
  assert_contains "$out" "Successfully built "
  assert_contains "$out" "Successfully tagged built:1"
  assert_contains "$out" "Successfully tagged built:2"
  assert_eq "$(docker run --rm built:1 cat /ctx/file.txt)" "hello from the context" "COPY of the context"
  assert_eq "$(docker run --rm built:2 ls /ctx)" $'Dockerfile\nfile.txt' ".dockerignore left ignored.txt out"
  # dockerd's order on the wire: the aux line with the ID, then the text.
  local raw
  raw=$(tar -C "$TMP/bctx" -c . | curl -sS --unix-socket "$DOCKER_SOCK" -X POST \
    -H 'Content-Type: application/x-tar' --data-binary @- 'http://docker/v1.45/build?t=built:raw') ||
    fail "raw /build: $raw"
  local aux_at built_at
  aux_at=$(grep -n '"id":"moby.image.id"' <<<"$raw" | cut -d: -f1)
  built_at=$(grep -n 'Successfully built' <<<"$raw" | cut -d: -f1)
  [[ -n $aux_at && -n $built_at ]] || fail "no aux or no Successfully built line: $raw"
  ((aux_at < built_at)) || fail "aux after Successfully built: $raw"
  assert_contains "$raw" "\"ID\":\"$(docker image inspect -f '{{.Id}}' built:raw)\"" "aux names the image"
}

# --compress: a gzip body, passed on as it is; a context of many pieces.
test_build_compressed_context() {
  export DOCKER_BUILDKIT=0
  local out
  build_context "$TMP/bgz"
  head -c 12000000 /dev/urandom >"$TMP/bgz/big.bin"
  printf 'FROM busybox\nCOPY big.bin /big.bin\n' >"$TMP/bgz/Dockerfile"
  out=$(docker build --compress -t built:gz "$TMP/bgz" 2>&1) || fail "docker build --compress: $out"
  assert_eq "$(docker run --rm built:gz md5sum /big.bin | cut -d' ' -f1)" \
    "$(md5sum "$TMP/bgz/big.bin" | cut -d' ' -f1)" "the 12 MB file arrived whole"
}

test_build_quiet_writes_only_the_id_and_the_iidfile() {
  export DOCKER_BUILDKIT=0
  local out
  build_context "$TMP/bctxq"
  out=$(docker build -q --iidfile "$TMP/iid" -t built:q "$TMP/bctxq" 2>"$TMP/quiet.err") ||
    fail "docker build -q: $out $(cat "$TMP/quiet.err")"
  [[ $out =~ ^sha256:[0-9a-f]{64}$ ]] || fail "-q printed more than the ID: $out"
  assert_eq "$(cat "$TMP/iid")" "$out" "--iidfile"
  assert_eq "$(docker image inspect -f '{{.Id}}' built:q)" "$out" "the ID is the tagged image's"
  assert_not_contains "$(cat "$TMP/quiet.err")" "building-step"
}

test_build_arg() {
  export DOCKER_BUILDKIT=0
  mkdir -p "$TMP/bargs"
  printf 'FROM busybox\nARG GREETING=default\nRUN echo "$GREETING" >/greeting\n' >"$TMP/bargs/Dockerfile"
  local out
  out=$(docker build --build-arg GREETING=from-cli -t built:arg "$TMP/bargs" 2>&1) || fail "build: $out"
  assert_eq "$(docker run --rm built:arg cat /greeting)" "from-cli" "--build-arg"
  out=$(docker build -t built:noarg "$TMP/bargs" 2>&1) || fail "build: $out"
  assert_eq "$(docker run --rm built:noarg cat /greeting)" "default" "the ARG's default without --build-arg"
}

# -f -: the CLI appends the Dockerfile to the context's tar as
# .dockerfile.<hex>, and the tar it sends ends without padding.
test_build_dockerfile_from_stdin() {
  export DOCKER_BUILDKIT=0
  local out
  build_context "$TMP/bstdin"
  out=$(printf 'FROM busybox\nCOPY file.txt /stdin-file\nRUN echo from-stdin-dockerfile\n' |
    docker build -f - -t built:stdin "$TMP/bstdin" 2>&1) || fail "docker build -f -: $out"
  assert_contains "$out" "from-stdin-dockerfile" "the Dockerfile from stdin ran"
  assert_not_contains "$out" "building-step" "not the context's Dockerfile"
  assert_eq "$(docker run --rm built:stdin cat /stdin-file)" "hello from the context"
}

test_build_failing_run() {
  export DOCKER_BUILDKIT=0
  mkdir -p "$TMP/bfail"
  printf 'FROM busybox\nRUN echo about-to-fail && exit 3\n' >"$TMP/bfail/Dockerfile"
  local out rc=0
  out=$(docker build -t built:fail "$TMP/bfail" 2>&1) || rc=$?
  assert_eq "$rc" "3" "docker build exits with the RUN's code"
  assert_contains "$out" "about-to-fail"
  assert_contains "$out" "The command '/bin/sh -c echo about-to-fail && exit 3' returned a non-zero code: 3"
  docker image inspect built:fail >/dev/null 2>&1 && fail "a failed build tagged its image"
  # An error before any step (a Dockerfile that does not parse) is the
  # answer's status, as dockerd's.
  mkdir -p "$TMP/bparse"
  printf 'FROM busybox\nNOSUCH x\n' >"$TMP/bparse/Dockerfile"
  rc=0
  out=$(docker build "$TMP/bparse" 2>&1) || rc=$?
  assert_eq "$rc" "1" "a Dockerfile that does not parse"
  assert_contains "$out" "Error response from daemon: "
  assert_contains "$out" "unknown instruction: NOSUCH"
}

# A client that leaves mid-build stops it: the RUN's container goes, no
# image is tagged. A quiet build's failure still carries the RUN's code.
test_build_stops_when_the_client_leaves() {
  export DOCKER_BUILDKIT=0
  mkdir -p "$TMP/bgone"
  # The step line shows $((40+2)); only the RUN's output has 42.
  printf 'FROM busybox\nRUN echo sleeping-$((40+2)) && sleep 60\n' >"$TMP/bgone/Dockerfile"
  [[ -x $DOCKER ]] || skip "the docker CLI is not installed at $DOCKER"
  # The CLI itself in the background (not the docker function's subshell),
  # to be interrupted as a user's ^C does.
  DOCKER_HOST=unix://$DOCKER_SOCK DOCKER_CONFIG=$TMP/docker-config \
    "$DOCKER" build -t built:gone "$TMP/bgone" >"$TMP/gone.out" 2>&1 &
  local pid=$!
  wait_for 30 grep -q sleeping-42 "$TMP/gone.out" || { kill $pid; fail "the RUN did not start: $(cat "$TMP/gone.out")"; }
  # Positive control: the RUN's container exists while it runs.
  docker ps -a --format '{{.Names}}' | grep -q '^berth-build-' || { kill $pid; fail "no RUN container listed"; }
  kill -INT $pid
  wait $pid 2>/dev/null || true
  wait_for 20 bash -c "! DOCKER_HOST=unix://$DOCKER_SOCK DOCKER_CONFIG=$TMP/docker-config $DOCKER ps -a --format '{{.Names}}' | grep -q '^berth-build-'" ||
    fail "the RUN's container is still there: $(docker ps -a --format '{{.Names}} {{.Status}}')"
  docker image inspect built:gone >/dev/null 2>&1 && fail "the abandoned build tagged its image"
  local out rc=0
  printf 'FROM busybox\nRUN exit 4\n' >"$TMP/bgone/Dockerfile"
  out=$(docker build -q "$TMP/bgone" 2>&1) || rc=$?
  assert_eq "$rc" "4" "docker build -q exits with the RUN's code"
  assert_contains "$out" "returned a non-zero code: 4"
  # As dockerd's, a quiet build that fails shows its log.
  assert_contains "$out" "Step 2/2 : RUN exit 4"
}

test_build_cache_prune() {
  export DOCKER_BUILDKIT=0
  local out
  build_context "$TMP/bprune"
  docker build -t built:prune "$TMP/bprune" >/dev/null 2>&1 || fail "build"
  out=$(docker build -t built:prune "$TMP/bprune" 2>&1) || fail "rebuild: $out"
  assert_contains "$out" "Using cache" "a second build reuses the steps"
  out=$(docker builder prune -f 2>&1) || fail "docker builder prune: $out"
  assert_contains "$out" "Total reclaimed space"
  out=$(docker build -t built:prune "$TMP/bprune" 2>&1) || fail "build after prune: $out"
  assert_not_contains "$out" "Using cache" "the prune forgot the cache"
  out=$(curl -sS --unix-socket "$DOCKER_SOCK" -X POST \
    'http://docker/v1.45/build/prune?filters=%7B%22bogus%22%3A%7B%22x%22%3Atrue%7D%7D') || fail "curl"
  assert_contains "$out" "invalid filter 'bogus'"
}

run_tests "$@"
