#!/usr/bin/env bash
# Remote management: TCP only with mutual TLS, roles from the client
# certificate, refused connections, audit of mutating calls.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

setup_suite() {
  "$RUNFILES/deploy/gen-certs" "$TMP/certs" >/dev/null
  "$RUNFILES/deploy/gen-certs" "$TMP/other-ca" >/dev/null
  TLS_PORT=$(free_port)
  start_berthd TLS --tlsverify --tlscacert "$TMP/certs/ca.pem" \
    --tlscert "$TMP/certs/server-cert.pem" --tlskey "$TMP/certs/server-key.pem" \
    -H "tcp://127.0.0.1:$TLS_PORT" -H "unix:///run/berth-test-tls-$$.sock"
  track_dir "/run/berth-test-tls-$$.sock"
}

as_role() { # role berth-args...
  local role=$1
  shift
  BERTH_CERT_PATH=$TMP/certs/$role "$BIN/berth" --tlsverify -H "tcp://127.0.0.1:$TLS_PORT" "$@"
}

test_admin_over_mtls_can_read_and_change() {
  assert_contains "$(as_role admin version)" "Health:           SERVING"
  assert_contains "$(as_role admin info 2>/dev/null)" "Berth Root Dir: $TLS_DATA"
  assert_eq "$(as_role admin volume create remote-vol)" "remote-vol" "create as admin"
  assert_contains "$(as_role admin volume ls -q)" "remote-vol"
  local audit
  audit=$(grep '"target":"remote-vol"' "$TLS_DATA/audit.log")
  assert_contains "$audit" '"identity":"CN=berth-admin,O=admin"'
  assert_contains "$audit" '"role":"admin"'
  assert_contains "$audit" '"code":"OK"'
  assert_contains "$audit" '"peer":"ipv4:127.0.0.1:'
}

# Streams go through berthd over the TLS connection: exec's output, stdin
# and exit code, and the logs.
test_exec_and_logs_over_mtls() {
  import_busybox busybox "unix:///run/berth-test-tls-$$.sock"
  local c out rc=0
  c=$(as_role admin run -d busybox sh -c 'echo remote-main; exec sleep 1000')
  out=$(as_role admin exec -e GREETING=hello "$c" sh -c 'echo $GREETING; echo to-stderr >&2; exit 7' 2>&1) || rc=$?
  assert_eq "$rc" "7" "exit code of the exec"
  assert_eq "$out" $'hello\nto-stderr'
  assert_eq "$(echo piped | as_role admin exec -i "$c" cat)" "piped" "stdin over TLS"
  wait_for 10 bash -c "BERTH_CERT_PATH=$TMP/certs/admin '$BIN/berth' --tlsverify -H tcp://127.0.0.1:$TLS_PORT logs $c | grep -q remote-main"
  assert_eq "$(as_role viewer logs "$c")" "remote-main" "logs as a viewer"
  rc=0
  out=$(as_role viewer exec "$c" true 2>&1) || rc=$?
  assert_eq "$rc" "1" "exec as a viewer"
  assert_contains "$out" "permission denied"
  as_role admin rm -f "$c" >/dev/null
}

test_viewer_can_read_but_not_change() {
  assert_contains "$(as_role viewer info 2>/dev/null)" "Server Version: 0.1.0"
  as_role viewer volume ls >/dev/null
  local out rc=0
  out=$(as_role viewer volume create viewer-vol 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code"
  assert_contains "$out" "Error response from daemon: permission denied"
  assert_contains "$out" "viewer"
  [[ ! -d $TLS_DATA/volumes/viewer-vol ]] || fail "viewer created a volume"
  local audit
  audit=$(grep '"target":"viewer-vol"' "$TLS_DATA/audit.log")
  assert_contains "$audit" '"code":"PERMISSION_DENIED"'
  assert_contains "$audit" '"identity":"CN=berth-viewer,O=viewer"'
}

test_plaintext_client_is_refused() {
  local out rc=0
  out=$("$BIN/berth" -H "tcp://127.0.0.1:$TLS_PORT" info 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code"
  assert_contains "$out" "Cannot connect"
}

test_client_without_certificate_is_refused() {
  mkdir -p "$TMP/ca-only"
  cp "$TMP/certs/ca.pem" "$TMP/ca-only/ca.pem"
  local out rc=0
  out=$("$BIN/berth" --tls --tlscacert "$TMP/ca-only/ca.pem" --tlscert /nonexistent \
    --tlskey /nonexistent -H "tcp://127.0.0.1:$TLS_PORT" info 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code"
  assert_contains "$out" "Cannot connect"
}

test_certificate_from_another_ca_is_refused() {
  local out rc=0
  # The client trusts the server's CA but presents a certificate from
  # another CA: berthd must refuse the handshake.
  out=$("$BIN/berth" --tlsverify --tlscacert "$TMP/certs/ca.pem" \
    --tlscert "$TMP/other-ca/admin/cert.pem" --tlskey "$TMP/other-ca/admin/key.pem" \
    -H "tcp://127.0.0.1:$TLS_PORT" volume create stolen 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code"
  assert_contains "$out" "Cannot connect"
  [[ ! -d $TLS_DATA/volumes/stolen ]] || fail "foreign certificate created a volume"
}

test_server_certificate_is_verified_by_the_client() {
  local out rc=0
  # A client that trusts only another CA must not talk to this server.
  out=$("$BIN/berth" --tlsverify --tlscacert "$TMP/other-ca/ca.pem" \
    --tlscert "$TMP/other-ca/admin/cert.pem" --tlskey "$TMP/other-ca/admin/key.pem" \
    -H "tcp://127.0.0.1:$TLS_PORT" info 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code"
}

test_unix_socket_of_a_tls_daemon_stays_local_admin() {
  assert_eq "$("$BIN/berth" -H "unix:///run/berth-test-tls-$$.sock" volume create local-vol)" \
    "local-vol" "create over the unix socket"
}

test_two_daemons_run_side_by_side() {
  start_berthd SECOND
  "$BIN/berth" -H "$SECOND_SOCK" volume create only-second >/dev/null
  assert_contains "$("$BIN/berth" -H "$SECOND_SOCK" volume ls -q)" "only-second"
  assert_not_contains "$(as_role admin volume ls -q)" "only-second"
  [[ $("$BIN/berth" -H "$SECOND_SOCK" info --format '{{.BerthRootDir}}') == "$SECOND_DATA" ]] ||
    fail "second daemon reports the wrong root"
}

run_tests "$@"
