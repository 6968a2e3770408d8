#!/usr/bin/env bash
# The Docker Engine API's transport and safety: TCP only with mutual TLS and
# berthd's roles (viewer: GET/HEAD only) and audit log, judged with the real
# docker CLI; an extra unix socket (what /var/run/docker.sock is for) that
# never takes over a live daemon's; oversize bodies and clients that leave
# in the middle of a body or a hijacked stream.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

DOCKER=/usr/local/bin/docker

setup_suite() {
  [[ -x $DOCKER ]] || return 0
  "$RUNFILES/deploy/gen-certs" "$TMP/certs" >/dev/null
  "$RUNFILES/deploy/gen-certs" "$TMP/other-ca" >/dev/null
  # A client that trusts berth's CA but holds another CA's certificate.
  mkdir -p "$TMP/foreign"
  cp "$TMP/certs/ca.pem" "$TMP/foreign/ca.pem"
  cp "$TMP/other-ca/admin/cert.pem" "$TMP/other-ca/admin/key.pem" "$TMP/foreign/"
  DOCKER_PORT=$(free_port)
  # Stands for /var/run/docker.sock: the same opt-in, on a path of the test's.
  EXTRA_SOCK=/run/berth-dtls-$$-docker.sock
  track_dir "$EXTRA_SOCK"
  start_berthd TLS --tlsverify --tlscacert "$TMP/certs/ca.pem" \
    --tlscert "$TMP/certs/server-cert.pem" --tlskey "$TMP/certs/server-key.pem" \
    --docker-host "tcp://127.0.0.1:$DOCKER_PORT" --docker-host "unix://$EXTRA_SOCK"
  import_busybox busybox "$TLS_SOCK"
  wait_for 10 test -S "$EXTRA_SOCK" || fail "no $EXTRA_SOCK"
  wait_for 10 curl -sf --cacert "$TMP/certs/ca.pem" --cert "$TMP/certs/admin/cert.pem" \
    --key "$TMP/certs/admin/key.pem" "https://127.0.0.1:$DOCKER_PORT/_ping" ||
    fail "the Docker API does not answer on tcp://127.0.0.1:$DOCKER_PORT"
}

teardown_suite() {
  [[ -n ${TLS_SOCK:-} ]] || return 0
  local ids
  ids=$("$BIN/berth" -H "$TLS_SOCK" ps -aq 2>/dev/null) || return 0
  [[ -z $ids ]] || "$BIN/berth" -H "$TLS_SOCK" rm -f $ids >/dev/null 2>&1
}

# as_role ROLE docker-args...: the docker CLI over TCP with ROLE's
# certificate directory (ca.pem, cert.pem, key.pem), as a user sets it.
as_role() {
  [[ -x $DOCKER ]] || skip "the docker CLI is not installed at $DOCKER"
  local dir=$TMP/certs/$1
  [[ $1 == foreign ]] && dir=$TMP/foreign
  shift
  DOCKER_HOST=tcp://127.0.0.1:$DOCKER_PORT DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$dir \
    DOCKER_CONFIG=$TMP/docker-config "$DOCKER" "$@"
}

# as_role_within SECONDS ROLE docker-args...: as_role with a time limit, so
# a hang fails (status 124) rather than blocks.
as_role_within() {
  [[ -x $DOCKER ]] || skip "the docker CLI is not installed at $DOCKER"
  local seconds=$1 dir=$TMP/certs/$2
  shift 2
  DOCKER_HOST=tcp://127.0.0.1:$DOCKER_PORT DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$dir \
    DOCKER_CONFIG=$TMP/docker-config timeout "$seconds" "$DOCKER" "$@"
}

# on_socket PATH docker-args...: the docker CLI on a unix socket.
on_socket() {
  [[ -x $DOCKER ]] || skip "the docker CLI is not installed at $DOCKER"
  local sock=$1
  shift
  DOCKER_HOST=unix://$sock DOCKER_CONFIG=$TMP/docker-config "$DOCKER" "$@"
}

local_docker() { on_socket "$TLS_EXEC/docker.sock" "$@"; }

test_admin_over_mtls_runs_containers_and_is_audited() {
  local out
  out=$(as_role admin version --format '{{.Server.APIVersion}}')
  assert_eq "$out" "1.45" "docker version over mutual TLS"
  as_role admin ps >/dev/null
  # Attach is a hijacked connection: it works through TLS too.
  out=$(as_role admin run --rm busybox echo hello-over-tls 2>&1)
  assert_eq "$out" "hello-over-tls" "docker run --rm over TLS"
  assert_eq "$(as_role admin volume create dtls-admin-vol)" "dtls-admin-vol"
  local audit
  audit=$(grep '"target":"dtls-admin-vol"' "$TLS_DATA/audit.log") ||
    fail "no audit record for the volume: $(cat "$TLS_DATA/audit.log")"
  audit=$(grep '"method":"POST /containers/create"' "$TLS_DATA/audit.log" |
    grep '"identity":"CN=berth-admin,O=admin"') || fail "no audit record of the create"
  assert_contains "$audit" '"role":"admin"'
  assert_contains "$audit" '"code":"OK"'
  assert_contains "$audit" '"peer":"ipv4:127.0.0.1:'
  # Reads are not audited, as berthd's.
  assert_not_contains "$(cat "$TLS_DATA/audit.log")" '"method":"GET /containers/json"'
}

test_exec_stdin_and_cp_over_mtls() {
  local c out rc=0
  c=$(as_role admin run -d busybox sleep 1000)
  out=$(as_role admin exec "$c" sh -c 'echo out; echo err >&2; exit 7' 2>&1) || rc=$?
  assert_eq "$rc" "7" "exec exit code over TLS"
  assert_eq "$out" $'out\nerr'
  echo copied-in >"$TMP/cp-in.txt"
  as_role admin cp "$TMP/cp-in.txt" "$c:/tmp/"
  assert_eq "$(as_role admin exec "$c" cat /tmp/cp-in.txt)" "copied-in" "docker cp in over TLS"
  as_role admin rm -f "$c" >/dev/null
}

# stdin's end (the CLI's CloseWrite: close_notify, then a TCP half-close)
# reaches the process over TLS: `cat` ends, and so does the command.
test_stdin_end_crosses_tls() {
  local c out rc=0
  c=$(as_role admin run -d busybox sleep 1000)
  out=$(echo hi | as_role_within 60 admin exec -i "$c" cat 2>&1) || rc=$?
  assert_eq "$rc" "0" "echo hi | docker exec -i c cat over TLS (124: it hung)"
  assert_eq "$out" "hi"
  rc=0
  out=$(echo hi | as_role_within 60 admin run -i --rm busybox cat 2>&1) || rc=$?
  assert_eq "$rc" "0" "echo hi | docker run -i --rm busybox cat over TLS (124: it hung)"
  assert_eq "$out" "hi"
  # A larger stdin arrives whole before its end.
  head -c $((3 << 20)) /dev/urandom >"$TMP/stdin.bin"
  rc=0
  out=$(as_role_within 60 admin exec -i "$c" md5sum <"$TMP/stdin.bin") || rc=$?
  assert_eq "$rc" "0" "docker exec -i md5sum of 3 MiB over TLS"
  assert_eq "${out%% *}" "$(md5sum <"$TMP/stdin.bin" | cut -d' ' -f1)" "3 MiB of stdin over TLS"
  # The exit code still crosses after stdin's end.
  rc=0
  echo x | as_role_within 60 admin exec -i "$c" sh -c 'cat >/dev/null; exit 5' || rc=$?
  assert_eq "$rc" "5" "exit code after stdin's end over TLS"
  as_role admin rm -f "$c" >/dev/null
}

# Requests on one TLS connection (keep-alive), and a streamed answer.
test_keep_alive_and_streams_over_tls() {
  local out
  out=$(curl -sSv --cacert "$TMP/certs/ca.pem" --cert "$TMP/certs/admin/cert.pem" \
    --key "$TMP/certs/admin/key.pem" "https://127.0.0.1:$DOCKER_PORT/_ping" \
    "https://127.0.0.1:$DOCKER_PORT/v1.45/version" 2>&1)
  assert_contains "$out" "OK" "the first answer"
  assert_contains "$out" '"ApiVersion":"1.45"' "the second answer"
  assert_contains "$out" "Re-using existing connection" "keep-alive over TLS"
  local c
  c=$(as_role admin run -d busybox sh -c 'for i in 1 2 3; do echo line$i; sleep 1; done')
  out=$(as_role_within 60 admin logs -f "$c")
  assert_eq "$out" $'line1\nline2\nline3' "docker logs -f over TLS"
  as_role admin rm -f "$c" >/dev/null
}

# attach/ws writes stdin: a viewer is refused (403, audited); the admin's
# certificate upgrades over TLS (wss) and echoes through it.
test_attach_websocket_roles_over_tls() {
  [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import websocket' 2>/dev/null ||
    skip "python3-websocket is not installed"
  as_role admin run -d -i --name dtls-ws busybox cat >/dev/null
  local out
  out=$(timeout 60 /usr/bin/python3 - "$DOCKER_PORT" "$TMP/certs" <<'EOF'
import ssl, sys, websocket
port, certs = sys.argv[1], sys.argv[2]
def connect(role):
    return websocket.create_connection(
        "wss://127.0.0.1:%s/v1.45/containers/dtls-ws/attach/ws?stdin=1&stdout=1&stream=1" % port,
        timeout=20, sslopt={"ca_certs": certs + "/ca.pem", "certfile": "%s/%s/cert.pem" % (certs, role),
                            "keyfile": "%s/%s/key.pem" % (certs, role)})
try:
    connect("viewer")
    print("viewer upgraded")
except websocket.WebSocketBadStatusException as e:
    print("viewer", e.status_code)
ws = connect("admin")
ws.send_binary(b"over wss\n")
data = b""
while b"over wss\n" not in data:
    data += ws.recv_data()[1]
print("admin", data)
ws.close()
EOF
  ) || fail "the websocket client failed: $out"
  assert_contains "$out" "viewer 403"
  assert_contains "$out" "admin b'over wss\n'"
  local audit
  audit=$(grep '"method":"GET /containers/{id}/attach/ws"' "$TLS_DATA/audit.log") ||
    fail "no audit record of attach/ws"
  assert_contains "$audit" '"code":"PERMISSION_DENIED"'
  assert_contains "$audit" '"identity":"CN=berth-admin,O=admin"'
  as_role admin rm -f dtls-ws >/dev/null
}

test_viewer_reads_but_may_not_change() {
  local out rc=0
  # Positive control: reads work with the viewer's certificate.
  as_role viewer ps -a >/dev/null || fail "docker ps as a viewer"
  as_role viewer images >/dev/null || fail "docker images as a viewer"
  out=$(as_role viewer run --name dtls-viewer-run busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "docker run as a viewer"
  assert_contains "$out" "Error response from daemon: authorization denied by berth: CN=berth-viewer,O=viewer has role viewer, which may not call POST /containers/create"
  rc=0
  out=$(as_role viewer volume create dtls-viewer-vol 2>&1) || rc=$?
  assert_eq "$rc" "1" "docker volume create as a viewer"
  assert_contains "$out" "authorization denied by berth"
  # Nothing was made: the admin sees neither.
  assert_not_contains "$(as_role admin ps -a --format '{{.Names}}')" "dtls-viewer-run"
  assert_not_contains "$(as_role admin volume ls -q)" "dtls-viewer-vol"
  local audit
  audit=$(grep '"identity":"CN=berth-viewer,O=viewer"' "$TLS_DATA/audit.log" |
    grep '"method":"POST /containers/create"') || fail "no audit record of the viewer's create"
  assert_contains "$audit" '"code":"PERMISSION_DENIED"'
  assert_contains "$audit" '"role":"viewer"'
  assert_contains "$audit" '"target":"dtls-viewer-run"'
}

# docker build streams its body: the role is checked before any of it is
# read, and the admin's build goes through TLS as on the unix socket.
test_viewer_may_not_build() {
  export DOCKER_BUILDKIT=0
  local out rc=0
  mkdir -p "$TMP/tlsctx"
  printf 'FROM busybox\nRUN echo tls-build >/made\n' >"$TMP/tlsctx/Dockerfile"
  out=$(as_role admin build -t dtls-built:1 "$TMP/tlsctx" 2>&1) || fail "docker build as the admin: $out"
  assert_eq "$(as_role admin run --rm dtls-built:1 cat /made)" "tls-build" "the admin's build"
  out=$(as_role viewer build -t dtls-viewer-built:1 "$TMP/tlsctx" 2>&1) || rc=$?
  assert_eq "$rc" "1" "docker build as a viewer"
  assert_contains "$out" "authorization denied by berth: CN=berth-viewer,O=viewer has role viewer, which may not call POST /build"
  as_role admin image inspect dtls-viewer-built:1 >/dev/null 2>&1 && fail "the viewer's build made an image"
  local audit
  audit=$(grep '"identity":"CN=berth-viewer,O=viewer"' "$TLS_DATA/audit.log" |
    grep '"method":"POST /build"') || fail "no audit record of the viewer's build"
  assert_contains "$audit" '"code":"PERMISSION_DENIED"'
  assert_contains "$audit" '"target":"dtls-viewer-built:1"'
}

test_client_without_certificate_is_refused() {
  local rc=0
  # Positive control: the same request with the admin's certificate.
  curl -sSf --cacert "$TMP/certs/ca.pem" --cert "$TMP/certs/admin/cert.pem" \
    --key "$TMP/certs/admin/key.pem" "https://127.0.0.1:$DOCKER_PORT/_ping" >/dev/null ||
    fail "ping with a certificate"
  curl -sS --max-time 10 --cacert "$TMP/certs/ca.pem" \
    "https://127.0.0.1:$DOCKER_PORT/v1.45/containers/json" >/dev/null 2>&1 || rc=$?
  [[ $rc != 0 ]] || fail "a client without a certificate was served"
  rc=0
  curl -sS --max-time 10 "http://127.0.0.1:$DOCKER_PORT/v1.45/containers/json" \
    >/dev/null 2>&1 || rc=$?
  [[ $rc != 0 ]] || fail "a plaintext client was served"
}

test_certificate_from_another_ca_is_refused() {
  local out rc=0
  out=$(as_role foreign volume create dtls-stolen 2>&1) || rc=$?
  [[ $rc != 0 ]] || fail "another CA's certificate was served: $out"
  assert_not_contains "$out" "dtls-stolen"
  rc=0
  curl -sS --max-time 10 --cacert "$TMP/certs/ca.pem" --cert "$TMP/other-ca/admin/cert.pem" \
    --key "$TMP/other-ca/admin/key.pem" "https://127.0.0.1:$DOCKER_PORT/_ping" \
    >/dev/null 2>&1 || rc=$?
  [[ $rc != 0 ]] || fail "curl with another CA's certificate was served"
  assert_not_contains "$(as_role admin volume ls -q)" "dtls-stolen"
}

test_tcp_without_tls_is_refused_at_start() {
  local out rc=0
  out=$("$BIN/berthd" --config-file "$TMP/none.json" --validate \
    --docker-host "tcp://127.0.0.1:$(free_port)" 2>&1) || rc=$?
  assert_eq "$rc" "1" "berthd with a plain TCP Docker API"
  assert_contains "$out" "refusing to serve the Docker API on tcp://127.0.0.1:"
  assert_contains "$out" "without mutual TLS"
  # Positive control: the same endpoint with mutual TLS validates.
  out=$("$BIN/berthd" --config-file "$TMP/none.json" --validate --tlsverify \
    --tlscacert "$TMP/certs/ca.pem" --tlscert "$TMP/certs/server-cert.pem" \
    --tlskey "$TMP/certs/server-key.pem" --docker-host "tcp://127.0.0.1:$(free_port)" 2>&1)
  assert_eq "$out" "configuration OK"
}

test_extra_unix_socket_serves_the_api() {
  local mode
  mode=$(stat -c %a "$EXTRA_SOCK")
  assert_eq "$mode" "660" "mode of the extra socket"
  local c
  c=$(on_socket "$EXTRA_SOCK" run -d --name dtls-extra busybox sleep 1000)
  assert_contains "$(local_docker ps --format '{{.Names}}')" "dtls-extra" \
    "the same container through the default socket"
  on_socket "$EXTRA_SOCK" rm -f "$c" >/dev/null
}

# A live daemon's socket (what dockerd's /var/run/docker.sock is) is never
# taken over; a stale one (its daemon died) is replaced.
test_live_socket_is_not_taken_over() {
  local sock=/run/berth-dtls-$$-live.sock out rc=0
  track_dir "$sock"
  python3 - "$sock" "$TMP/live-ready" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(8)
open(sys.argv[2], "w").close()
s.settimeout(60)
try:
    while True:
        c, _ = s.accept(); c.close()
except OSError:
    pass
PY
  local live=$!
  track_pid "$live"
  wait_for 10 test -e "$TMP/live-ready" || fail "the stand-in daemon did not start"
  out=$(timeout 60 "$BIN/berthd" --config-file "$TMP/none.json" --data-root "$TMP/data-live" \
    --exec-root "/run/berth-dtls-$$-live" --metrics-addr "127.0.0.1:$(free_port)" \
    --docker-host "unix://$sock" 2>&1) || rc=$?
  track_dir "/run/berth-dtls-$$-live"
  assert_eq "$rc" "1" "berthd next to a live socket"
  assert_contains "$out" "docker-hosts: another daemon is serving $sock"
  kill -0 "$live" || fail "the other daemon died"
  python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$sock" ||
    fail "the live socket was touched"
  # Positive control: once that daemon is gone its stale socket is replaced.
  kill "$live"
  wait "$live" 2>/dev/null || true
  [[ -S $sock ]] || fail "the stale socket should still be there"
  start_berthd STALE --docker-host "unix://$sock" --docker-socket ""
  wait_for 10 on_socket "$sock" version || fail "the stale socket was not replaced"
  assert_eq "$(on_socket "$sock" info --format '{{.DockerRootDir}}')" "$STALE_DATA"
  kill "$STALE_PID"
}

# A Content-Length over the limit is answered at once, before any body.
test_oversize_body_is_refused_at_once() {
  local out
  out=$(python3 - "$TLS_EXEC/docker.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(20)
s.connect(sys.argv[1])
s.sendall(b"POST /v1.45/containers/create HTTP/1.1\r\nHost: docker\r\n"
          b"Content-Type: application/json\r\nContent-Length: 4294967296\r\n\r\n{")
data = b""
while b"\r\n\r\n" not in data or not data.endswith(b"}\n"):
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.decode(errors="replace"))
PY
)
  assert_contains "$out" "HTTP/1.1 413"
  assert_contains "$out" '{"message":"request body too large"}'
  # Positive control: a body of the right size is served.
  local_docker ps >/dev/null || fail "docker ps after the oversize body"
}

# A load whose client goes away in the middle leaves no image and the
# daemon serving; the same load whole makes it (positive control).
test_load_cut_in_the_middle_leaves_nothing() {
  local_docker tag busybox dtls-half:1
  local_docker save dtls-half:1 -o "$TMP/half.tar"
  local_docker rmi dtls-half:1 >/dev/null
  [[ -z $(local_docker images -q dtls-half) ]] || fail "dtls-half still there"
  python3 - "$TLS_EXEC/docker.sock" "$TMP/half.tar" <<'PY'
import os, socket, sys, time
body = open(sys.argv[2], "rb").read()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"POST /v1.45/images/load?quiet=1 HTTP/1.1\r\nHost: docker\r\n"
          b"Content-Type: application/x-tar\r\nContent-Length: %d\r\n\r\n" % len(body))
s.sendall(body[: len(body) * 9 // 10])
time.sleep(1)
s.close()  # Gone, a tenth of the body unsent.
PY
  local_docker ps >/dev/null || fail "docker ps after the cut load"
  sleep 1
  assert_eq "$(local_docker images -q dtls-half)" "" "a half-loaded image"
  local_docker load -i "$TMP/half.tar" >/dev/null
  [[ -n $(local_docker images -q dtls-half) ]] || fail "the whole load did not make dtls-half"
  local_docker rmi dtls-half:1 >/dev/null
}

# Large bodies go to the service as they arrive: importing 192 MiB does not
# grow the front door's memory by anything like it.
test_large_import_is_streamed() {
  local pid before after
  pid=$(service_pid "$TLS_PID" dockerapi)
  [[ -n $pid ]] || fail "no berth-dockerapi process"
  mkdir -p "$TMP/big"
  head -c $((192 << 20)) /dev/urandom >"$TMP/big/blob"
  tar -C "$TMP/big" -cf "$TMP/big.tar" blob
  rm -f "$TMP/big/blob"
  before=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  local_docker import "$TMP/big.tar" dtls-big:1 >/dev/null
  after=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  rm -f "$TMP/big.tar"
  [[ -n $(local_docker images -q dtls-big:1) ]] || fail "the import made no image"
  local grown=$(((after - before) / 1024))
  echo "berth-dockerapi peak RSS grew by ${grown} MiB for a 192 MiB import"
  ((grown < 64)) || fail "the import was held in memory: +${grown} MiB"
  local_docker rmi dtls-big:1 >/dev/null
}

# A client killed in the middle of a hijacked stream: the daemon keeps
# serving and the container is not disturbed.
test_client_killed_during_attach() {
  local c
  c=$(local_docker run -d -i busybox cat)
  DOCKER_HOST=unix://$TLS_EXEC/docker.sock DOCKER_CONFIG=$TMP/docker-config \
    "$DOCKER" attach --no-stdin "$c" >/dev/null 2>&1 &
  local attach=$!
  sleep 1
  kill -KILL "$attach"
  wait "$attach" 2>/dev/null || true
  as_role admin ps >/dev/null || fail "docker ps over TLS after the killed attach"
  assert_eq "$(local_docker inspect -f '{{.State.Running}}' "$c")" "true"
  # The same over TLS.
  DOCKER_HOST=tcp://127.0.0.1:$DOCKER_PORT DOCKER_TLS_VERIFY=1 \
    DOCKER_CERT_PATH=$TMP/certs/admin DOCKER_CONFIG=$TMP/docker-config \
    "$DOCKER" attach --no-stdin "$c" >/dev/null 2>&1 &
  attach=$!
  sleep 1
  kill -KILL "$attach"
  wait "$attach" 2>/dev/null || true
  local_docker ps >/dev/null || fail "docker ps after the killed TLS attach"
  local_docker rm -f "$c" >/dev/null
}

run_tests "$@"
