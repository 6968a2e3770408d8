#!/usr/bin/env bash
# Networking for real: the default bridge network through Debian's CNI
# plugins (bridge, host-local, portmap, loopback), published
# ports reached from the host, and nothing left behind. Traffic stays on
# this machine: the bridge, veths and 127.0.0.1.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

setup_suite() {
  # The upstream name server of berth's name servers (the daemon's dns, as
  # dockerd's embedded DNS uses it): a fake one on a loopback address of its
  # own, answering every name with 192.0.2.55, so a test can tell a
  # forwarded name from one that was not.
  UPSTREAM_DNS=127.0.$((RANDOM % 200 + 20)).$((RANDOM % 200 + 20))
  python3 "$RUNFILES/tests/tools/fake_dns.py" "$UPSTREAM_DNS" 192.0.2.55 &
  track_pid $!
  printf '{"cgroup-driver": "cgroupfs", "dns": ["%s"]}\n' "$UPSTREAM_DNS" >"$TMP/network.json"
  BERTHD_CONFIG=$TMP/network.json start_berthd MAIN
  import_busybox busybox "$MAIN_SOCK"
}

teardown_suite() {
  remove_main_containers
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
  # A bad port spec: refused before anything is made.
  local count
  count=$(berth ps -aq | wc -l)
  rc=0; out=$(berth run -d -p 99999:80 busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "bad host port"
  assert_contains "$out" "invalid hostPort: 99999"
  rc=0; out=$(berth run -d -p 80/sctpx busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "bad protocol"
  assert_contains "$out" "invalid proto: sctpx"
  assert_eq "$(berth ps -aq | wc -l)" "$count" "containers after bad port specs"
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
  # An attach in progress while the network service dies: it goes on.
  # (run without -d: attached to the container's output.)
  berth run --name ticker busybox sh -c 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done' \
    >"$TMP/attach.out" 2>&1 &
  local attach=$!
  track_pid "$attach"
  wait_for 10 grep -q tick "$TMP/attach.out" || fail "attach shows nothing"
  kill -9 "$(service_pid "$MAIN_PID" network)"
  curl -sf "http://127.0.0.1:$port/" -o /dev/null || fail "port lost with the network service"
  local before
  before=$(wc -l <"$TMP/attach.out")
  wait_for 10 sh -c "[ \$(wc -l <$TMP/attach.out) -gt $((before + 5)) ]" || fail "attach stopped with the network service"
  kill -0 "$attach" 2>/dev/null || fail "attach ended"
  kill "$attach" 2>/dev/null || true
  berth rm -f ticker >/dev/null
  wait_for 20 sh -c "$BIN/berth -H $MAIN_SOCK run --rm busybox true" || fail "no new container after the restart"
  kill -9 "$MAIN_PID"
  for service in images snapshots tasks network; do pkill -9 -f "berth-$service --config.*$MAIN_EXEC" || true; done
  curl -sf "http://127.0.0.1:$port/" -o /dev/null || fail "port lost with berthd"
  "$BIN/berthd" --data-root "$MAIN_DATA" --exec-root "$MAIN_EXEC" --config-file "$TMP/network.json" \
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
  # The same fetch by name from the default network: no answer (the name
  # is the user network's), while from the user network it answers.
  [[ -n $(fetch_from server --network backend) ]] || fail "fetch_from by name on the user network"
  [[ -z $(fetch_from server) ]] || fail "the name resolves from the default network too"
  rc=0; out=$(berth network rm backend 2>&1) || rc=$?
  assert_eq "$rc" "1" "rm while in use"
  assert_contains "$out" "has active endpoints"
  # --internal: no way out, not even to the host's side of the bridge.
  berth network create --internal sealed >/dev/null
  local routes
  routes=$(berth run --rm --network sealed busybox ip route)
  assert_contains "$routes" "dev eth0" "routes on an internal network"
  assert_not_contains "$routes" "default" "routes on an internal network"
  rc=0; berth run --rm --network nosuchnet busybox true 2>/dev/null || rc=$?
  assert_eq "$rc" "125" "unknown network"
  berth rm -f server >/dev/null
  berth network rm backend sealed >/dev/null
  ! berth network inspect backend >/dev/null 2>&1 || fail "network still there after rm"
  ! ip link show "br-${id:0:12}" >/dev/null 2>&1 || fail "bridge device left"
}

# Reaches http://TARGET/ from a new container with FLAGS: prints the page.
# (busybox wget -T crashes; timeout needs an init: PID 1 ignores SIGTERM.)
fetch_from() { # target flags...
  local target=$1
  shift
  berth run --rm --init "$@" busybox timeout 3 wget -qO- "http://$target/" 2>/dev/null
}

test_networks_are_isolated_from_each_other() {
  berth network create --subnet 10.232.0.0/24 red >/dev/null
  berth network create --subnet 10.233.0.0/24 blue >/dev/null
  run_httpd red-web --network red >/dev/null
  run_httpd blue-web --network blue >/dev/null
  run_httpd plain-web >/dev/null
  local red_ip blue_ip plain_ip
  red_ip=$(berth inspect -f '{{.NetworkSettings.IPAddress}}' red-web)
  blue_ip=$(berth inspect -f '{{.NetworkSettings.IPAddress}}' blue-web)
  plain_ip=$(berth inspect -f '{{.NetworkSettings.IPAddress}}' plain-web)
  # Within a network: yes (so that a "no" below means isolation).
  [[ -n $(fetch_from "$red_ip" --network red) ]] || fail "red to red"
  [[ -n $(fetch_from "$plain_ip") ]] || fail "bridge to bridge"
  # Across networks, by address: no, in every direction.
  [[ -z $(fetch_from "$blue_ip" --network red) ]] || fail "red reached blue"
  [[ -z $(fetch_from "$red_ip" --network blue) ]] || fail "blue reached red"
  [[ -z $(fetch_from "$red_ip") ]] || fail "the default bridge reached red"
  [[ -z $(fetch_from "$plain_ip" --network red) ]] || fail "red reached the default bridge"
  # The host still reaches every network (published ports rely on it).
  curl -sf --max-time 2 "http://$red_ip/" -o /dev/null || fail "host to red"
  berth rm -f red-web blue-web plain-web >/dev/null
  berth network rm red blue >/dev/null
}

test_containers_reach_the_outside_through_the_hosts_address() {
  # "Outside": a namespace of our own behind a veth pair (TEST-NET-3) with
  # no route back to berth's subnets, so only a masqueraded request gets
  # an answer; its server answers with the address that asked.
  local ns=bo$$ link=bo$$h base host_addr peer_addr
  base=$((RANDOM % 60 * 4))
  host_addr=203.0.113.$((base + 1)) peer_addr=203.0.113.$((base + 2))
  ip netns add "$ns"
  trap "ip link del $link 2>/dev/null; ip netns del $ns 2>/dev/null" EXIT
  ip link add "$link" type veth peer name eth0 netns "$ns"
  ip addr add "$host_addr/30" dev "$link"
  ip link set "$link" up
  ip -n "$ns" addr add "$peer_addr/30" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  ip netns exec "$ns" python3 -c '
import http.server, sys
class Asker(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = self.client_address[0].encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer((sys.argv[1], 80), Asker).serve_forever()' "$peer_addr" >/dev/null 2>&1 &
  local server=$!
  track_pid "$server"
  # The host itself, on the link: the server works.
  wait_for 10 curl -sf "http://$peer_addr/" -o /dev/null || fail "outside server did not start"
  berth network create far >/dev/null
  berth network create --internal walled >/dev/null
  assert_eq "$(fetch_from "$peer_addr")" "$host_addr" "from the default bridge"
  assert_eq "$(fetch_from "$peer_addr" --network far)" "$host_addr" "from a user network"
  [[ -z $(fetch_from "$peer_addr" --network walled) ]] || fail "an internal network reached the outside"
  # One masquerade for the network, none for the container (dockerd's
  # shape; the bridge plugin's ipMasq made a NAT chain per container).
  local id subnet bridge rules
  id=$(berth run -d --network far busybox sleep 300)
  subnet=$(berth network inspect -f '{{json .IPAM.Config}}' far | jq -r '.[0].Subnet')
  bridge=$(berth network inspect far | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  rules=$(iptables-save)
  grep -q -- "-s $subnet ! -o $bridge -j MASQUERADE" <<<"$rules" || fail "no masquerade for far's subnet"
  ! grep -q -- "$id" <<<"$rules" || fail "iptables rules name the container: $(grep -- "$id" <<<"$rules")"
  berth rm -f "$id" >/dev/null
  berth network rm far walled >/dev/null
  kill "$server"
}

test_internal_network_resolves_names_but_has_no_way_out() {
  berth network create --internal sealed2 >/dev/null
  berth network create opened >/dev/null
  local id
  id=$(run_httpd vault --network sealed2)
  # Its members reach each other, by name too (its name server answers).
  assert_eq "$(fetch_from vault --network sealed2)" "${id:0:12}" "by name on an internal network"
  # Names outside berth are not forwarded: nothing leaves. A normal user
  # network's name server forwards the same name upstream.
  local out
  out=$(berth run --rm --network opened busybox nslookup -timeout=2 outside.example 2>&1) ||
    fail "an external name on a normal user network: $out"
  assert_contains "$out" "192.0.2.55" "forwarded answer"
  out=$(berth run --rm --network sealed2 busybox nslookup -timeout=2 outside.example 2>&1) &&
    fail "an external name resolved on an internal network: $out"
  assert_not_contains "$out" "192.0.2.55" "answer on an internal network"
  # The host's services through the gateway: not from an internal network,
  # while from a normal user network they answer.
  local port pid gateway_sealed gateway_open
  port=$(free_port)
  python3 -m http.server "$port" --bind 0.0.0.0 --directory "$TMP" >/dev/null 2>&1 &
  pid=$!
  track_pid "$pid"
  wait_for 10 curl -sf "http://127.0.0.1:$port/" -o /dev/null || fail "host server did not start"
  gateway_sealed=$(berth network inspect -f '{{json .IPAM.Config}}' sealed2 | jq -r '.[0].Gateway')
  gateway_open=$(berth network inspect -f '{{json .IPAM.Config}}' opened | jq -r '.[0].Gateway')
  [[ -n $(fetch_from "$gateway_open:$port" --network opened) ]] || fail "host from a normal network"
  [[ -z $(fetch_from "$gateway_sealed:$port" --network sealed2) ]] || fail "host reached from an internal network"
  kill "$pid"
  berth rm -f vault >/dev/null
  berth network rm sealed2 opened >/dev/null
}

test_connect_and_disconnect_a_running_and_a_stopped_container() {
  berth network create --subnet 10.234.0.0/24 front >/dev/null
  berth network create --subnet 10.235.0.0/24 back >/dev/null
  local db_id
  db_id=$(run_httpd db --network back)
  berth run -d --name app --network front busybox sleep 300 >/dev/null
  local app_pid db_ip
  app_pid=$(berth inspect -f '{{.State.Pid}}' app)
  db_ip=$(berth inspect -f '{{.NetworkSettings.IPAddress}}' db)
  # In app's namespaces (its own busybox), as a process of it would be.
  in_app() { timeout 5 nsenter -t "$app_pid" -n -m "$@"; }
  # Not connected yet: back is out of reach.
  [[ -z $(in_app busybox wget -qO- "http://$db_ip/" 2>/dev/null) ]] || fail "reached back before connect"
  local rc=0 out
  berth network connect --alias app-on-back back app || rc=$?
  assert_eq "$rc" "0" "connect"
  [[ $(berth inspect -f '{{.NetworkSettings.Networks.back.IPAddress}}' app) == 10.235.0.* ]] ||
    fail "inspect: $(berth inspect -f '{{json .NetworkSettings.Networks}}' app)"
  berth network inspect back | grep -q '"Name": "app"' || fail "network inspect lacks app"
  in_app ip -o addr show eth1 | grep -q 'inet 10.235.0.' || fail "no eth1 on back"
  # One way out: the first network's gateway.
  assert_eq "$(in_app ip route | grep -c default)" "1" "default routes"
  # app reaches db over back, by name too (front's name server knows the
  # names of every network app is on); back's members know app's alias.
  assert_eq "$(in_app busybox wget -qO- "http://$db_ip/" 2>/dev/null)" "${db_id:0:12}" "app to db by address"
  assert_eq "$(in_app busybox wget -qO- http://db/ 2>/dev/null)" "${db_id:0:12}" "app to db by name"
  out=$(berth run --rm --network back busybox nslookup app-on-back 2>/dev/null)
  grep -q 'Address.*10\.235\.0\.' <<<"$out" || fail "alias app-on-back not resolved on back: $out"
  berth network connect back app 2>/dev/null && fail "connected twice"
  berth network disconnect back app
  ! in_app ip link show eth1 >/dev/null 2>&1 || fail "eth1 left after disconnect"
  [[ -z $(in_app busybox wget -qO- "http://$db_ip/" 2>/dev/null) ]] || fail "reached back after disconnect"
  assert_not_contains "$(berth inspect -f '{{json .NetworkSettings.Networks}}' app)" '"back"' "inspect after disconnect"
  rc=0; out=$(berth network disconnect back app 2>&1) || rc=$?
  assert_eq "$rc" "1" "disconnect twice"
  assert_contains "$out" "is not connected to network back"
  # A stopped container is connected at its next start.
  berth create --name later --network front busybox sleep 300 >/dev/null
  berth network connect back later
  berth start later >/dev/null
  [[ $(berth inspect -f '{{.NetworkSettings.Networks.back.IPAddress}}' later) == 10.235.0.* ]] ||
    fail "stopped container not connected at start"
  rc=0; out=$(berth network connect nosuch later 2>&1) || rc=$?
  assert_eq "$rc" "1" "unknown network"
  assert_contains "$out" "network nosuch not found"
  rc=0; out=$(berth network connect back nosuchcontainer 2>&1) || rc=$?
  assert_eq "$rc" "1" "unknown container"
  berth rm -f app later db >/dev/null
  berth network rm front back >/dev/null
}

test_containers_started_side_by_side_get_their_own_ports_and_addresses() {
  # The network service runs their CNI plugins in parallel: what they
  # share (ports, addresses, the network's rules) must still be theirs.
  local i fixed
  fixed=$(free_port)
  for i in 1 2 3 4 5; do
    run_httpd "side$i" -p 80 >/dev/null &
  done
  # One asks for a fixed port at the same time as a second one does.
  run_httpd sidefix1 -p "$fixed:80" >"$TMP/sidefix1.out" 2>&1 &
  run_httpd sidefix2 -p "$fixed:80" >"$TMP/sidefix2.out" 2>&1 &
  wait
  local ports ips port
  ports=$(for i in 1 2 3 4 5; do berth port "side$i" | sed 's/.*://'; done)
  ips=$(berth inspect -f '{{.NetworkSettings.IPAddress}}' side1 side2 side3 side4 side5)
  assert_eq "$(sort -u <<<"$ports" | grep -c .)" "5" "distinct host ports: $ports"
  assert_eq "$(sort -u <<<"$ips" | grep -c .)" "5" "distinct addresses: $ips"
  for i in 1 2 3 4 5; do
    port=$(berth port "side$i" | sed 's/.*://')
    wait_for 10 curl -sf "http://127.0.0.1:$port/" -o /dev/null || fail "side$i on $port does not answer"
  done
  # Exactly one of the two got the fixed port; the other was refused.
  local refused
  refused=$(cat "$TMP/sidefix1.out" "$TMP/sidefix2.out" | grep -c "port is already allocated" || true)
  assert_eq "$refused" "1" "one of two on port $fixed refused: $(cat "$TMP"/sidefix*.out)"
  curl -sf "http://127.0.0.1:$fixed/" -o /dev/null || fail "the fixed port does not answer"
  berth rm -f side1 side2 side3 side4 side5 sidefix1 sidefix2 >/dev/null 2>&1 || true
  assert_eq "$(berth ps -aq | wc -l)" "0" "containers left"
}

test_nothing_left_after_every_container_is_gone() {
  # Rules other berthds on this host left (killed in other tests) may name
  # the same addresses: compare with how often they did before.
  local baseline
  baseline=$(iptables-save)
  berth network create leaknet >/dev/null
  run_httpd leak1 -p "$(free_port):80" >/dev/null
  run_httpd leak2 -p 80 >/dev/null
  run_httpd leak3 --network leaknet >/dev/null
  berth network connect leaknet leak1
  local ids ips bridges
  ids=$(berth inspect -f '{{.Id}}' leak1 leak2 leak3)
  ips=$(berth inspect -f '{{json .NetworkSettings.Networks}}' leak1 leak2 leak3 | jq -r '.[].IPAddress')
  bridges=$(berth network ls -q | xargs -r "$BIN/berth" -H "$MAIN_SOCK" network inspect |
    jq -r '.[].Options["com.docker.network.bridge.name"]')
  [[ $(wc -w <<<"$ips") == 4 ]] || fail "addresses: $ips"
  local leak_bridge
  leak_bridge=$(berth network inspect leaknet | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  # (Read whole before grep -q: pipefail would see iptables-save's SIGPIPE.)
  local rules
  rules=$(iptables-save)
  grep -q -- "-o $leak_bridge -j DROP" <<<"$rules" || fail "no isolation rule while leaknet has containers"
  berth rm -f leak1 leak2 leak3 >/dev/null
  assert_eq "$(ls "$MAIN_EXEC/netns" 2>/dev/null | wc -l)" "0" "netns files"
  # Veths on this berthd's bridges (other berthds may run on this host).
  local bridge veths=0
  for bridge in $bridges; do
    veths=$((veths + $(ip -o link show master "$bridge" 2>/dev/null | wc -l)))
  done
  assert_eq "$veths" "0" "veths on berth's bridges"
  # No rule names a container, its address, or (with no container left)
  # one of the bridges: the isolation rules go with the last container.
  local word
  rules=$(iptables-save)
  for word in $ids; do
    ! grep -q -- "$word" <<<"$rules" || fail "iptables rule for container $word left"
  done
  for word in $ips; do
    (($(grep -c -- "$word/" <<<"$rules") <= $(grep -c -- "$word/" <<<"$baseline"))) ||
      fail "iptables rule for address $word left: $(grep -- "$word/" <<<"$rules")"
  done
  for word in $bridges; do
    ! grep -q -- " $word " <<<"$rules" || fail "iptables rule for bridge $word left: $(grep -- " $word " <<<"$rules")"
  done
  # host-local leases: none left in the IPAM store.
  local leases
  leases=$(find "$MAIN_DATA/network/ipam" -type f ! -name 'last_reserved_ip*' ! -name lock 2>/dev/null | wc -l)
  assert_eq "$leases" "0" "IPAM leases"
  berth network rm leaknet >/dev/null
}

run_tests "$@"
