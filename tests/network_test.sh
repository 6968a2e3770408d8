#!/usr/bin/env bash
# Networking for real: the default bridge network through Debian's CNI
# plugins (bridge, host-local, portmap, firewall, loopback), published
# ports reached from the host, and nothing left behind. Traffic stays on
# this machine: the bridge, veths and 127.0.0.1.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

setup_suite() {
  start_berthd MAIN
  import_busybox busybox "$MAIN_SOCK"
  IPTABLES_BEFORE=$(iptables-save | grep -v '^#' | grep -v '^:' | sed 's/\[[0-9:]*\]//' | sort)
}

teardown_suite() {
  local ids
  ids=$(berth ps -aq 2>/dev/null) || return 0
  [[ -z $ids ]] || berth rm -f $ids >/dev/null 2>&1
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# A web server answering with its hostname.
run_httpd() { # name [flags...]
  local name=$1
  shift
  berth run -d --name "$name" "$@" busybox sh -c \
    'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www'
}

test_published_port_answers_from_the_host() {
  local port id
  port=$(free_port)
  id=$(run_httpd web -p "$port:80")
  wait_for 10 curl -sf "http://127.0.0.1:$port/" -o /dev/null || fail "nothing on 127.0.0.1:$port"
  assert_eq "$(curl -sf "http://127.0.0.1:$port/")" "${id:0:12}" "served by the container"
  assert_eq "$(berth port web)" "80/tcp -> 0.0.0.0:$port" "berth port"
  berth ps --format '{{.Ports}}' --filter name=web | grep -q "0.0.0.0:$port->80/tcp" || fail "ps PORTS"
  local ip
  ip=$(berth inspect -f '{{.NetworkSettings.IPAddress}}' web)
  [[ $ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "no IPAddress: '$ip'"
  berth run --rm busybox wget -qO- "http://$ip/" | grep -qx "${id:0:12}" || fail "container to container by address"
  berth run --rm busybox sh -c 'grep -q "$(hostname)$" /etc/hosts' || fail "own name not in /etc/hosts"
  # The traffic shows in stats (NET I/O) and in the metrics.
  local netio
  netio=$(berth stats --no-stream --format '{{.NetIO}}' web)
  [[ -n $netio && $netio != "0B / 0B" ]] || fail "NET I/O after traffic: '$netio'"
  local scrape
  scrape=$(curl -sf "http://$MAIN_METRICS/metrics")
  grep -q 'container_network_receive_bytes_total{.*name="web"' <<<"$scrape" || fail "no network series for web"
  berth rm -f web >/dev/null
}

test_random_host_port_reported_by_port() {
  run_httpd random -p 80 >/dev/null
  local mapping port
  mapping=$(berth port random 80)
  port=${mapping##*:}
  ((port > 0)) || fail "no host port: $mapping"
  wait_for 10 curl -sf "http://127.0.0.1:$port/" -o /dev/null || fail "random port $port does not answer"
  berth rm -f random >/dev/null
}

test_port_in_use_is_refused_and_nothing_half_made() {
  local port rc out links_before
  port=$(free_port)
  run_httpd first -p "$port:80" >/dev/null
  links_before=$(ip -o link | grep -c veth || true)
  rc=0; out=$(run_httpd second -p "$port:80" 2>&1) || rc=$?
  assert_eq "$rc" "125" "exit code"
  assert_contains "$out" "Bind for 0.0.0.0:$port failed: port is already allocated"
  assert_eq "$(ip -o link | grep -c veth || true)" "$links_before" "veths"
  [[ ! -e $MAIN_EXEC/netns/$(berth inspect -f '{{.Id}}' second) ]] || fail "netns of the refused container left"
  berth rm -f first second >/dev/null
}

test_stop_releases_and_start_reattaches() {
  local port
  port=$(free_port)
  run_httpd again -p "$port:80" >/dev/null
  wait_for 10 curl -sf "http://127.0.0.1:$port/" -o /dev/null || fail "not serving"
  berth stop -t 1 again >/dev/null
  assert_eq "$(berth inspect -f '{{.NetworkSettings.IPAddress}}' again)" "" "address after stop"
  local netns
  netns=$MAIN_EXEC/netns/$(berth inspect -f '{{.Id}}' again)
  wait_for 10 sh -c "[ ! -e $netns ]" || fail "netns kept after stop"
  berth start again >/dev/null
  wait_for 10 curl -sf "http://127.0.0.1:$port/" -o /dev/null || fail "not serving after restart"
  berth rm -f again >/dev/null
}

test_ports_keep_working_across_a_network_service_and_berthd_kill() {
  local port
  port=$(free_port)
  run_httpd durable -p "$port:80" >/dev/null
  wait_for 10 curl -sf "http://127.0.0.1:$port/" -o /dev/null || fail "not serving"
  kill -9 "$(service_pid "$MAIN_PID" network)"
  curl -sf "http://127.0.0.1:$port/" -o /dev/null || fail "port lost with the network service"
  wait_for 20 sh -c "$BIN/berth -H $MAIN_SOCK run --rm busybox true" || fail "no new container after the restart"
  kill -9 "$MAIN_PID"
  for service in images snapshots tasks network; do pkill -9 -f "berth-$service --config.*$MAIN_EXEC" || true; done
  curl -sf "http://127.0.0.1:$port/" -o /dev/null || fail "port lost with berthd"
  "$BIN/berthd" --data-root "$MAIN_DATA" --exec-root "$MAIN_EXEC" --config-file "$TMP/none.json" \
    --metrics-addr "$MAIN_METRICS" >>"$MAIN_LOG" 2>&1 &
  MAIN_PID=$!
  track_pid "$MAIN_PID"
  wait_for 30 sh -c "$BIN/berth -H $MAIN_SOCK ps >/dev/null 2>&1" || fail "berthd did not come back"
  curl -sf "http://127.0.0.1:$port/" -o /dev/null || fail "port lost after berthd restart"
  berth rm -f durable >/dev/null
  ! curl -sf --max-time 2 "http://127.0.0.1:$port/" -o /dev/null || fail "port still answers after rm"
}

test_container_mode_hosts_dns_and_network_inspect() {
  local id
  id=$(run_httpd shared)
  # --network container: shares the other's namespace: its httpd on localhost.
  assert_eq "$(berth run --rm --network container:shared busybox wget -qO- http://127.0.0.1/)" "${id:0:12}" \
    "container: mode"
  local rc=0
  berth run --rm --network container:shared -p 81:81 busybox true 2>/dev/null || rc=$?
  assert_eq "$rc" "125" "ports with container: mode"
  assert_eq "$(berth run --rm --add-host db.internal:10.9.8.7 busybox grep db.internal /etc/hosts)" \
    $'10.9.8.7\tdb.internal' "--add-host"
  assert_eq "$(berth run --rm --dns 10.1.2.3 --dns-search corp.example busybox cat /etc/resolv.conf | grep -E '^(nameserver|search)')" \
    $'nameserver 10.1.2.3\nsearch corp.example' "--dns, --dns-search"
  berth network ls | grep -qE '^[0-9a-f]{12} +bridge +bridge +local$' || fail "network ls: $(berth network ls)"
  assert_eq "$(berth network inspect -f '{{.Name}} {{.Driver}}' bridge)" "bridge bridge" "network inspect"
  berth network inspect bridge | grep -q "\"$id\"" || fail "network inspect lacks the attached container"
  berth rm -f shared >/dev/null
}

test_user_networks_create_attach_internal_and_remove() {
  local id out rc
  id=$(berth network create --subnet 10.231.0.0/24 --label team=a backend)
  [[ $id =~ ^[0-9a-f]{64}$ ]] || fail "network create printed '$id'"
  assert_eq "$(berth network inspect -f '{{.Name}} {{.Driver}}' backend)" "backend bridge" "inspect"
  berth network inspect backend | grep -q '"Subnet": "10.231.0.0/24"' || fail "subnet not kept"
  rc=0; out=$(berth network create --subnet 10.231.0.128/25 clash 2>&1) || rc=$?
  assert_eq "$rc" "1" "overlapping subnet"
  assert_contains "$out" "Pool overlaps with other one on this address space"
  rc=0; out=$(berth network create --subnet 10.300.0.0/24 bad 2>&1) || rc=$?
  assert_eq "$rc" "1" "bad CIDR"
  assert_contains "$out" "invalid CIDR address"
  run_httpd server --network backend --network-alias api >/dev/null
  local ip
  ip=$(berth inspect -f '{{.NetworkSettings.IPAddress}}' server)
  [[ $ip == 10.231.0.* ]] || fail "address $ip not in the network's subnet"
  assert_eq "$(berth run --rm --network backend busybox wget -qO- "http://$ip/")" \
    "$(berth inspect -f '{{.Config.Hostname}}' server)" "reached over the user network"
  # The network's name server: other containers by name and alias.
  assert_eq "$(berth run --rm --network backend busybox wget -qO- http://server/)" \
    "$(berth inspect -f '{{.Config.Hostname}}' server)" "by name"
  assert_eq "$(berth run --rm --network backend busybox wget -qO- http://api/)" \
    "$(berth inspect -f '{{.Config.Hostname}}' server)" "by alias"
  berth run --rm busybox wget -T 2 -qO- http://server/ >/dev/null 2>&1 &&
    fail "the name resolves from the default network too"
  rc=0; out=$(berth network rm backend 2>&1) || rc=$?
  assert_eq "$rc" "1" "rm while in use"
  assert_contains "$out" "has active endpoints"
  # --internal: no way out, not even to the host's side of the bridge.
  berth network create --internal sealed >/dev/null
  berth run --rm --network sealed busybox sh -c 'ip route | grep -q default' && fail "internal network has a default route"
  rc=0; berth run --rm --network nosuchnet busybox true 2>/dev/null || rc=$?
  assert_eq "$rc" "125" "unknown network"
  berth rm -f server >/dev/null
  berth network rm backend sealed >/dev/null
  ! berth network inspect backend >/dev/null 2>&1 || fail "network still there after rm"
  ! ip link show "br-${id:0:12}" >/dev/null 2>&1 || fail "bridge device left"
}

test_nothing_left_after_every_container_is_gone() {
  run_httpd leak1 -p "$(free_port):80" >/dev/null
  run_httpd leak2 -p 80 >/dev/null
  berth rm -f leak1 leak2 >/dev/null
  assert_eq "$(ls "$MAIN_EXEC/netns" 2>/dev/null | wc -l)" "0" "netns files"
  assert_eq "$(ip -o link | grep -c veth || true)" "0" "veths"
  local after
  after=$(iptables-save | grep -v '^#' | grep -v '^:' | sed 's/\[[0-9:]*\]//' | sort)
  # Only the plugins' shared chains may have appeared; no rule names a container.
  local extra
  extra=$(comm -13 <(echo "$IPTABLES_BEFORE") <(echo "$after") | grep -v -- '-j CNI-\(FORWARD\|ADMIN\|HOSTPORT-DNAT\|HOSTPORT-MASQ\)$' |
    grep -v 'CNI firewall plugin\|CNI portfwd' || true)
  [[ -z $extra ]] || fail "iptables rules left: $extra"
}

run_tests "$@"
