#!/usr/bin/env bash
# The Docker Engine API front door, judged by real clients: the docker 28
# CLI (/usr/local/bin/docker), Debian's docker 20.10 CLI (/usr/bin/docker,
# an older API version) and the Docker SDK for Python (python3-docker),
# each pointed at berth's docker.sock with DOCKER_HOST, as a user would.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"
source "$(dirname "$0")/docker_lib.sh"

OLD_DOCKER=/usr/bin/docker

setup_suite() {
  start_registry
  start_berthd MAIN --insecure-registry "$REGISTRY"
  import_busybox busybox "$MAIN_SOCK"
  use_docker_socket
}

teardown_suite() {
  remove_main_containers
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# logs_show NAME TEXT: docker logs NAME has TEXT.
logs_show() { docker logs "$1" 2>&1 | grep -q "$2"; }

# An HTTP request on the socket: status line and headers, then the body.
api() { # METHOD PATH [curl args...]
  local method=$1 path=$2
  shift 2
  curl -sS -i --unix-socket "$DOCKER_SOCK" -X "$method" "http://docker$path" "$@"
}

test_ping_and_version_negotiation() {
  local out
  out=$(curl -sS -I --unix-socket "$DOCKER_SOCK" http://docker/_ping)
  assert_contains "$out" "HTTP/1.1 200" "HEAD /_ping"
  assert_contains "$out" "Api-Version: 1.45"
  assert_contains "$out" "Ostype: linux"
  assert_contains "$out" "Content-Length: 0" "HEAD /_ping has no body"
  out=$(api GET /_ping)
  assert_contains "$out" $'\r\n\r\nOK' "GET /_ping body"
  out=$(api GET /v1.99/version)
  assert_contains "$out" "400" "a version newer than served"
  assert_contains "$out" "client version 1.99 is too new. Maximum supported API version is 1.45"
  out=$(api GET /v1.12/version)
  assert_contains "$out" "client version 1.12 is too old. Minimum supported API version is 1.24"
  # Positive control: the oldest served version and unprefixed paths work.
  out=$(api GET /v1.24/version)
  assert_contains "$out" "HTTP/1.1 200"
  assert_contains "$out" '"MinAPIVersion":"1.24"'
  out=$(api GET /nothing/here)
  assert_contains "$out" "HTTP/1.1 404"
  assert_contains "$out" '{"message":"page not found"}'
  out=$(docker version --format '{{.Server.APIVersion}} {{.Client.APIVersion}}')
  assert_eq "$out" "1.45 1.45" "docker version negotiates berth's newest"
  out=$(docker info --format '{{.Containers}} {{.OSType}} {{.Swarm.LocalNodeState}}')
  assert_contains "$out" " linux inactive"
}

test_run_attached_exit_codes_and_rm() {
  local out rc
  out=$(docker run --rm busybox echo hello-from-docker 2>&1)
  assert_eq "$out" "hello-from-docker" "docker run --rm output"
  rc=0
  docker run --rm busybox sh -c 'exit 3' || rc=$?
  assert_eq "$rc" 3 "the container's exit code is docker run's"
  # --rm removed it: the same objects through berth's own CLI.
  out=$(berth ps -a --format '{{.Image}} {{.Command}}')
  assert_not_contains "$out" "hello-from-docker"
  # stdout and stderr stay apart through the multiplexed stream.
  out=$(docker run --rm busybox sh -c 'echo out; echo err >&2' 2>/dev/null)
  assert_eq "$out" "out" "stdout alone"
  out=$(docker run --rm busybox sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)
  assert_eq "$out" "err" "stderr alone"
  # stdin written before the start reaches the process, and its end too.
  out=$(printf 'line1\nline2\n' | docker run -i --rm busybox wc -l)
  assert_eq "$(tr -d ' ' <<<"$out")" "2" "docker run -i with piped stdin"
  # A missing command: docker's exit 127.
  rc=0
  docker run --rm busybox /no/such/binary >/dev/null 2>&1 || rc=$?
  assert_eq "$rc" 127 "a missing command"
}

test_detached_lifecycle_as_a_user_types_it() {
  local id out rc
  id=$(docker run -d --name web -e GREETING=hi -l tier=front busybox sh -c 'echo started; sleep 1000')
  [[ $id =~ ^[0-9a-f]{64}$ ]] || fail "docker run -d printed '$id'"
  out=$(docker ps --no-trunc --format '{{.Names}} {{.Image}} {{.Labels}} {{.Command}}')
  assert_contains "$out" 'web busybox tier=front "sh -c echo started; sleep 1000"' "docker ps"
  # berth sees the same container.
  out=$(berth ps --format '{{.Names}}')
  assert_contains "$out" "web"
  out=$(docker ps --filter label=tier=front -q)
  assert_eq "$out" "${id:0:12}" "ps --filter label"
  out=$(docker ps --filter label=tier=back -q)
  assert_eq "$out" "" "ps --filter label matching nothing"
  wait_for 10 logs_show web started || fail "docker logs never showed the output"
  out=$(docker exec web sh -c 'echo $GREETING')
  assert_eq "$out" "hi" "docker exec sees the container's env"
  rc=0
  docker exec web false || rc=$?
  assert_eq "$rc" 1 "docker exec's exit code"
  out=$(docker inspect --format '{{.State.Status}} {{.Config.Image}} {{.Name}}' web)
  assert_eq "$out" "running busybox /web" "docker inspect template"
  out=$(docker top web)
  assert_contains "$out" "sleep 1000"
  docker pause web >/dev/null || fail "pause"
  assert_eq "$(docker inspect -f '{{.State.Status}}' web)" "paused"
  docker unpause web >/dev/null || fail "unpause"
  docker stop -t 1 web >/dev/null || fail "docker stop"
  out=$(docker ps -a --filter name=web --format '{{.Status}}')
  assert_contains "$out" "Exited (137)"
  docker start web >/dev/null || fail "docker start"
  assert_eq "$(docker inspect -f '{{.State.Running}}' web)" "true"
  docker kill web >/dev/null || fail "docker kill"
  out=$(docker rm web 2>&1)
  assert_eq "$out" "web"
  rc=0
  out=$(docker rm web 2>&1) || rc=$?
  assert_eq "$rc" 1 "rm of a removed container"
  assert_contains "$out" "No such container: web"
}

test_errors_map_to_dockers_statuses() {
  local out rc=0
  out=$(docker inspect no-such-thing 2>&1) || rc=$?
  assert_eq "$rc" 1 "inspect of nothing"
  assert_contains "$out" "No such object: no-such-thing"
  docker run -d --name dup busybox sleep 1000 >/dev/null || fail "first dup"
  rc=0
  out=$(docker run -d --name dup busybox sleep 1000 2>&1) || rc=$?
  assert_eq "$rc" 125 "a name in use"
  assert_contains "$out" 'is already in use'
  rc=0
  out=$(docker rm dup 2>&1) || rc=$?
  assert_eq "$rc" 1 "rm of a running container"
  assert_contains "$out" "cannot remove" "rm of a running container"
  docker rm -f dup >/dev/null || fail "rm -f"
  # Malformed bodies: a clear 400, and the daemon keeps serving.
  out=$(api POST /v1.45/containers/create -H 'Content-Type: application/json' -d '{"Image":')
  assert_contains "$out" "HTTP/1.1 400"
  out=$(api POST /v1.45/containers/create -H 'Content-Type: application/json' \
    -d '{"Image":"busybox","HostConfig":{"Memory":"lots"}}')
  assert_contains "$out" "HTTP/1.1 400"
  assert_contains "$out" "cannot unmarshal string into Go struct field HostConfig.Memory of type int64"
  out=$(api GET /v1.45/_ping)
  assert_contains "$out" "HTTP/1.1 200" "still serving"
}

test_pull_images_tag_and_rmi() {
  local out rc
  berth tag busybox "$REGISTRY/dk/busybox:1" >/dev/null
  berth push "$REGISTRY/dk/busybox:1" >/dev/null || fail "push for the pull"
  berth rmi "$REGISTRY/dk/busybox:1" >/dev/null
  out=$(docker pull "$REGISTRY/dk/busybox:1" 2>&1) || fail "docker pull: $out"
  assert_contains "$out" "Status: Downloaded newer image for $REGISTRY/dk/busybox:1"
  out=$(docker images --format '{{.Repository}}:{{.Tag}}')
  assert_contains "$out" "$REGISTRY/dk/busybox:1"
  docker tag "$REGISTRY/dk/busybox:1" dk/local:2 || fail "docker tag"
  out=$(docker image inspect --format '{{.Os}}/{{.Architecture}}' dk/local:2)
  assert_eq "$out" "linux/amd64"
  out=$(docker rmi dk/local:2)
  assert_contains "$out" "Untagged: dk/local:2"
  rc=0
  out=$(docker pull "$REGISTRY/dk/nothing:1" 2>&1) || rc=$?
  [[ $rc -ne 0 ]] || fail "pull of a missing image succeeded: $out"
  # run pulls a missing image itself (the 404 from create drives it).
  berth rmi "$REGISTRY/dk/busybox:1" >/dev/null
  out=$(docker run --rm "$REGISTRY/dk/busybox:1" echo pulled-and-ran 2>&1)
  assert_contains "$out" "Unable to find image"
  assert_contains "$out" "pulled-and-ran"
}

# docker update changes the running container's cgroup and restart policy;
# a bad value is refused and changes nothing. docker diff lists what it wrote.
test_update_and_diff() {
  local rc=0 out
  docker run -d --name upd --memory 64m busybox sh -c 'echo x > /tmp/new; rm /bin/ls; sleep 1000' >/dev/null
  docker update --memory 96m --memory-swap 192m --pids-limit 40 --restart on-failure:2 upd >/dev/null
  assert_eq "$(docker exec upd cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null ||
    docker exec upd cat /sys/fs/cgroup/memory.max)" "100663296" "memory after update"
  assert_eq "$(docker exec upd cat /sys/fs/cgroup/pids/pids.max 2>/dev/null ||
    docker exec upd cat /sys/fs/cgroup/pids.max)" "40" "pids after update"
  assert_eq "$(docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' upd)" \
    "100663296 on-failure:2" "inspect after update"
  out=$(docker update --restart sometimes upd 2>&1) || rc=$?
  assert_eq "$rc" 1 "bad restart policy"
  assert_contains "$out" "invalid restart policy"
  assert_eq "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' upd)" "on-failure" "unchanged by the refusal"
  for _ in $(seq 50); do docker exec upd test -f /tmp/new && break; sleep 0.1; done
  assert_eq "$(docker diff upd)" $'C /bin\nD /bin/ls\nC /tmp\nA /tmp/new' "docker diff"
  out=$(api GET /containers/upd/changes)
  assert_contains "$out" '{"Kind":2,"Path":"/bin/ls"}'
  docker rm -f upd >/dev/null
}

test_volumes_and_networks() {
  local out
  docker volume create dkvol >/dev/null || fail "volume create"
  out=$(docker volume ls --format '{{.Name}}')
  assert_contains "$out" "dkvol"
  out=$(docker run --rm -v dkvol:/data busybox sh -c 'echo kept >/data/f; cat /data/f')
  assert_eq "$out" "kept"
  out=$(docker run --rm --mount type=volume,source=dkvol,target=/d busybox cat /d/f)
  assert_eq "$out" "kept" "the volume's content through --mount"
  docker network create dknet >/dev/null || fail "network create"
  out=$(docker network ls --format '{{.Name}}')
  assert_contains "$out" "dknet"
  docker run -d --name dk-server --network dknet busybox sleep 1000 >/dev/null || fail "server"
  out=$(docker run --rm --network dknet busybox ping -c1 -W2 dk-server 2>&1)
  assert_contains "$out" "1 packets received" "names resolve on a user network"
  docker rm -f dk-server >/dev/null
  docker network rm dknet >/dev/null || fail "network rm"
  docker volume rm dkvol >/dev/null || fail "volume rm"
  out=$(docker volume ls --format '{{.Name}}')
  assert_not_contains "$out" "dkvol"
}

test_python_sdk() {
  [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import docker' 2>/dev/null ||
    skip "python3-docker is not installed"
  local out
  out=$(DOCKER_HOST=unix://$DOCKER_SOCK SETUPTOOLS_USE_DISTUTILS=stdlib /usr/bin/python3 - <<'EOF'
import time
import docker
client = docker.from_env()
print("ping", client.ping())
print("run", client.containers.run("busybox", ["echo", "sdk says hi"], remove=True).decode().strip())
c = client.containers.run("busybox", ["sh", "-c", "echo logged; sleep 1000"], detach=True, name="sdk-c")
c.reload()
print("status", c.status)
code, output = c.exec_run(["sh", "-c", "echo exec-out"])
print("exec", code, output.decode().strip())
for _ in range(50):
    if b"logged" in c.logs():
        break
print("logs", c.logs().decode().strip())
# attach() without stream=True: the log so far, then the end at once,
# although the container keeps running (dockerd's stream=0).
started = time.monotonic()
print("attach-logs", c.attach(stdout=True, stderr=True, logs=True).decode().strip(),
      time.monotonic() - started < 20)
print("listed", [x.name for x in client.containers.list()])
c.remove(force=True)
v = client.volumes.create("sdkvol")
print("volume", v.name, [x.name for x in client.volumes.list() if x.name == "sdkvol"])
v.remove()
n = client.networks.create("sdknet")
print("network", n.name)
n.remove()
print("images", any("busybox:latest" in i.tags for i in client.images.list()))
EOF
  ) || fail "the SDK script failed: $out"
  assert_contains "$out" "ping True"
  assert_contains "$out" "run sdk says hi"
  assert_contains "$out" "status running"
  assert_contains "$out" "exec 0 exec-out"
  assert_contains "$out" "logs logged"
  assert_contains "$out" "attach-logs logged True"
  assert_contains "$out" "'sdk-c'" "the SDK's container list"
  assert_contains "$out" "volume sdkvol ['sdkvol']"
  assert_contains "$out" "network sdknet"
  assert_contains "$out" "images True"
}

test_older_docker_cli() {
  [[ -x $OLD_DOCKER ]] || skip "Debian's docker.io client is not installed at $OLD_DOCKER"
  local out
  out=$(DOCKER_HOST=unix://$DOCKER_SOCK DOCKER_CONFIG=$TMP/docker-config "$OLD_DOCKER" version --format '{{.Client.APIVersion}}')
  assert_eq "$out" "1.41" "the 20.10 client's own API version"
  out=$(DOCKER_HOST=unix://$DOCKER_SOCK DOCKER_CONFIG=$TMP/docker-config "$OLD_DOCKER" run --rm busybox echo old-client 2>&1)
  assert_eq "$out" "old-client" "docker 20.10 run"
  DOCKER_HOST=unix://$DOCKER_SOCK DOCKER_CONFIG=$TMP/docker-config "$OLD_DOCKER" ps -a >/dev/null ||
    fail "docker 20.10 ps"
}

# docker build from the Docker SDK for Python (it finds the image by the
# "Successfully built" text) and from Debian's docker 20.10 CLI.
test_build_from_the_sdk_and_the_older_cli() {
  local out
  mkdir -p "$TMP/sdkctx"
  echo "sdk context file" >"$TMP/sdkctx/file.txt"
  printf 'FROM busybox\nARG WHO=nobody\nRUN echo "built for $WHO" >/who\nCOPY file.txt /file.txt\n' \
    >"$TMP/sdkctx/Dockerfile"
  if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import docker' 2>/dev/null; then
    out=$(CTX=$TMP/sdkctx DOCKER_HOST=unix://$DOCKER_SOCK SETUPTOOLS_USE_DISTUTILS=stdlib /usr/bin/python3 - <<'EOF'
import io, os
import docker
client = docker.from_env()
image, logs = client.images.build(path=os.environ["CTX"], tag="sdkbuilt:1", buildargs={"WHO": "sdk"})
print("same", image.id == client.images.get("sdkbuilt:1").id)
print("aux", any(l.get("aux", {}).get("ID") == image.id for l in logs))
print("who", client.containers.run("sdkbuilt:1", ["cat", "/who"], remove=True).decode().strip())
print("file", client.containers.run("sdkbuilt:1", ["cat", "/file.txt"], remove=True).decode().strip())
try:
    client.images.build(fileobj=io.BytesIO(b"FROM busybox\nRUN exit 2\n"), tag="sdkfail:1")
    print("no error")
except docker.errors.BuildError as e:
    print("builderror", e.msg)
EOF
    ) || fail "the SDK build script failed: $out"
    assert_contains "$out" "same True"
    assert_contains "$out" "aux True"
    assert_contains "$out" "who built for sdk" "buildargs"
    assert_contains "$out" "file sdk context file" "COPY"
    assert_contains "$out" "builderror The command '/bin/sh -c exit 2' returned a non-zero code: 2"
  else
    echo "python3-docker is not installed: its build not checked"
  fi
  [[ -x $OLD_DOCKER ]] || skip "Debian's docker.io client is not installed at $OLD_DOCKER"
  out=$(DOCKER_BUILDKIT=0 DOCKER_HOST=unix://$DOCKER_SOCK DOCKER_CONFIG=$TMP/docker-config \
    "$OLD_DOCKER" build --build-arg WHO=old-cli -t oldbuilt:1 "$TMP/sdkctx" 2>&1) ||
    fail "docker 20.10 build: $out"
  assert_contains "$out" "Successfully tagged oldbuilt:1"
  assert_eq "$(docker run --rm oldbuilt:1 cat /who)" "built for old-cli" "docker 20.10 build"
  out=$(printf 'FROM busybox\nRUN echo stdin-dockerfile >/from\n' | DOCKER_BUILDKIT=0 DOCKER_HOST=unix://$DOCKER_SOCK \
    DOCKER_CONFIG=$TMP/docker-config "$OLD_DOCKER" build -q -f - -t oldbuilt:stdin "$TMP/sdkctx" 2>"$TMP/old-q.err") ||
    fail "docker 20.10 build -q -f -: $out $(cat "$TMP/old-q.err")"
  [[ $out =~ ^sha256:[0-9a-f]{64}$ ]] || fail "docker 20.10 build -q printed more than the ID: $out"
  assert_eq "$(docker run --rm oldbuilt:stdin cat /from)" "stdin-dockerfile" "docker 20.10 build -f -"
}

# The docker CLI sends its start as soon as it has the attach's 101: the
# attach must be in place by then, or a fast process's output is lost (and
# with AutoRemove the attach ends empty). As the CLI does, but with no time
# between the 101 and the start, 20 times; then the 20.10 CLI 10 times.
test_attach_is_in_place_before_its_101() {
  local out busy=() i
  # A loaded machine, where the loss showed: the front door's threads wait
  # for a core, the start gets ahead of them.
  for i in 1 2 3 4; do (while :; do :; done) & busy+=($!); done
  out=$(timeout 120 python3 - "$DOCKER_SOCK" <<'EOF'
import http.client, json, socket, struct, sys
path = sys.argv[1]
class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
def call(method, url, body=None):
    c = Unix("docker")
    c.request(method, url, body=json.dumps(body) if body is not None else None,
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data
def output(stream):
    data, out = b"", b""
    while True:
        chunk = stream.recv(65536)
        if not chunk:
            break
        data += chunk
    while len(data) >= 8:
        size = struct.unpack(">I", data[4:8])[0]
        out += data[8:8 + size]
        data = data[8 + size:]
    return out.decode()
lost = 0
for i in range(20):
    status, body = call("POST", "/containers/create", {
        "Image": "busybox", "Cmd": ["echo", "race-%d" % i], "AttachStdout": True,
        "AttachStderr": True, "HostConfig": {"AutoRemove": True}})
    assert status == 201, body
    cid = json.loads(body)["Id"]
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.settimeout(30)
    s.sendall(("POST /containers/%s/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\n"
               "Host: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n" % cid).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert b" 101 " in head.split(b"\r\n")[0], head
    status, body = call("POST", "/containers/%s/start" % cid)
    assert status == 204, body
    got = output(s)
    if got != "race-%d\n" % i:
        lost += 1
        print("run %d: got %r" % (i, got))
print("lost", lost)
EOF
)
  kill "${busy[@]}"
  wait "${busy[@]}" 2>/dev/null || true  # they end by the kill
  assert_contains "$out" "lost 0" "every attach before its start saw the output"
  [[ -x $OLD_DOCKER ]] || skip "Debian's docker.io client is not installed at $OLD_DOCKER"
  for i in $(seq 10); do
    out=$(DOCKER_HOST=unix://$DOCKER_SOCK DOCKER_CONFIG=$TMP/docker-config \
      timeout 60 "$OLD_DOCKER" run --rm busybox echo old-$i 2>&1)
    assert_eq "$out" "old-$i" "docker 20.10 run --rm, run $i"
  done
}

# GET /containers/{id}/attach/ws, with a real WebSocket client (Debian's
# python3-websocket): stdin from frames, output as binary frames (not
# multiplexed), a ping answered, and at the process's end a close frame
# (1000) as dockerd 20.10 sends; dockerd's errors before the upgrade.
test_attach_websocket() {
  [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import websocket' 2>/dev/null ||
    skip "python3-websocket is not installed"
  docker run -d -i --name ws-echo busybox cat >/dev/null
  docker run -d -i --name ws-exit busybox sh -c 'read x; echo got $x; echo err >&2; exit 3' >/dev/null
  docker run -d -i --name ws-bad busybox cat >/dev/null
  docker run -d --name ws-sleep busybox sleep 1000 >/dev/null
  local out
  out=$(timeout 60 /usr/bin/python3 - "$DOCKER_SOCK" <<'EOF'
import socket, sys, websocket
def connect(path):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.settimeout(20)
    return websocket.create_connection("ws://docker" + path, socket=s)
def read_until(ws, text):
    data = b""
    while text not in data:
        op, frame = ws.recv_data(control_frame=True)
        if op == websocket.ABNF.OPCODE_CLOSE:
            return data, frame
        assert op == websocket.ABNF.OPCODE_BINARY, op
        data += frame
    return data, None
ws = connect("/v1.45/containers/ws-echo/attach/ws?stdin=1&stdout=1&stderr=1&stream=1")
ws.send_binary(b"hello over ws\n")
print("echo", read_until(ws, b"hello over ws\n")[0])
ws.ping(b"are you there")
op, frame = ws.recv_data(control_frame=True)
print("pong", op, frame)
# Fragmented text, then its answer.
ws.send_frame(websocket.ABNF(0, 0, 0, 0, websocket.ABNF.OPCODE_TEXT, 1, b"frag"))
ws.send_frame(websocket.ABNF(1, 0, 0, 0, websocket.ABNF.OPCODE_CONT, 1, b"mented\n"))
print("fragments", read_until(ws, b"fragmented\n")[0])
ws.close()
# The process's end: its output, then a close frame with 1000.
ws = connect("/v1.45/containers/ws-exit/attach/ws?stdin=1&stdout=1&stderr=1&stream=1")
ws.send_binary(b"abc\n")
data, close = read_until(ws, b"never")
print("exit", data, close)
# An unmasked frame breaks the protocol: close 1002, then the connection
# ends; nothing reaches stdin.
ws = connect("/v1.45/containers/ws-bad/attach/ws?stdin=1&stdout=1&stream=1")
ws.sock.sendall(b"\x82\x07leaked\n")
raw = b""
while True:
    chunk = ws.sock.recv(4096)
    if not chunk:
        break
    raw += chunk
print("unmasked", raw)
EOF
  ) || fail "the websocket client failed: $out"
  assert_contains "$out" "echo b'hello over ws\n'"
  assert_contains "$out" "pong 10 b'are you there'"
  assert_contains "$out" "fragments b'fragmented\n'"
  assert_contains "$out" "exit b'got abc\nerr\n' b'\x03\xe8'"
  assert_contains "$out" "unmasked b'\x88\x17\x03\xeaunmasked client frame'"
  assert_eq "$(docker inspect -f '{{.State.Running}} {{.State.ExitCode}}' ws-exit)" "false 3"
  assert_not_contains "$(docker logs ws-bad)" "leaked"
  # dockerd's errors, before any upgrade.
  local key=(-H "Connection: Upgrade" -H "Upgrade: websocket"
    -H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" -H "Sec-WebSocket-Version: 13")
  out=$(api GET /v1.45/containers/ws-missing/attach/ws "${key[@]}" --max-time 10)
  assert_contains "$out" "HTTP/1.1 404"
  assert_contains "$out" '{"message":"No such container: ws-missing"}'
  docker pause ws-sleep >/dev/null
  out=$(api GET /v1.45/containers/ws-sleep/attach/ws "${key[@]}" --max-time 10)
  assert_contains "$out" "HTTP/1.1 409"
  assert_contains "$out" "container ws-sleep is paused, unpause the container before attach"
  docker unpause ws-sleep >/dev/null
  out=$(api GET /v1.45/containers/ws-sleep/attach/ws --max-time 10)
  assert_contains "$out" "HTTP/1.1 400"
  assert_contains "$out" "not websocket protocol"
  # Positive control: the same handshake on a running container upgrades.
  out=$(api GET /v1.45/containers/ws-sleep/attach/ws "${key[@]}" --max-time 2 2>/dev/null || true)
  assert_contains "$out" "HTTP/1.1 101"
  assert_contains "$out" "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
  # Bad detach keys: dockerd's 400 before any upgrade, on both attaches;
  # valid ones upgrade (positive control).
  out=$(api POST "/v1.45/containers/ws-sleep/attach?stream=1&stdout=1&detachKeys=ctrl-1" --max-time 10)
  assert_contains "$out" "HTTP/1.1 400"
  assert_contains "$out" "Invalid detach keys (ctrl-1) provided"
  out=$(api GET "/v1.45/containers/ws-sleep/attach/ws?stream=1&detachKeys=ctrl-1" "${key[@]}" --max-time 10)
  assert_contains "$out" "HTTP/1.1 400"
  assert_contains "$out" "Invalid detach keys (ctrl-1) provided"
  out=$(api GET "/v1.45/containers/ws-sleep/attach/ws?stream=1&detachKeys=ctrl-a" "${key[@]}" --max-time 2 2>/dev/null || true)
  assert_contains "$out" "HTTP/1.1 101"
  docker rm -f ws-echo ws-exit ws-bad ws-sleep >/dev/null
}

run_tests "$@"
