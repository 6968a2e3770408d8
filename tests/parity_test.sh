#!/usr/bin/env bash
# Docker parity for behaviours users found wrong: host-gateway in
# --add-host, names after rename and network connect, -w creating the
# working directory, log drivers, --platform against the image, --cpus
# against the host's CPUs. Each case checks the allowed path beside the
# refused one.
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

# The gateway of a network (its bridge's address on the host).
gateway_of() { berth network inspect -f '{{json .IPAM.Config}}' "$1" | jq -r '.[0].Gateway'; }

test_add_host_host_gateway_is_the_bridge_address_and_reachable() {
  # The bridge gets its address with its first container.
  berth run --rm busybox true
  local gateway port pid hosts
  gateway=$(gateway_of bridge)
  [[ $gateway =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "bridge gateway '$gateway'"
  hosts=$(berth run --rm --add-host gw:host-gateway --add-host plain:192.0.2.9 busybox cat /etc/hosts)
  assert_contains "$hosts" "192.0.2.9"$'\t'"plain" "an address given as is"
  assert_contains "$hosts" "$gateway"$'\t'"gw" "host-gateway"
  assert_not_contains "$hosts" "host-gateway" "/etc/hosts"
  # --network host and none get the same address (docker: the daemon's
  # host-gateway-ip, the default bridge's by default).
  assert_contains "$(berth run --rm --network none --add-host gw:host-gateway busybox cat /etc/hosts)" \
    "$gateway"$'\t'"gw" "host-gateway with --network none"
  # inspect keeps what was asked for, as docker's ExtraHosts.
  berth create --name gwkeep --add-host gw:host-gateway busybox true >/dev/null
  assert_eq "$(berth inspect -f '{{json .HostConfig.ExtraHosts}}' gwkeep)" '["gw:host-gateway"]' "ExtraHosts"
  berth rm gwkeep >/dev/null
  # A service of the host bound to that address answers the container by that name.
  port=$(free_port)
  python3 -m http.server "$port" --bind "$gateway" --directory "$TMP" >/dev/null 2>&1 &
  pid=$!
  track_pid "$pid"
  wait_for 10 curl -sf "http://$gateway:$port/" -o /dev/null || fail "host listener on $gateway did not start"
  berth run --rm --init --add-host gw:host-gateway busybox timeout 5 wget -qO /dev/null "http://gw:$port/" ||
    fail "host listener on $gateway not reached as gw"
  kill "$pid"
}

test_host_gateway_ip_from_daemon_json() {
  echo '{"host-gateway-ip": "192.0.2.77"}' >"$TMP/gateway.json"
  BERTHD_CONFIG=$TMP/gateway.json start_berthd GW
  import_busybox busybox "$GW_SOCK"
  local hosts
  hosts=$("$BIN/berth" -H "$GW_SOCK" run --rm --network none --add-host gw:host-gateway busybox cat /etc/hosts)
  assert_contains "$hosts" "192.0.2.77"$'\t'"gw" "host-gateway-ip"
  kill "$GW_PID"
  wait_for 20 sh -c "! kill -0 $GW_PID"
}

# nslookup NAME from a new container on NETWORK: its output, and its status.
lookup_on() { # network name
  berth run --rm --init --network "$1" busybox timeout 5 nslookup "$2" 2>&1
}

test_rename_updates_the_name_servers() {
  berth network create renamenet >/dev/null
  berth run -d --name before-rename --network renamenet busybox sleep 300 >/dev/null
  local ip out rc
  ip=$(berth inspect -f '{{.NetworkSettings.Networks.renamenet.IPAddress}}' before-rename)
  [[ -n $ip ]] || fail "no address on renamenet"
  # Positive control: the name resolves before the rename.
  out=$(lookup_on renamenet before-rename) || fail "old name before rename: $out"
  assert_contains "$out" "$ip" "before rename"
  berth rename before-rename after-rename
  out=$(lookup_on renamenet after-rename) || fail "new name after rename: $out"
  assert_contains "$out" "$ip" "new name"
  rc=0; out=$(lookup_on renamenet before-rename) || rc=$?
  ((rc != 0)) || fail "old name still resolves: $out"
  assert_not_contains "$out" "$ip" "old name"
  # A rename while stopped holds at the next start too.
  berth stop -t 0 after-rename >/dev/null
  berth rename after-rename third-name
  berth start third-name >/dev/null
  ip=$(berth inspect -f '{{.NetworkSettings.Networks.renamenet.IPAddress}}' third-name)
  assert_contains "$(lookup_on renamenet third-name)" "$ip" "renamed while stopped"
  berth rm -f third-name >/dev/null
  berth network rm renamenet >/dev/null
}

test_network_connect_switches_a_bridge_container_to_the_name_server() {
  berth network create connectnet >/dev/null
  berth run -d --name dns-target --network connectnet busybox sleep 300 >/dev/null
  berth run -d --name on-bridge busybox sleep 300 >/dev/null
  local gateway target_ip out
  gateway=$(gateway_of connectnet)
  target_ip=$(berth inspect -f '{{.NetworkSettings.Networks.connectnet.IPAddress}}' dns-target)
  # Before connect: the host's resolvers, and the name is unknown.
  assert_not_contains "$(berth exec on-bridge cat /etc/resolv.conf)" "nameserver $gateway" "before connect"
  out=$(berth exec on-bridge timeout 5 nslookup dns-target 2>&1) && fail "resolved before connect: $out"
  berth network connect connectnet on-bridge
  out=$(berth exec on-bridge cat /etc/resolv.conf)
  assert_contains "$out" "nameserver $gateway" "resolv.conf after connect"
  out=$(berth exec on-bridge timeout 5 nslookup dns-target 2>&1) || fail "not resolved after connect: $out"
  assert_contains "$out" "$target_ip" "dns-target from on-bridge"
  # Disconnected: back to the host's resolvers.
  berth network disconnect connectnet on-bridge
  assert_not_contains "$(berth exec on-bridge cat /etc/resolv.conf)" "nameserver $gateway" "after disconnect"
  # A stopped container connected: the name server from its next start.
  berth create --name later-bridge busybox sleep 300 >/dev/null
  berth network connect connectnet later-bridge
  berth start later-bridge >/dev/null
  out=$(berth exec later-bridge timeout 5 nslookup dns-target 2>&1) || fail "not resolved after start: $out"
  assert_contains "$out" "$target_ip" "dns-target from later-bridge"
  # --dns given: kept, as docker keeps it.
  berth run -d --name own-dns --dns 192.0.2.53 busybox sleep 300 >/dev/null
  berth network connect connectnet own-dns
  assert_contains "$(berth exec own-dns cat /etc/resolv.conf)" "nameserver 192.0.2.53" "--dns kept"
  berth rm -f dns-target on-bridge later-bridge own-dns >/dev/null
  berth network rm connectnet >/dev/null
}

test_workdir_is_created() {
  local out rc
  out=$(berth run --rm -w /does/not/exist busybox pwd)
  assert_eq "$out" "/does/not/exist" "pwd"
  # Made by root before the user is switched, as docker does.
  out=$(berth run --rm -u 1000 -w /made/for/user busybox sh -c 'pwd; stat -c %u /made/for/user')
  assert_eq "$out" $'/made/for/user\n0' "workdir for a user"
  # An existing one is left as it is.
  assert_eq "$(berth run --rm -w /tmp busybox stat -c %a /tmp)" "1777" "existing workdir"
  # Through a symlink of the image: made inside the container's root,
  # never through the host's view of the link.
  local dir
  dir=$(mktemp -d "$TMP/escape.XXXXXX")
  berth run --name wdprep busybox sh -c "mkdir -p $dir && ln -s $dir /link" >/dev/null
  berth commit wdprep wdlink:1 >/dev/null
  berth rm wdprep >/dev/null
  # (pwd shows the directory the link leads to, as under docker.)
  assert_eq "$(berth run --rm -w /link/sub wdlink:1 sh -c "pwd; test -d /link/sub && echo inside")" \
    "$dir/sub"$'\ninside' "workdir through a symlink"
  [[ ! -e $dir/sub ]] || fail "the working directory was made on the host through a symlink"
  berth rmi wdlink:1 >/dev/null
  # exec -w does not create it (docker: the runtime's chdir fails).
  berth run -d --name wdexec busybox sleep 300 >/dev/null
  rc=0; out=$(berth exec -w /not/there wdexec pwd 2>&1) || rc=$?
  ((rc != 0)) || fail "exec -w to a missing directory succeeded: $out"
  berth exec wdexec test ! -e /not/there || fail "exec -w created the directory"
  assert_eq "$(berth exec -w /tmp wdexec pwd)" "/tmp" "exec -w to an existing directory"
  berth rm -f wdexec >/dev/null
}

test_log_driver_none_keeps_nothing_and_refuses_logs() {
  local out rc path
  berth run -d --name quiet --log-driver none busybox sh -c 'echo hello-none; sleep 300' >/dev/null
  berth run -d --name chatty busybox sh -c 'echo hello-json; sleep 300' >/dev/null
  # Positive control: json-file keeps the output.
  wait_for 10 sh -c "'$BIN/berth' -H '$MAIN_SOCK' logs chatty | grep -q hello-json" || fail "json-file logs"
  rc=0; out=$(berth logs quiet 2>&1) || rc=$?
  assert_eq "$rc" "1" "logs of --log-driver none"
  assert_eq "$out" "Error response from daemon: configured logging driver does not support reading"
  assert_eq "$(berth inspect -f '{{.HostConfig.LogConfig.Type}}' quiet)" "none" "LogConfig.Type"
  assert_eq "$(berth inspect -f '{{.LogPath}}' quiet)" "" "LogPath"
  path=$MAIN_DATA/tasks/containers/$(berth inspect -f '{{.Id}}' quiet)
  ! grep -rq hello-none "$path" || fail "the output of a none container was written: $(ls "$path")"
  berth rm -f quiet chatty >/dev/null
}

test_log_drivers_berth_lacks_are_refused_at_create() {
  local before out rc driver
  before=$(berth ps -aq | wc -l)
  for driver in local syslog journald gelf fluentd awslogs splunk etwlogs gcplogs logentries; do
    rc=0; out=$(berth create --log-driver "$driver" busybox true 2>&1) || rc=$?
    assert_eq "$rc" "125" "--log-driver $driver"
    assert_contains "$out" "logging driver \"$driver\" is not supported" "--log-driver $driver"
  done
  rc=0; out=$(berth create --log-driver foo busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "unknown driver"
  assert_contains "$out" "Error response from daemon: error looking up logging plugin foo: plugin \"foo\" not found"
  assert_eq "$(berth ps -aq | wc -l)" "$before" "containers after refusals"
  # The two berth has: accepted.
  berth create --name with-json --log-driver json-file busybox true >/dev/null
  berth create --name with-none --log-driver none busybox true >/dev/null
  berth rm with-json with-none >/dev/null
}

test_platform_must_match_the_image() {
  local out rc before
  before=$(berth ps -aq | wc -l)
  rc=0; out=$(berth run --rm --platform linux/arm64 busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "--platform linux/arm64 on an amd64 image"
  assert_contains "$out" "image with reference busybox was found but does not match the specified platform: wanted linux/arm64, actual: linux/amd64"
  assert_eq "$(berth ps -aq | wc -l)" "$before" "containers after the refusal"
  # The image's own platform, in any of docker's spellings: runs.
  berth run --rm --platform linux/amd64 busybox true || fail "--platform linux/amd64"
  berth run --rm --platform x86_64 busybox true || fail "--platform x86_64"
  rc=0; out=$(berth run --rm --platform bogus busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "malformed platform"
  assert_contains "$out" '"bogus": unknown operating system or architecture: invalid argument'
}

test_cpus_beyond_the_host_are_refused() {
  local cpus too_many out rc before
  cpus=$(nproc)
  too_many=$((cpus + 3))
  before=$(berth ps -aq | wc -l)
  rc=0; out=$(berth run -d --cpus "$too_many" busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "--cpus $too_many"
  assert_contains "$out" "Range of CPUs is from 0.01 to $cpus.00, as there are only $cpus CPUs available"
  assert_eq "$(berth ps -aq | wc -l)" "$before" "containers after the refusal"
  # Every CPU the host has: accepted.
  berth run -d --name cpu-limited --cpus "$cpus" busybox sleep 300 >/dev/null
  rc=0; out=$(berth update --cpus "$too_many" cpu-limited 2>&1) || rc=$?
  ((rc != 0)) || fail "update --cpus $too_many accepted"
  assert_contains "$out" "Range of CPUs is from 0.01 to $cpus.00, as there are only $cpus CPUs available"
  assert_eq "$(berth inspect -f '{{.HostConfig.NanoCpus}}' cpu-limited)" "${cpus}000000000" "NanoCpus after refused update"
  berth update --cpus 1 cpu-limited >/dev/null
  assert_eq "$(berth inspect -f '{{.HostConfig.NanoCpus}}' cpu-limited)" "1000000000" "NanoCpus after update"
  berth rm -f cpu-limited >/dev/null
}

run_tests "$@"
