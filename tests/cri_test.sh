#!/usr/bin/env bash
# The Kubernetes CRI (runtime.v1) on berth-cri's socket, driven by berth's
# own client over the CRI proto (tests/tools/grpc_call: CI has no crictl):
# runtime info, the image service against a real registry, the k8s.io
# namespace that keeps the CRI's images apart from the CLI's, and pod
# sandboxes with their containers on the real kernel and bridge, and the
# streaming server (exec, attach, port-forward) with berth's SPDY client.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

setup_suite() {
  start_registry
  make_image "$TMP/layout" v1 "hello from v1"
  push_image "$TMP/layout" v1 test/busybox:v1
  push_image "$TMP/layout" v1 test/other:v1
  # The pods' image: its own, so that no image case's name is in use by a
  # pod's container.
  make_image "$TMP/layout-pod" pod "hello from the pod"
  push_image "$TMP/layout-pod" pod test/pod:v1
  make_image "$TMP/layout2" v2 "hello from v2"
  push_image "$TMP/layout2" v2 test/busybox:v2
  start_berthd MAIN
  CRI=unix://$MAIN_EXEC/cri.sock
}

teardown_suite() {
  remove_cri_pods
  remove_main_containers
}

# Every pod the CRI knows, removed through the CRI (its containers and
# holders are not the CLI's to remove).
remove_cri_pods() {
  local id
  for id in $(cri RuntimeService/ListPodSandbox '' | awk -F'"' '/^  id: / {print $2}'); do
    cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$id\"" >/dev/null
  done
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# The suite's berthd now (a case may have started it again).
main_pid() { cat "$MAIN_EXEC/berthd.pid"; }

# cri Service/Method [TEXT_REQUEST] [SOCKET]: prints the status line, then
# the response in protobuf text format.
cri() { "$BIN/grpc_call" "${3:-$CRI}" "/runtime.v1.$1" "${2-}"; }

# image_id REF: the id ImageStatus reports, empty when not present.
image_id() {
  cri ImageService/ImageStatus "image { image: \"$1\" }" | awk -F'"' '/^  id: / {print $2}'
}

count_files() { find "$1" -type f | wc -l; }

# pod_image: the pods' image, pulled through the CRI; prints its name.
pod_image() {
  local ref=$REGISTRY/test/pod:v1
  cri ImageService/PullImage "image { image: \"$ref\" }" | grep -q '^OK' || return 1
  echo "$ref"
}

# run_pod NAME [MORE_CONFIG]: runs a pod sandbox, prints its id.
run_pod() {
  local out
  out=$(cri RuntimeService/RunPodSandbox "config { metadata { name: \"$1\" uid: \"uid-$1\"
    namespace: \"testns\" attempt: 1 } hostname: \"$1-host\" ${2-} }")
  if [[ $out != "OK "* ]]; then
    echo "RunPodSandbox $1: $out" >&2
    return 1
  fi
  awk -F'"' '/^pod_sandbox_id: / {print $2}' <<<"$out"
}

# create_container POD NAME [MORE_CONFIG]: prints the new container's id.
create_container() {
  local image out
  image=$(pod_image) || return 1
  out=$(cri RuntimeService/CreateContainer "pod_sandbox_id: \"$1\" config { metadata { name: \"$2\" }
    image { image: \"$image\" } ${3-} }")
  if [[ $out != "OK "* ]]; then
    echo "CreateContainer $2: $out" >&2
    return 1
  fi
  awk -F'"' '/^container_id: / {print $2}' <<<"$out"
}

# start_container ID: starts it, failing loudly.
start_container() {
  local out
  out=$(cri RuntimeService/StartContainer "container_id: \"$1\"")
  [[ $out == "OK "* ]] || fail "StartContainer $1: $out"
}

pod_status() { cri RuntimeService/PodSandboxStatus "pod_sandbox_id: \"$1\" ${2-}"; }
container_status() { cri RuntimeService/ContainerStatus "container_id: \"$1\""; }

# exec_sync ID TIMEOUT ARG...: ExecSync's answer.
exec_sync() {
  local id=$1 timeout=$2 args="" arg
  shift 2
  for arg in "$@"; do args+=" cmd: \"$arg\""; done
  cri RuntimeService/ExecSync "container_id: \"$id\" timeout: $timeout$args"
}

# tasks_list LABEL=VALUE: the tasks service's containers (k8s.io) with
# that label, in text format.
tasks_list() {
  "$BIN/grpc_call" -H berth-namespace=k8s.io "unix://$MAIN_EXEC/tasks.sock" \
    /berth.tasks.v1.Containers/List "all: true filters { key: \"label\" value { values: \"$1\" } }"
}

count_pods() { cri RuntimeService/ListPodSandbox '' | awk '/^items {/ {n++} END {print n + 0}'; }

count_cri_containers() {
  tasks_list "io.berth.cri.kind=container" | awk '/^  id: / {n++} END {print n + 0}'
}

# holder_of POD: the id of the pod's namespace holder (tasks container).
holder_of() {
  tasks_list "io.berth.cri.sandbox-id=$1" |
    awk -F'"' '/^  id: / {id=$2} /io.berth.cri.kind/ {getline; if ($2 == "sandbox") print id}'
}

# The host-side ifindex of a network namespace's eth0 (its veth peer:
# "eth0@if<N>"; /sys/class/net would show the host's, sysfs not remounted).
host_veth_index() {
  nsenter --net="$1" ip -o link show eth0 | sed -n 's/^[0-9]*: eth0@if\([0-9]*\):.*/\1/p'
}

test_version_names_berth_and_v1() {
  local out
  out=$(cri RuntimeService/Version 'version: "v1"')
  assert_contains "$out" "OK "
  assert_contains "$out" 'runtime_name: "berth"'
  assert_contains "$out" 'runtime_api_version: "v1"'
  assert_contains "$out" 'runtime_version: "0.1.0"'
  # Also served on the socket berthd supervises: health and reflection.
  assert_contains "$("$BIN/grpc_call" "$CRI" /grpc.health.v1.Health/Check)" "OK"
}

test_status_follows_the_network_service() {
  local out network
  out=$(cri RuntimeService/Status '')
  assert_contains "$out" "OK "
  [[ $(grep -c 'status: true' <<<"$out") -eq 2 ]] || fail "both conditions true: $out"
  assert_contains "$out" 'type: "RuntimeReady"'
  assert_contains "$out" 'type: "NetworkReady"'
  # A network service that does not answer: NetworkReady false, with the
  # reason the kubelet knows, RuntimeReady still true.
  network=$(service_pid "$(main_pid)" network)
  [[ -n $network ]] || fail "no network service process"
  kill -STOP "$network"
  out=$(cri RuntimeService/Status '')
  kill -CONT "$network"
  assert_contains "$out" "OK "
  assert_contains "$out" 'reason: "NetworkPluginNotReady"'
  assert_contains "$out" 'message: "berth network service is not ready'
  [[ $(grep -c 'status: true' <<<"$out") -eq 1 ]] || fail "only the runtime ready: $out"
  wait_for 10 bash -c "'$BIN/grpc_call' '$CRI' /runtime.v1.RuntimeService/Status '' | grep -c 'status: true' | grep -qx 2" ||
    fail "network not ready again after SIGCONT"
}

test_runtime_config_reports_the_cgroup_driver() {
  local out
  out=$(cri RuntimeService/RuntimeConfig '')
  assert_contains "$out" "OK "
  # The suite's berthd runs the cgroupfs driver (lib.sh's config).
  assert_contains "$out" "cgroup_driver: CGROUPFS"
}

test_pod_cidr_is_kept_across_a_restart_of_berth_cri() {
  local out pid
  out=$(cri RuntimeService/UpdateRuntimeConfig 'runtime_config { network_config { pod_cidr: "10.244.7.0/24" } }')
  assert_contains "$out" "OK "
  out=$(cri RuntimeService/UpdateRuntimeConfig 'runtime_config { network_config { pod_cidr: "10.244.7.0/99" } }')
  assert_contains "$out" "INVALID_ARGUMENT"
  assert_contains "$out" 'invalid pod CIDR "10.244.7.0/99"'
  pid=$(service_pid "$(main_pid)" cri)
  [[ -n $pid ]] || fail "no berth-cri process"
  kill -9 "$pid"
  wait_for 20 bash -c "'$BIN/grpc_call' '$CRI' /runtime.v1.RuntimeService/Version 'version: \"v1\"' | grep -q '^OK'" ||
    fail "berth-cri not restarted"
  [[ $(service_pid "$(main_pid)" cri) != "$pid" ]] || fail "the same berth-cri still runs"
  out=$(cri RuntimeService/Status 'verbose: true')
  assert_contains "$out" '\"podCIDR\":\"10.244.7.0/24\"'
  assert_contains "$out" '\"namespace\":\"k8s.io\"'
}

# stream_url Method REQUEST: the URL Exec, Attach or PortForward answered.
stream_url() {
  local out
  out=$(cri "RuntimeService/$1" "$2")
  [[ $out == "OK "* ]] || { echo "$1: $out" >&2; return 1; }
  awk -F'"' '/^url: / {print $2}' <<<"$out"
}

spdy_exec() { "$RUNFILES/tests/tools/spdy_exec" "$@"; }

# Exec, Attach and PortForward as the kubelet's clients use them: a URL on
# the streaming server, then SPDY/3.1 with the remotecommand and
# portforward protocols (berth's own client: CI has no crictl or kubectl).
test_exec_over_the_streaming_server() {
  local pod ctr url out rc
  pod=$(run_pod streams) || return 1
  ctr=$(create_container "$pod" shell 'command: "sleep" args: "1000"') || return 1
  start_container "$ctr"
  url=$(stream_url Exec "container_id: \"$ctr\" cmd: \"sh\" cmd: \"-c\"
    cmd: \"echo out; echo err >&2; exit 7\" stdout: true stderr: true") || return 1
  [[ $url =~ ^http://127\.0\.0\.1:[0-9]+/exec/[A-Za-z0-9_-]+=*$ ]] || fail "exec url: $url"
  rc=0
  out=$(spdy_exec "$url" 2>"$TMP/exec.err") || rc=$?
  assert_eq "$out" "out" "the command's stdout"
  assert_eq "$(cat "$TMP/exec.err")" "err" "its stderr, apart"
  assert_eq "$rc" 7 "its exit code from the v4 status"
  # A URL is good once, as the kubelet's tokens.
  rc=0
  spdy_exec "$url" >/dev/null 2>"$TMP/exec.err" || rc=$?
  assert_eq "$rc" 125 "a used token"
  assert_contains "$(cat "$TMP/exec.err")" "404"
  # stdin to the command, its end as the command's.
  url=$(stream_url Exec "container_id: \"$ctr\" cmd: \"sh\" cmd: \"-c\"
    cmd: \"cat; echo end\" stdin: true stdout: true stderr: true") || return 1
  out=$(printf 'line one\nline two\n' | spdy_exec -i "$url")
  assert_eq "$out" $'line one\nline two\nend' "stdin in, then its end"
  # A terminal: the process sees one.
  url=$(stream_url Exec "container_id: \"$ctr\" cmd: \"sh\" cmd: \"-c\"
    cmd: \"test -t 1 && echo on-a-tty\" stdout: true tty: true") || return 1
  out=$(spdy_exec -t "$url")
  assert_contains "$out" "on-a-tty"
  # The kubelet's refusals, with nothing made.
  assert_contains "$(cri RuntimeService/Exec "container_id: \"$ctr\" cmd: \"sh\" stdout: true tty: true stderr: true")" \
    "INVALID_ARGUMENT"
  assert_contains "$(cri RuntimeService/Exec "container_id: \"$ctr\" cmd: \"sh\"")" \
    "one of stdin, stdout, or stderr must be set"
  assert_contains "$(cri RuntimeService/Exec 'container_id: "nosuch" cmd: "sh" stdout: true')" "NOT_FOUND"
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
}

test_attach_over_the_streaming_server() {
  local pod ctr url out
  pod=$(run_pod attach) || return 1
  ctr=$(create_container "$pod" echoer 'command: "sh" args: "-c"
    args: "while read l; do echo \"echo:$l\"; done; echo bye" stdin: true stdin_once: true') ||
    return 1
  start_container "$ctr"
  url=$(stream_url Attach "container_id: \"$ctr\" stdin: true stdout: true stderr: true") || return 1
  [[ $url == */attach/* ]] || fail "attach url: $url"
  out=$(printf 'ping\npong\n' | spdy_exec -i "$url")
  assert_eq "$out" $'echo:ping\necho:pong\nbye' "stdin to the container's process, its output back"
  # stdin_once: the client's end of stdin was the process's; it ended.
  wait_for 10 bash -c "'$BIN/grpc_call' '$CRI' /runtime.v1.RuntimeService/ContainerStatus \
    'container_id: \"$ctr\"' | grep -q CONTAINER_EXITED" || fail "the container did not end"
  # Positive control above; a container that is not running has no URL.
  assert_contains "$(cri RuntimeService/Attach "container_id: \"$ctr\" stdout: true")" \
    "FAILED_PRECONDITION"
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
}

test_port_forward_reaches_the_pods_loopback_only() {
  local pod ctr url out rc
  pod=$(run_pod forward) || return 1
  ctr=$(create_container "$pod" web \
    'command: "/bin/busybox" args: "httpd" args: "-f" args: "-p" args: "127.0.0.1:38474" args: "-h" args: "/etc"') ||
    return 1
  start_container "$ctr"
  wait_for 10 bash -c "'$BIN/grpc_call' '$CRI' /runtime.v1.RuntimeService/ExecSync \
    'container_id: \"$ctr\" timeout: 5 cmd: \"busybox\" cmd: \"wget\" cmd: \"-qO-\" cmd: \"http://127.0.0.1:38474/motd\"' |
    grep -q 'hello from the pod'" || fail "the pod's server never answered inside the pod"
  # The host's loopback has no such server: what answers is the pod's.
  ! busybox wget -qO- -T 2 http://127.0.0.1:38474/motd >/dev/null 2>&1 ||
    fail "a server on the host's 127.0.0.1:38474 would make this case meaningless"
  url=$(stream_url PortForward "pod_sandbox_id: \"$pod\" port: 38474") || return 1
  [[ $url == */portforward/* ]] || fail "port-forward url: $url"
  out=$(printf 'GET /motd HTTP/1.0\r\n\r\n' | spdy_exec -p 38474 "$url")
  assert_contains "$out" "200 OK"
  assert_contains "$out" "hello from the pod"
  # A port nobody listens on in the pod: the kubelet's error, on the error
  # stream.
  url=$(stream_url PortForward "pod_sandbox_id: \"$pod\" port: 38475") || return 1
  rc=0
  printf 'x' | spdy_exec -p 38475 "$url" >/dev/null 2>"$TMP/forward.err" || rc=$?
  assert_eq "$rc" 125 "a closed port fails the forward"
  assert_contains "$(cat "$TMP/forward.err")" "error forwarding port 38475 to pod $pod"
  assert_contains "$(cri RuntimeService/PortForward 'pod_sandbox_id: "nosuch"')" "NOT_FOUND"
  cri RuntimeService/StopPodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
  assert_contains "$(cri RuntimeService/PortForward "pod_sandbox_id: \"$pod\"")" "is not running"
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
}

# memory_cgroup_of PID: the directory of its memory cgroup (v1 or v2).
memory_cgroup_of() {
  if [[ -d /sys/fs/cgroup/memory ]]; then
    echo "/sys/fs/cgroup/memory$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' "/proc/$1/cgroup")"
  else
    echo "/sys/fs/cgroup$(awk -F: '$1 == "0" {print $3}' "/proc/$1/cgroup")"
  fi
}

# memory_limit_of CONTAINER: its cgroup's memory limit in bytes.
memory_limit_of() {
  local pid dir
  pid=$(berth --namespace k8s.io inspect -f '{{.State.Pid}}' "$1") || return 1
  dir=$(memory_cgroup_of "$pid")
  if [[ -e $dir/memory.limit_in_bytes ]]; then
    cat "$dir/memory.limit_in_bytes"
  else
    cat "$dir/memory.max"
  fi
}

# stat_value TEXT FIELD: the first "FIELD { value: N }" in a stats answer.
stat_value() { awk -v f="$2" '$1 == f {getline; print $2; exit}' <<<"$1"; }

# The kubelet's statistics (summary API, crictl stats) and its resource
# updates (CPU manager, in-place resize).
test_stats_and_resource_updates() {
  local pod busy idle out cores idle_cores
  pod=$(run_pod stats) || return 1
  busy=$(create_container "$pod" busy 'command: "sh" args: "-c" args: "while :; do :; done"
    linux { resources { memory_limit_in_bytes: 67108864 } }') || return 1
  idle=$(create_container "$pod" idle 'command: "sleep" args: "1000"') || return 1
  start_container "$busy"
  start_container "$idle"
  out=$(cri RuntimeService/ContainerStats "container_id: \"$busy\"")
  assert_contains "$out" "OK "
  assert_contains "$out" "name: \"busy\""
  (($(stat_value "$out" usage_core_nano_seconds) > 0)) || fail "no CPU time: $out"
  (($(stat_value "$out" working_set_bytes) > 0)) || fail "no memory: $out"
  assert_contains "$out" "mountpoint: \"$MAIN_DATA/snapshots/"
  sleep 1
  # usage_nano_cores from the previous sample: the busy loop takes most of
  # a core, the sleeper next to nothing (the positive control).
  cores=$(stat_value "$(cri RuntimeService/ContainerStats "container_id: \"$busy\"")" usage_nano_cores)
  ((cores > 300000000)) || fail "the busy container's nano cores: $cores"
  cri RuntimeService/ContainerStats "container_id: \"$idle\"" >/dev/null
  sleep 1
  idle_cores=$(stat_value "$(cri RuntimeService/ContainerStats "container_id: \"$idle\"")" usage_nano_cores)
  ((idle_cores < 100000000)) || fail "the idle container's nano cores: $idle_cores"
  out=$(cri RuntimeService/ListContainerStats "filter { pod_sandbox_id: \"$pod\" }")
  [[ $(grep -c '^stats {' <<<"$out") -eq 2 ]] || fail "two containers' stats: $out"
  out=$(cri RuntimeService/PodSandboxStats "pod_sandbox_id: \"$pod\"")
  assert_contains "$out" "OK "
  assert_contains "$out" "name: \"eth0\""
  [[ $(grep -c '^    containers {' <<<"$out") -eq 2 ]] || fail "the pod's two containers: $out"
  (($(stat_value "$out" process_count) >= 3)) || fail "the pod's processes: $out"
  assert_contains "$(cri RuntimeService/ListPodSandboxStats '')" "id: \"$pod\""
  # A new memory limit reaches the running container's cgroup.
  assert_eq "$(memory_limit_of "$busy")" 67108864 "the limit it was created with"
  assert_contains "$(cri RuntimeService/UpdateContainerResources "container_id: \"$busy\"
    linux { memory_limit_in_bytes: 134217728 }")" "OK "
  assert_eq "$(memory_limit_of "$busy")" 134217728 "the updated limit"
  assert_contains "$(cri RuntimeService/UpdateContainerResources 'container_id: "nosuch"')" "NOT_FOUND"
  assert_contains "$(cri RuntimeService/ContainerStats 'container_id: "nosuch"')" "NOT_FOUND"
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
}

# GetContainerEvents, as the kubelet's evented PLEG reads it: a pod's and
# its container's lifecycle, in order, with the statuses of the moment.
test_container_events_follow_pods_and_containers() {
  local pod ctr out
  "$BIN/grpc_call" -n 6 "$CRI" /runtime.v1.RuntimeService/GetContainerEvents '' >"$TMP/events.out" &
  local listener=$!
  sleep 1
  pod=$(run_pod events) || return 1
  ctr=$(create_container "$pod" worker 'command: "sleep" args: "1000"') || return 1
  start_container "$ctr"
  cri RuntimeService/StopContainer "container_id: \"$ctr\" timeout: 0" >/dev/null
  cri RuntimeService/RemoveContainer "container_id: \"$ctr\"" >/dev/null
  wait "$listener"
  out=$(cat "$TMP/events.out")
  assert_contains "$out" "OK "
  # The pod's holder: created and started under the pod's id.
  local ids types
  ids=$(awk -F'"' '/^container_id: / {print $2}' <<<"$out" | tr '\n' ' ')
  types=$(awk '/^container_event_type: / {print $2}' <<<"$out" | tr '\n' ' ')
  assert_eq "$ids" "$pod $pod $ctr $ctr $ctr $ctr " "the events' ids"
  # CONTAINER_CREATED_EVENT is the enum's zero, which text format leaves out.
  assert_eq "$types" "CONTAINER_STARTED_EVENT CONTAINER_STARTED_EVENT CONTAINER_STOPPED_EVENT CONTAINER_DELETED_EVENT " \
    "started (pod), created (left out), started, stopped, deleted"
  [[ $(grep -c '^---$' <<<"$out") -eq 6 ]] || fail "six events: $out"
  assert_contains "$out" "pod_sandbox_status {"
  assert_contains "$out" "name: \"worker\""
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
}

test_a_pod_runs_on_the_bridge_and_leaves_nothing_when_removed() {
  local pod out ip subnet holder netns veth
  pod=$(run_pod web) || return 1
  [[ $pod =~ ^[0-9a-f]{64}$ ]] || fail "pod id: $pod"
  out=$(pod_status "$pod")
  assert_contains "$out" "OK "
  # SANDBOX_READY is the enum's zero, which text format leaves out.
  assert_not_contains "$out" "SANDBOX_NOTREADY"
  assert_contains "$out" 'name: "web"'
  assert_contains "$out" 'namespace: "testns"'
  ip=$(awk -F'"' '/^    ip: / {print $2}' <<<"$out")
  subnet=$(berth network inspect bridge | awk -F'"' '/"Subnet"/ {print $4; exit}')
  [[ -n $ip && -n $subnet ]] || fail "pod ip '$ip', bridge subnet '$subnet': $out"
  python3 -c "import ipaddress,sys; sys.exit(ipaddress.ip_address('$ip') not in ipaddress.ip_network('$subnet'))" ||
    fail "pod ip $ip not in the bridge's $subnet"
  out=$(pod_status "$pod" "verbose: true")
  assert_contains "$out" 'key: "info"'
  assert_contains "$out" '\"processStatus\":\"running\"'
  # The holder: a tasks container in k8s.io with its own netns and veth.
  holder=$(holder_of "$pod")
  [[ -n $holder ]] || fail "no namespace holder for the pod: $(tasks_list "io.berth.cri.sandbox-id=$pod")"
  netns=$(tasks_list "io.berth.cri.sandbox-id=$pod" | awk -F'"' '/^  netns_path: / {print $2}')
  [[ -e $netns ]] || fail "the pod's netns $netns does not exist"
  veth=$(host_veth_index "$netns")
  [[ -n $veth ]] || fail "no veth in the pod's netns: $(nsenter --net="$netns" ip -o link)"
  ip -o link | grep -q "^$veth: veth" || fail "the pod's veth (ifindex $veth) is not on the host"
  pgrep -f "berth-shim --bundle $MAIN_EXEC/shims/$holder" >/dev/null || fail "no shim holds the pod"
  # Stop: not ready, the network released; idempotent.
  assert_contains "$(cri RuntimeService/StopPodSandbox "pod_sandbox_id: \"$pod\"")" "OK "
  assert_contains "$(pod_status "$pod")" "state: SANDBOX_NOTREADY"
  assert_contains "$(cri RuntimeService/StopPodSandbox "pod_sandbox_id: \"$pod\"")" "OK "
  # The holder's exit releases its network (as the tasks service does it).
  wait_for 10 bash -c "! ip -o link | grep -q '^$veth: '" || fail "the veth stayed after StopPodSandbox"
  # Remove: nothing of it is left, and removing again is no error.
  assert_contains "$(cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"")" "OK "
  assert_contains "$(pod_status "$pod")" "NOT_FOUND"
  [[ ! -e $netns ]] || fail "the netns $netns stayed"
  [[ -z $(tasks_list "io.berth.cri.sandbox-id=$pod" | grep '^  id: ') ]] || fail "a tasks container stayed"
  ! pgrep -f "berth-shim --bundle $MAIN_EXEC/shims/$holder" >/dev/null || fail "the holder's shim stayed"
  assert_contains "$(cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"")" "OK "
}

# StopPodSandbox while the network service hangs: the stop succeeds at
# once, and the pod's network is released later, even when the service
# that hung is killed with the release it was asked for (berthd starts a
# new one): the tasks service sweeps once it answers again. (Stopped for a
# moment only: other suites may run beside this one.)
test_stop_pod_while_the_network_service_hangs() {
  local pod netns veth network start out took kept=0
  pod=$(run_pod netdown) || return 1
  netns=$(tasks_list "io.berth.cri.sandbox-id=$pod" | awk -F'"' '/^  netns_path: / {print $2}')
  veth=$(host_veth_index "$netns")
  [[ -n $veth ]] || fail "no veth for the pod"
  network=$(pgrep -f "berth-network --config $MAIN_EXEC/daemon.json")
  [[ -n $network ]] || fail "no network service of MAIN"
  kill -STOP "$network"
  start=$SECONDS
  out=$(cri RuntimeService/StopPodSandbox "pod_sandbox_id: \"$pod\"")
  took=$((SECONDS - start))
  # The control that the service was really down: nothing released it.
  sleep 1
  ip -o link | grep -q "^$veth: " && kept=1
  # Killed with the release it was asked for: only a sweep can do it now.
  kill -KILL "$network"
  assert_contains "$out" "OK "
  ((took < 10)) || fail "StopPodSandbox took ${took}s with the network service down"
  assert_contains "$(pod_status "$pod")" "state: SANDBOX_NOTREADY"
  assert_eq "$kept" 1 "the veth while the network service was stopped"
  wait_for 40 bash -c "! ip -o link | grep -q '^$veth: '" ||
    fail "the veth stayed after the network service came back"
  assert_contains "$(cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"")" "OK "
  [[ ! -e $netns ]] || fail "the netns $netns stayed"
}

# A pod's sysctls are set in the pod's network and IPC namespaces, which
# its containers share.
test_pod_sysctls_reach_its_containers() {
  local pod ctr out
  pod=$(run_pod sysctls 'linux { sysctls { key: "net.ipv4.ip_unprivileged_port_start" value: "1024" }
    sysctls { key: "kernel.shmmni" value: "2048" } }') || return 1
  ctr=$(create_container "$pod" reader 'command: "sleep" args: "1000"') || return 1
  start_container "$ctr"
  out=$(exec_sync "$ctr" 10 cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shmmni)
  assert_contains "$out" 'stdout: "1024\n2048\n"'
  # The control: a pod without them has docker's defaults.
  local plain plain_ctr
  plain=$(run_pod nosysctls) || return 1
  plain_ctr=$(create_container "$plain" reader 'command: "sleep" args: "1000"') || return 1
  start_container "$plain_ctr"
  out=$(exec_sync "$plain_ctr" 10 cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
  assert_contains "$out" 'stdout: "0\n"'
  assert_contains "$(cri RuntimeService/RunPodSandbox 'config { metadata { name: "badsysctl" uid: "u" namespace: "n" }
    linux { sysctls { key: "vm.swappiness" value: "1" } } }')" "is not in a separate kernel namespace"
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$plain\"" >/dev/null
}

test_containers_share_their_pods_network_and_hostname() {
  local pod server client out dir=$TMP/pod-share
  mkdir -p "$dir"
  pod=$(run_pod share) || return 1
  server=$(create_container "$pod" server \
    'command: "/bin/busybox" args: "httpd" args: "-f" args: "-p" args: "127.0.0.1:38471" args: "-h" args: "/etc"') ||
    return 1
  client=$(create_container "$pod" client "command: \"sh\" args: \"-c\"
    args: \"busybox hostname >/out/hostname; exec sleep 1000\"
    mounts { container_path: \"/out\" host_path: \"$dir\" }") || return 1
  # Created, not yet running: CONTAINER_CREATED is the zero (left out).
  out=$(container_status "$server")
  assert_contains "$out" "OK "
  assert_not_contains "$out" "state: CONTAINER_RUNNING"
  start_container "$server"
  start_container "$client"
  assert_contains "$(container_status "$server")" "state: CONTAINER_RUNNING"
  wait_for 10 test -s "$dir/hostname" || fail "the container wrote nothing to its mount"
  assert_eq "$(cat "$dir/hostname")" "share-host" "hostname from the pod config"
  # One network namespace: the client reaches the server on 127.0.0.1...
  out=$(exec_sync "$client" 10 busybox wget -qO- http://127.0.0.1:38471/motd)
  assert_contains "$out" "OK "
  assert_contains "$out" 'stdout: "hello from the pod\n"'
  # ...which is not the host's 127.0.0.1.
  ! busybox wget -qO- -T 2 http://127.0.0.1:38471/motd >/dev/null 2>&1 ||
    fail "the pod's loopback server answers on the host's"
  out=$(exec_sync "$server" 10 busybox hostname)
  assert_contains "$out" 'stdout: "share-host\n"'
  # One UTS namespace for the pod (its holder's), not the host's.
  local server_uts client_uts
  server_uts=$(exec_sync "$server" 10 busybox readlink /proc/self/ns/uts | awk -F'"' '/^stdout:/ {print $2}')
  client_uts=$(exec_sync "$client" 10 busybox readlink /proc/self/ns/uts | awk -F'"' '/^stdout:/ {print $2}')
  [[ $server_uts == uts:* ]] || fail "no UTS namespace read: '$server_uts'"
  assert_eq "$client_uts" "$server_uts" "the pod's containers' UTS namespaces"
  [[ $server_uts != "$(readlink /proc/self/ns/uts)\n" ]] || fail "the pod has the host's UTS namespace"
  # Exit codes and stderr come back.
  out=$(exec_sync "$client" 10 sh -c 'echo oops >&2; exit 3')
  assert_contains "$out" 'stderr: "oops\n"'
  assert_contains "$out" "exit_code: 3"
  # The containers list by pod; StopPodSandbox ends them all.
  out=$(cri RuntimeService/ListContainers "filter { pod_sandbox_id: \"$pod\" }")
  [[ $(grep -c '^containers {' <<<"$out") -eq 2 ]] || fail "two containers in the pod: $out"
  assert_contains "$(cri RuntimeService/StopPodSandbox "pod_sandbox_id: \"$pod\"")" "OK "
  assert_contains "$(container_status "$server")" "state: CONTAINER_EXITED"
  assert_contains "$(container_status "$client")" "state: CONTAINER_EXITED"
  assert_contains "$(cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"")" "OK "
  assert_contains "$(container_status "$client")" "NOT_FOUND"
  out=$(cri RuntimeService/ListContainers "filter { pod_sandbox_id: \"$pod\" }")
  assert_eq "$out" "OK " "no container of a removed pod"
}

# The security context's masked and read-only paths replace docker's
# lists; protected after every mount, so a read-only /etc still has the
# kubelet's /etc/hosts (writable) and a read-only /tmp may be a bind.
test_masked_and_readonly_paths_from_the_security_context() {
  local pod ctr plain out dir=$TMP/readonly-tmp
  mkdir -p "$dir"
  pod=$(run_pod protect) || return 1
  ctr=$(create_container "$pod" protected "command: \"sleep\" args: \"1000\"
    mounts { container_path: \"/tmp\" host_path: \"$dir\" }
    linux { security_context { masked_paths: \"/bin/hardlinked\" masked_paths: \"/opt\"
      readonly_paths: \"/etc\" readonly_paths: \"/tmp\" } }") || return 1
  plain=$(create_container "$pod" plain 'command: "sleep" args: "1000"') || return 1
  start_container "$ctr"
  start_container "$plain"
  # A masked file (the image's hard link to busybox): /dev/null, which
  # cannot be run; busybox itself, the same inode, still runs.
  out=$(exec_sync "$ctr" 10 sh -c hardlinked)
  assert_contains "$out" 'stderr: "sh: hardlinked: Permission denied\n"'
  assert_contains "$(exec_sync "$ctr" 10 sh -c 'wc -c </bin/hardlinked; busybox echo busybox-runs')" \
    'stdout: "0\nbusybox-runs\n"'
  assert_not_contains "$(exec_sync "$plain" 10 sh -c 'wc -c </bin/hardlinked')" 'stdout: "0\n"'
  # A masked directory is empty; one not listed keeps its files.
  assert_contains "$(exec_sync "$ctr" 10 sh -c 'ls -A /opt; echo listed')" 'stdout: "listed\n"'
  assert_contains "$(exec_sync "$plain" 10 sh -c 'ls -A /opt; echo listed')" 'stdout: "new\nlisted\n"'
  # Read-only /etc and /tmp; their binds and the rest of the root are not.
  out=$(exec_sync "$ctr" 10 sh -c 'touch /tmp/test')
  assert_contains "$out" 'stderr: "touch: /tmp/test: Read-only file system\n"'
  [[ ! -e $dir/test ]] || fail "written through a read-only /tmp"
  out=$(exec_sync "$ctr" 10 sh -c 'touch /etc/new')
  assert_contains "$out" "Read-only file system"
  assert_contains "$(exec_sync "$ctr" 10 sh -c 'cat /etc/motd; echo ok >>/etc/hosts && touch /made && echo writable')" \
    'stdout: "hello from the pod\nwritable\n"'
  assert_contains "$(exec_sync "$plain" 10 sh -c 'touch /etc/new /made && echo writable')" 'stdout: "writable\n"'
  # The lists replace docker's: /proc/timer_list is masked by default only.
  assert_contains "$(exec_sync "$ctr" 10 sh -c 'head -c 10 /proc/timer_list')" 'stdout: "Timer List"'
  assert_contains "$(exec_sync "$plain" 10 sh -c 'wc -c </proc/timer_list')" 'stdout: "0\n"'
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
}

# A mount's propagation as the kubelet asks it (critest's "Container Mount
# Propagation"): HOST_TO_CONTAINER (rslave) sees what the host mounts
# later, BIDIRECTIONAL (rshared) also sends its own mounts back, PRIVATE
# neither; BIDIRECTIONAL over a private host mount fails the start.
test_mount_propagation_as_the_kubelet_asks() {
  local pod slave shared private out d=$TMP/cri-propagation
  mkdir -p "$d" "$TMP/cri-private-source"
  mount --bind "$d" "$d"
  mount --make-rshared "$d"
  # shellcheck disable=SC2064 # expanded now: the locals are gone at exit
  trap "umount -R -l '$d'" EXIT
  pod=$(run_pod propagation) || return 1
  slave=$(create_container "$pod" slave "command: \"sleep\" args: \"1000\"
    mounts { container_path: \"/mnt\" host_path: \"$d\" propagation: PROPAGATION_HOST_TO_CONTAINER }") || return 1
  shared=$(create_container "$pod" shared "command: \"sleep\" args: \"1000\"
    mounts { container_path: \"/mnt\" host_path: \"$d\" propagation: PROPAGATION_BIDIRECTIONAL }
    linux { security_context { privileged: true } }") || return 1
  private=$(create_container "$pod" private "command: \"sleep\" args: \"1000\"
    mounts { container_path: \"/mnt\" host_path: \"$d\" }") || return 1
  for ctr in "$slave" "$shared" "$private"; do start_container "$ctr"; done
  assert_contains "$(container_status "$slave")" "propagation: PROPAGATION_HOST_TO_CONTAINER"
  mkdir -p "$d/late"
  mount -t tmpfs tmpfs "$d/late"
  touch "$d/late/from-host"
  assert_contains "$(exec_sync "$slave" 10 sh -c 'ls /mnt/late')" 'stdout: "from-host\n"'
  assert_contains "$(exec_sync "$shared" 10 sh -c 'ls /mnt/late')" 'stdout: "from-host\n"'
  assert_contains "$(exec_sync "$private" 10 sh -c 'ls -A /mnt/late; echo listed')" 'stdout: "listed\n"'
  out=$(exec_sync "$shared" 10 sh -c \
    'mkdir /mnt/inner && busybox mount -t tmpfs tmpfs /mnt/inner && touch /mnt/inner/from-container && echo mounted')
  assert_contains "$out" 'stdout: "mounted\n"'
  [[ -e $d/inner/from-container ]] || fail "BIDIRECTIONAL: the container's mount is not on the host"
  # Over a host directory that is not a shared mount: refused at start.
  out=$(create_container "$pod" refused "command: \"sleep\" args: \"1000\"
    mounts { container_path: \"/mnt\" host_path: \"$TMP/cri-private-source\" propagation: PROPAGATION_BIDIRECTIONAL }
    linux { security_context { privileged: true } }") || return 1
  assert_contains "$(cri RuntimeService/StartContainer "container_id: \"$out\"")" \
    "path $TMP/cri-private-source is mounted on $(findmnt -n -o TARGET --target "$TMP/cri-private-source") but it is not a shared mount"
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
}

test_container_exit_status_reason_and_stop() {
  local pod ok bad sleeper trapper out start
  pod=$(run_pod exits) || return 1
  ok=$(create_container "$pod" ok 'command: "true"') || return 1
  bad=$(create_container "$pod" bad 'command: "sh" args: "-c" args: "exit 3"') || return 1
  # PID 1 of its own namespace (the kubelet's default; the proto's, POD,
  # would share the holder's), where sleep ignores SIGTERM.
  sleeper=$(create_container "$pod" sleeper 'command: "sleep" args: "1000"
    labels { key: "role" value: "sleeper" }
    linux { security_context { namespace_options { pid: CONTAINER } } }') || return 1
  # A process that ends on SIGTERM, leaving its child behind in the pod's
  # PID namespace (killed with it).
  trapper=$(create_container "$pod" trapper 'command: "sh" args: "-c"
    args: "trap \"exit 0\" TERM; sleep 1000 & wait"') || return 1
  start_container "$ok"
  start_container "$bad"
  start_container "$sleeper"
  start_container "$trapper"
  wait_for 10 bash -c "'$BIN/grpc_call' '$CRI' /runtime.v1.RuntimeService/ContainerStatus 'container_id: \"$bad\"' | grep -q CONTAINER_EXITED" ||
    fail "the failing container did not exit"
  wait_for 10 bash -c "'$BIN/grpc_call' '$CRI' /runtime.v1.RuntimeService/ContainerStatus 'container_id: \"$ok\"' | grep -q CONTAINER_EXITED" ||
    fail "the succeeding container did not exit"
  out=$(container_status "$bad")
  assert_contains "$out" "exit_code: 3"
  assert_contains "$out" 'reason: "Error"'
  assert_contains "$out" 'name: "bad"'
  assert_contains "$out" "image_ref: \"sha256:"
  grep -q '^  finished_at: [0-9]\{19\}$' <<<"$out" || fail "finished_at in nanoseconds: $out"
  out=$(container_status "$ok")
  assert_contains "$out" 'reason: "Completed"'
  assert_not_contains "$out" "exit_code:"
  # Filters: state and label selector.
  out=$(cri RuntimeService/ListContainers "filter { pod_sandbox_id: \"$pod\" state { state: CONTAINER_RUNNING } }")
  [[ $(grep -c '^containers {' <<<"$out") -eq 2 ]] || fail "two running: $out"
  assert_contains "$out" "id: \"$sleeper\""
  assert_contains "$out" "id: \"$trapper\""
  out=$(cri RuntimeService/ListContainers 'filter { label_selector { key: "role" value: "sleeper" } }')
  assert_contains "$out" "id: \"$sleeper\""
  assert_not_contains "$out" "id: \"$bad\""
  # StopContainer: SIGTERM, and SIGKILL once the timeout has passed.
  start=$SECONDS
  assert_contains "$(cri RuntimeService/StopContainer "container_id: \"$trapper\" timeout: 30")" "OK "
  ((SECONDS - start < 10)) || fail "StopContainer of a process ending on SIGTERM took $((SECONDS - start))s"
  out=$(container_status "$trapper")
  assert_contains "$out" "state: CONTAINER_EXITED"
  assert_contains "$out" 'reason: "Completed"'
  start=$(date +%s%N)
  assert_contains "$(cri RuntimeService/StopContainer "container_id: \"$sleeper\" timeout: 2")" "OK "
  (($(date +%s%N) - start >= 2000000000)) || fail "SIGKILL before the 2s timeout"
  (($(date +%s%N) - start < 15000000000)) || fail "StopContainer with a 2s timeout took long"
  out=$(container_status "$sleeper")
  assert_contains "$out" "state: CONTAINER_EXITED"
  assert_contains "$out" "exit_code: 137"
  assert_contains "$(cri RuntimeService/StopContainer "container_id: \"$sleeper\" timeout: 30")" "OK "
  assert_contains "$(cri RuntimeService/RemoveContainer "container_id: \"$sleeper\"")" "OK "
  assert_contains "$(container_status "$sleeper")" "NOT_FOUND"
  assert_contains "$(cri RuntimeService/RemoveContainer "container_id: \"$sleeper\"")" "OK "
  assert_contains "$(container_status "$bad")" "OK "
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
}

test_container_logs_go_where_the_kubelet_asks() {
  local pod ctr logs=$TMP/pod-logs/testns_logs_uid-logs out
  # The kubelet makes the pod's and the container's log directories.
  mkdir -p "$logs/app"
  pod=$(run_pod logs "log_directory: \"$logs\"") || return 1
  ctr=$(create_container "$pod" app 'command: "sh" args: "-c" args: "echo to-stdout; echo to-stderr >&2"
    log_path: "app/0.log"') || return 1
  start_container "$ctr"
  wait_for 10 bash -c "'$BIN/grpc_call' '$CRI' /runtime.v1.RuntimeService/ContainerStatus 'container_id: \"$ctr\"' | grep -q CONTAINER_EXITED" ||
    fail "the container did not exit"
  out=$(container_status "$ctr")
  assert_contains "$out" "log_path: \"$logs/app/0.log\""
  [[ -f $logs/app/0.log ]] || fail "no log file at $logs/app/0.log: $(ls -R "$logs")"
  out=$(cat "$logs/app/0.log")
  grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+) stdout F to-stdout$' <<<"$out" ||
    fail "no CRI stdout record: $out"
  grep -qE ' stderr F to-stderr$' <<<"$out" || fail "no CRI stderr record: $out"
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
}

test_reopen_container_log_after_the_kubelet_rotates_it() {
  local pod ctr logs=$TMP/pod-logs/testns_rotate_uid-rotate out
  mkdir -p "$logs/app"
  pod=$(run_pod rotate "log_directory: \"$logs\"") || return 1
  ctr=$(create_container "$pod" app 'command: "sh" args: "-c"
    args: "echo before; while [ ! -e /go-flag ]; do sleep 0.1; done; echo after; sleep 100"
    log_path: "app/0.log"') || return 1
  start_container "$ctr"
  wait_for 10 grep -q " stdout F before$" "$logs/app/0.log" || fail "no first record"
  # The kubelet's rotation: rename, then ask for a new file at the path.
  mv "$logs/app/0.log" "$logs/app/0.log.1"
  out=$(cri RuntimeService/ReopenContainerLog "container_id: \"$ctr\"")
  assert_contains "$out" "OK "
  [[ -f $logs/app/0.log ]] || fail "no new file at the log path after the reopen"
  out=$(cri RuntimeService/ExecSync "container_id: \"$ctr\" cmd: \"sh\" cmd: \"-c\" cmd: \": >/go-flag\" timeout: 10")
  assert_contains "$out" "OK " "ExecSync touch"
  wait_for 10 grep -q " stdout F after$" "$logs/app/0.log" ||
    fail "the new output is not in the new file: $(cat "$logs/app/0.log") / rotated: $(cat "$logs/app/0.log.1")"
  assert_not_contains "$(cat "$logs/app/0.log")" "before" "the old record stays in the rotated file"
  assert_contains "$(cat "$logs/app/0.log.1")" " stdout F before"
  assert_not_contains "$(cat "$logs/app/0.log.1")" "after" "nothing new goes to the rotated file"
  # An unknown container is NOT_FOUND; a stopped one cannot be reopened.
  assert_contains "$(cri RuntimeService/ReopenContainerLog 'container_id: "nosuch"')" "NOT_FOUND"
  cri RuntimeService/StopContainer "container_id: \"$ctr\" timeout: 0" >/dev/null
  assert_contains "$(cri RuntimeService/ReopenContainerLog "container_id: \"$ctr\"")" "FAILED_PRECONDITION"
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
}

test_a_failed_run_leaves_no_half_made_pod() {
  local first out pods_before holders
  first=$(run_pod porta 'port_mappings { container_port: 80 host_port: 28472 }') || return 1
  pods_before=$(count_pods)
  # The same hostPort again: the holder's network cannot be made.
  out=$(cri RuntimeService/RunPodSandbox 'config { metadata { name: "portb" uid: "uid-portb"
    namespace: "testns" } port_mappings { container_port: 80 host_port: 28472 } }')
  assert_not_contains "$out" "OK "
  assert_contains "$out" "28472"
  assert_eq "$(count_pods)" "$pods_before" "pods after the failed run"
  holders=$(tasks_list "io.berth.cri.kind=sandbox")
  assert_contains "$holders" "k8s_POD_porta_" "the first pod's holder"
  assert_not_contains "$holders" "k8s_POD_portb_" "the failed pod's holder"
  # The name is free again: once the port is, the same pod runs.
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$first\"" >/dev/null
  run_pod portb 'port_mappings { container_port: 80 host_port: 28472 }' >/dev/null ||
    fail "the pod does not run once its port is free"
  remove_cri_pods
}

test_a_host_network_pod_shares_the_hosts_network() {
  local pod other ctr out bridge
  pod=$(run_pod hostnet 'linux { security_context { namespace_options { network: NODE } } }') || return 1
  out=$(pod_status "$pod")
  assert_not_contains "$out" "SANDBOX_NOTREADY"
  assert_contains "$out" "network: NODE"
  ctr=$(create_container "$pod" app 'command: "sleep" args: "1000"') || return 1
  start_container "$ctr"
  # A bridge pod first: the suite's bridge device exists while a pod is on it
  # (whatever ran before this case), in the host's namespace only.
  other=$(run_pod bridged) || return 1
  bridge=br-$(berth network inspect -f '{{.Id}}' bridge | cut -c1-12)
  ip link show "$bridge" >/dev/null || fail "no bridge $bridge on the host"
  out=$(exec_sync "$ctr" 10 busybox ls /sys/class/net)
  assert_contains "$out" "OK "
  assert_contains "$out" "$bridge" "a host-network pod's interfaces"
  # Positive control: the bridge pod's container does not see it.
  local bridged_ctr
  bridged_ctr=$(create_container "$other" app 'command: "sleep" args: "1000"') || return 1
  start_container "$bridged_ctr"
  out=$(exec_sync "$bridged_ctr" 10 busybox ls /sys/class/net)
  assert_contains "$out" "eth0"
  assert_not_contains "$out" "$bridge" "a bridge pod's interfaces"
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$other\"" >/dev/null
}

# shareProcessNamespace (pid: POD): a pod's containers see each other's
# processes; with the kubelet's default (CONTAINER) each has its own. IPC is the pod's,
# shared by its containers and not with another pod's.
test_pod_containers_share_ipc_and_pid_as_asked() {
  local pod other shared_a shared_b own stranger out
  local pid_pod='linux { security_context { namespace_options { pid: POD } } }'
  pod=$(run_pod nsshare "$pid_pod") || return 1
  shared_a=$(create_container "$pod" a "command: \"sleep\" args: \"31339\" $pid_pod") || return 1
  shared_b=$(create_container "$pod" b "command: \"sleep\" args: \"1000\" $pid_pod") || return 1
  # The kubelet's default; POD is the proto's zero.
  own=$(create_container "$pod" own 'command: "sleep" args: "1000"
    linux { security_context { namespace_options { pid: CONTAINER } } }') || return 1
  start_container "$shared_a"
  start_container "$shared_b"
  start_container "$own"
  out=$(exec_sync "$shared_b" 10 busybox ps -o args)
  assert_contains "$out" "sleep 31339" "pid: POD sees the pod's other container"
  out=$(exec_sync "$own" 10 busybox ps -o args)
  assert_contains "$out" "ps -o args" "ps in its own PID namespace"
  assert_not_contains "$out" "sleep 31339" "pid: CONTAINER"

  out=$(exec_sync "$shared_a" 10 busybox touch /dev/mqueue/pod-queue)
  assert_contains "$out" "OK "
  assert_not_contains "$out" "exit_code:" "touch in /dev/mqueue"
  out=$(exec_sync "$own" 10 busybox ls /dev/mqueue)
  assert_contains "$out" "pod-queue" "the pod's IPC namespace, shared by its containers"
  out=$(exec_sync "$shared_a" 10 sh -c 'echo in-pod-shm > /dev/shm/pod-file')
  assert_not_contains "$out" "exit_code:" "write to /dev/shm"
  out=$(exec_sync "$own" 10 busybox cat /dev/shm/pod-file)
  assert_contains "$out" 'stdout: "in-pod-shm\n"' "the pod's /dev/shm"
  other=$(run_pod nsother) || return 1
  stranger=$(create_container "$other" app 'command: "sleep" args: "1000"') || return 1
  start_container "$stranger"
  out=$(exec_sync "$stranger" 10 sh -c 'busybox ls /dev/mqueue; echo listed')
  assert_contains "$out" "listed" "/dev/mqueue in another pod"
  assert_not_contains "$out" "pod-queue" "another pod's IPC namespace"
  out=$(exec_sync "$stranger" 10 sh -c 'busybox ls /dev/shm; echo listed')
  assert_contains "$out" "listed" "/dev/shm in another pod"
  assert_not_contains "$out" "pod-file" "another pod's /dev/shm"
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$other\"" >/dev/null
}

# The container security context as the kubelet sends it: user, group and
# supplemental groups (for the first process and for execs), a group
# without a user refused, and seccomp: none named is unconfined, as the CRI
# defines it; RuntimeDefault is berth's filter.
test_security_context_users_groups_and_seccomp() {
  local pod image out grouped plain confined logs=$TMP/pod-logs/testns_secctx_uid-secctx
  mkdir -p "$logs"
  pod=$(run_pod secctx "log_directory: \"$logs\"") || return 1
  image=$(pod_image) || return 1
  out=$(cri RuntimeService/CreateContainer "pod_sandbox_id: \"$pod\" config { metadata { name: \"g\" }
    image { image: \"$image\" } linux { security_context { run_as_group { value: 3000 } } } }")
  assert_contains "$out" "INVALID_ARGUMENT"
  assert_contains "$out" 'user group "3000" is specified without user'
  grouped=$(create_container "$pod" grouped 'command: "sh" args: "-c" args: "busybox id -G; exec busybox sleep 1000"
    linux { security_context { run_as_user { value: 1000 } run_as_group { value: 3000 }
    supplemental_groups: 1234 supplemental_groups: 5678 } } log_path: "grouped.log"') || return 1
  start_container "$grouped"
  out=$(exec_sync "$grouped" 10 busybox id)
  assert_contains "$out" 'uid=1000 gid=3000 groups=1234,3000,5678' "an exec's groups"
  wait_for 10 grep -q ' stdout F 3000 1234 5678$' "$logs/grouped.log" ||
    fail "the first process's groups: $(cat "$logs/grouped.log")"

  plain=$(create_container "$pod" plain 'command: "sleep" args: "1000"') || return 1
  confined=$(create_container "$pod" confined 'command: "sleep" args: "1000"
    linux { security_context { seccomp { profile_type: RuntimeDefault } } }') || return 1
  start_container "$plain"
  start_container "$confined"
  out=$(exec_sync "$plain" 10 busybox grep Seccomp: /proc/self/status)
  assert_contains "$out" 'Seccomp:\t0' "no profile named"
  out=$(exec_sync "$confined" 10 busybox grep Seccomp: /proc/self/status)
  assert_contains "$out" 'Seccomp:\t2' "RuntimeDefault"
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
}

test_pods_list_by_id_state_and_labels() {
  local a b out
  a=$(run_pod lista 'labels { key: "app" value: "a" }') || return 1
  b=$(run_pod listb 'labels { key: "app" value: "b" }') || return 1
  out=$(cri RuntimeService/ListPodSandbox 'filter { label_selector { key: "app" value: "a" } }')
  assert_contains "$out" "id: \"$a\""
  assert_not_contains "$out" "id: \"$b\""
  out=$(cri RuntimeService/ListPodSandbox "filter { id: \"${b:0:12}\" }")
  assert_contains "$out" "id: \"$b\""
  assert_not_contains "$out" "id: \"$a\""
  cri RuntimeService/StopPodSandbox "pod_sandbox_id: \"$b\"" >/dev/null
  out=$(cri RuntimeService/ListPodSandbox 'filter { state { state: SANDBOX_NOTREADY } }')
  assert_contains "$out" "id: \"$b\""
  assert_not_contains "$out" "id: \"$a\""
  out=$(cri RuntimeService/ListPodSandbox 'filter { state { state: SANDBOX_READY } }')
  assert_contains "$out" "id: \"$a\""
  assert_not_contains "$out" "id: \"$b\""
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$a\"" >/dev/null
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$b\"" >/dev/null
}

test_bad_requests_get_cri_codes_and_create_nothing() {
  local before out pod
  before=$(count_cri_containers)
  out=$(cri RuntimeService/RunPodSandbox 'config { hostname: "x" }')
  assert_contains "$out" "INVALID_ARGUMENT"
  assert_contains "$out" "metadata"
  out=$(cri RuntimeService/RunPodSandbox 'config { metadata { name: "n" namespace: "x" } }')
  assert_contains "$out" "INVALID_ARGUMENT"
  assert_contains "$out" "metadata.uid"
  out=$(cri RuntimeService/CreateContainer 'pod_sandbox_id: "0123456789ab" config { metadata { name: "c" } image { image: "busybox" } }')
  assert_contains "$out" "NOT_FOUND"
  assert_contains "$(cri RuntimeService/PodSandboxStatus 'pod_sandbox_id: "0123456789ab"')" "NOT_FOUND"
  assert_contains "$(cri RuntimeService/ContainerStatus 'container_id: "0123456789ab"')" "NOT_FOUND"
  assert_contains "$(cri RuntimeService/StartContainer 'container_id: "0123456789ab"')" "NOT_FOUND"
  # Removing what is not there is no error (the kubelet retries removals).
  assert_contains "$(cri RuntimeService/RemovePodSandbox 'pod_sandbox_id: "0123456789ab"')" "OK "
  assert_contains "$(cri RuntimeService/RemoveContainer 'container_id: "0123456789ab"')" "OK "
  pod=$(run_pod badreq) || return 1
  out=$(cri RuntimeService/CreateContainer "pod_sandbox_id: \"$pod\" config { image { image: \"busybox\" } }")
  assert_contains "$out" "INVALID_ARGUMENT"
  out=$(cri RuntimeService/CreateContainer "pod_sandbox_id: \"$pod\" config { metadata { name: \"c\" } image { image: \"no/such:image\" } }")
  assert_contains "$out" "NOT_FOUND"
  assert_eq "$(count_cri_containers)" "$before" "containers made by bad requests"
  # Positive control: a good request in the same pod makes one.
  create_container "$pod" good 'command: "true"' >/dev/null || fail "a good CreateContainer failed"
  assert_eq "$(count_cri_containers)" "$((before + 1))" "the good one"
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
}

test_pods_survive_a_restart_of_berth_cri() {
  local pod ctr pid out
  pod=$(run_pod survivor) || return 1
  ctr=$(create_container "$pod" sleeper 'command: "sleep" args: "1000"') || return 1
  start_container "$ctr"
  pid=$(service_pid "$(main_pid)" cri)
  [[ -n $pid ]] || fail "no berth-cri process"
  kill -9 "$pid"
  wait_for 20 bash -c "'$BIN/grpc_call' '$CRI' /runtime.v1.RuntimeService/Version '' | grep -q '^OK'" ||
    fail "berth-cri not restarted"
  out=$(pod_status "$pod")
  assert_contains "$out" "OK "
  assert_not_contains "$out" "SANDBOX_NOTREADY"
  assert_contains "$(container_status "$ctr")" "state: CONTAINER_RUNNING"
  assert_contains "$(exec_sync "$ctr" 10 echo still-here)" 'stdout: "still-here\n"'
  assert_contains "$(cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"")" "OK "
  assert_contains "$(container_status "$ctr")" "NOT_FOUND"
}

# kill -9 of berthd and every service while a pod runs (a crash of the
# whole daemon): the pod and its container run on, berthd started again
# recovers the CRI's state, and RemovePodSandbox then leaves no netns,
# veth, IP lease, cgroup, mount or shim behind.
test_pods_survive_kill_9_of_berthd_and_leave_nothing() {
  local pod ctr holder netns veth ip pid cgroup service out links
  pod=$(run_pod crashed) || return 1
  ctr=$(create_container "$pod" sleeper 'command: "sleep" args: "1000"') || return 1
  start_container "$ctr"
  holder=$(holder_of "$pod")
  netns=$(tasks_list "io.berth.cri.sandbox-id=$pod" | awk -F'"' '/^  netns_path: / {print $2}' | sort -u)
  veth=$(host_veth_index "$netns")
  ip=$(pod_status "$pod" | awk -F'"' '/^    ip: / {print $2}')
  pid=$(berth --namespace k8s.io inspect -f '{{.State.Pid}}' "$ctr")
  cgroup=$(memory_cgroup_of "$pid")
  [[ -n $holder && -e $netns && -n $veth && -n $ip && -d $cgroup ]] ||
    fail "pod facts: holder '$holder' netns '$netns' veth '$veth' ip '$ip' cgroup '$cgroup'"
  [[ -n $(find "$MAIN_DATA/network/ipam" -type f -name "$ip") ]] || fail "no IPAM lease for $ip"

  kill -9 "$(main_pid)"
  for service in images snapshots tasks network cri dockerapi builder; do
    pkill -9 -f "berth-$service --config.*$MAIN_EXEC" || true
  done
  sleep 0.5
  kill -0 "$pid" || fail "the container died with berthd"
  ip -o link | grep -q "^$veth: veth" || fail "the pod's veth went with berthd"
  "$BIN/berthd" --data-root "$MAIN_DATA" --exec-root "$MAIN_EXEC" --config-file "$TMP/none.json" \
    --metrics-addr "$MAIN_METRICS" >>"$MAIN_LOG" 2>&1 &
  track_pid $!
  wait_for 30 bash -c "'$BIN/grpc_call' '$CRI' /runtime.v1.RuntimeService/Version '' | grep -q '^OK' &&
    '$BIN/berth' -H '$MAIN_SOCK' version >/dev/null 2>&1" || fail "berthd did not come back"
  out=$(pod_status "$pod")
  assert_contains "$out" "OK "
  assert_not_contains "$out" "SANDBOX_NOTREADY"
  assert_contains "$out" "ip: \"$ip\""
  assert_contains "$(container_status "$ctr")" "state: CONTAINER_RUNNING"
  assert_eq "$(berth --namespace k8s.io inspect -f '{{.State.Pid}}' "$ctr")" "$pid" "the same process"
  assert_contains "$(exec_sync "$ctr" 10 echo still-here)" 'stdout: "still-here\n"'

  assert_contains "$(cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"")" "OK "
  ! kill -0 "$pid" 2>/dev/null || fail "the container still runs"
  [[ ! -e $netns ]] || fail "the netns $netns stayed"
  # Read first: under pipefail `! ip | grep -q` passes when grep's early
  # exit kills ip with SIGPIPE.
  links=$(ip -o link)
  ! grep -q "^$veth: " <<<"$links" || fail "the veth stayed"
  [[ -z $(find "$MAIN_DATA/network/ipam" -type f -name "$ip") ]] || fail "the IPAM lease of $ip stayed"
  wait_for 5 test ! -d "$cgroup" || fail "the cgroup $cgroup stayed"
  for id in "$ctr" "$holder"; do
    ! grep -q "$id" /proc/self/mountinfo || fail "a mount of $id stayed"
    ! pgrep -f "berth-shim --bundle $MAIN_EXEC/shims/$id" >/dev/null || fail "the shim of $id stayed"
  done
}

# Containers in their pod's PID namespace leave processes that die only
# when the shim kills them at the container's exit, a moment before the
# cgroup can go (EBUSY): removing the pod still leaves no shim or cgroup.
test_shared_pid_pods_leave_no_shim_or_cgroup() {
  local round pod n id pid ids cgroups=() dir
  local shared='linux { security_context { namespace_options { pid: POD } } }'
  for round in 1 2 3; do
    pod=$(run_pod "sharedpid$round" "$shared") || return 1
    ids=()
    for n in a b c; do
      id=$(create_container "$pod" "$n" "command: \"sh\" args: \"-c\" args: \"while :; do sleep 1; done\" $shared") ||
        return 1
      start_container "$id"
      ids+=("$id")
    done
    for id in "${ids[@]}"; do
      pid=$(berth --namespace k8s.io inspect -f '{{.State.Pid}}' "$id")
      cgroups+=("$(memory_cgroup_of "$pid")")
      pgrep -f "berth-shim --bundle $MAIN_EXEC/shims/$id" >/dev/null || fail "no shim for $id (control)"
    done
    assert_contains "$(cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"")" "OK "
    for id in "${ids[@]}"; do
      # [m]: the pattern must not match this bash -c's own command line.
      wait_for 5 bash -c "! pgrep -f 'berth-shi[m] --bundle $MAIN_EXEC/shims/$id' >/dev/null" ||
        fail "the shim of $id stayed after RemovePodSandbox: $(grep "$id" "$MAIN_LOG" | tail -3)"
    done
  done
  for dir in "${cgroups[@]}"; do
    [[ -n $dir && ! -d $dir ]] || fail "the cgroup $dir stayed"
  done
}

# A cgroup that cannot be removed (here a child cgroup made in it) fails
# Delete, and the tasks service forgets the container all the same: its
# shim goes too rather than wait for no one forever.
test_a_shim_goes_even_when_its_cgroup_cannot() {
  local pod ctr pid dir
  pod=$(run_pod stuckcgroup) || return 1
  ctr=$(create_container "$pod" app 'command: "sleep" args: "1000"') || return 1
  start_container "$ctr"
  pid=$(berth --namespace k8s.io inspect -f '{{.State.Pid}}' "$ctr")
  dir=$(memory_cgroup_of "$pid")
  mkdir "$dir/pinned" || fail "cannot make a child cgroup in $dir"
  pgrep -f "berth-shim --bundle $MAIN_EXEC/shims/$ctr" >/dev/null || fail "no shim for $ctr (control)"
  assert_contains "$(cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"")" "OK "
  # [m]: the pattern must not match this bash -c's own command line.
  wait_for 10 bash -c "! pgrep -f 'berth-shi[m] --bundle $MAIN_EXEC/shims/$ctr' >/dev/null" ||
    fail "the shim of $ctr stayed: $(grep "$ctr" "$MAIN_LOG" | tail -2)"
  assert_contains "$(grep "$ctr" "$MAIN_LOG")" "shim Delete" "the failed removal logged"
  rmdir "$dir/pinned" "$dir"
  for dir in /sys/fs/cgroup/*/berth/"$ctr"; do [[ ! -d $dir ]] || rmdir "$dir"; done
}

test_exec_sync_times_out() {
  local pod ctr out start
  pod=$(run_pod slowexec) || return 1
  ctr=$(create_container "$pod" sleeper 'command: "sleep" args: "1000"') || return 1
  start_container "$ctr"
  start=$SECONDS
  exec_sync "$ctr" 2 sleep 31337 >"$TMP/slowexec.out" &
  local caller=$!
  # Positive control: the command runs while it has time...
  wait_for 5 pgrep -fx "sleep 31337" || fail "the exec's process never ran"
  wait "$caller"
  out=$(cat "$TMP/slowexec.out")
  assert_contains "$out" "DEADLINE_EXCEEDED"
  ((SECONDS - start < 10)) || fail "ExecSync took $((SECONDS - start))s with a 2s timeout"
  # ...and is killed at its timeout, as containerd does.
  wait_for 5 bash -c '! pgrep -fx "sleep 31337"' || fail "the timed-out exec still runs"
  # Positive control: a quick command within its timeout, in the container
  # that still runs.
  assert_contains "$(exec_sync "$ctr" 5 echo done)" 'stdout: "done\n"'
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
}

test_pod_containers_are_not_in_the_clis_ps() {
  local pod ctr
  pod=$(run_pod hidden) || return 1
  ctr=$(create_container "$pod" sleeper 'command: "sleep" args: "1000"') || return 1
  start_container "$ctr"
  # Positive control: the CLI's own container is in its ps.
  berth pull -q "$REGISTRY/test/pod:v1" >/dev/null
  berth run -d --name cli-visible "$REGISTRY/test/pod:v1" sleep 1000 >/dev/null
  assert_contains "$(berth ps -a --no-trunc)" "cli-visible" "the CLI's ps"
  assert_not_contains "$(berth ps -a --no-trunc)" "$ctr" "the CLI's ps"
  assert_not_contains "$(berth ps -a --no-trunc)" "k8s_POD_hidden" "the CLI's ps"
  assert_contains "$(berth --namespace k8s.io ps -a --no-trunc)" "$ctr" "the k8s.io namespace's ps"
  assert_not_contains "$(berth --namespace k8s.io ps -a --no-trunc)" "cli-visible" "the k8s.io namespace's ps"
  # berth pods: the pod as a pod, whatever the CLI's namespace.
  local line
  line=$(berth pods | grep " hidden ")
  assert_contains "$line" "${pod:0:12}"
  assert_contains "$line" "Ready"
  assert_contains "$line" "testns"
  assert_contains "$line" "1/1" "its one container runs"
  assert_contains "$(berth pods -q --no-trunc)" "$pod"
  berth rm -f cli-visible >/dev/null
  cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" >/dev/null
}

test_pull_list_status_and_remove_an_image() {
  local ref=$REGISTRY/test/busybox:v2 out id
  assert_eq "$(image_id "$ref")" "" "not present before the pull"
  out=$(cri ImageService/ImageStatus "image { image: \"$ref\" }")
  assert_eq "$out" "OK " "a missing image is an empty answer, not an error"
  out=$(cri ImageService/PullImage "image { image: \"$ref\" } sandbox_config { metadata { name: \"p\" } }")
  assert_contains "$out" "OK "
  id=$(awk -F'"' '/^image_ref: / {print $2}' <<<"$out")
  [[ $id =~ ^sha256:[0-9a-f]{64}$ ]] || fail "image_ref is not an image id: $out"
  assert_eq "$(image_id "$ref")" "$id" "ImageStatus by name"
  assert_eq "$(image_id "$id")" "$id" "ImageStatus by id"
  assert_eq "$(image_id "${id:7:12}")" "$id" "ImageStatus by short id"
  out=$(cri ImageService/ListImages '')
  assert_contains "$out" "repo_tags: \"$ref\""
  assert_contains "$out" "id: \"$id\""
  assert_contains "$out" "repo_digests: \"$REGISTRY/test/busybox@sha256:"
  out=$(cri ImageService/ListImages "filter { image { image: \"$ref\" } }")
  [[ $(grep -c '^images {' <<<"$out") -eq 1 ]] || fail "filter by name: $out"
  out=$(cri ImageService/ListImages 'filter { image { image: "nothing:here" } }')
  assert_eq "$out" "OK " "filter that names no image"
  out=$(cri ImageService/ImageStatus "image { image: \"$ref\" } verbose: true")
  assert_contains "$out" 'key: "info"'
  assert_contains "$out" '\"chainID\":\"sha256:'
  assert_contains "$out" '\"imageSpec\":{'
  out=$(cri ImageService/RemoveImage "image { image: \"$ref\" }")
  assert_contains "$out" "OK "
  assert_eq "$(image_id "$ref")" "" "gone after RemoveImage"
  # Removing what is not there is no error (the kubelet retries).
  assert_contains "$(cri ImageService/RemoveImage "image { image: \"$ref\" }")" "OK "
  assert_contains "$(cri ImageService/PullImage 'image { image: "" }')" "INVALID_ARGUMENT"
}

test_remove_image_drops_every_name_of_the_image() {
  local id
  cri ImageService/PullImage "image { image: \"$REGISTRY/test/busybox:v1\" }" >/dev/null
  cri ImageService/PullImage "image { image: \"$REGISTRY/test/other:v1\" }" >/dev/null
  id=$(image_id "$REGISTRY/test/other:v1")
  assert_eq "$(image_id "$REGISTRY/test/busybox:v1")" "$id" "two names, one image"
  assert_contains "$(cri ImageService/RemoveImage "image { image: \"$REGISTRY/test/other:v1\" }")" "OK "
  assert_eq "$(image_id "$REGISTRY/test/busybox:v1")" "" "the other name went too"
  assert_eq "$(image_id "$id")" "" "the image went"
}

test_cri_images_are_apart_from_the_cli_and_share_content() {
  local ref=$REGISTRY/test/busybox:v1 blobs snapshots cri_id
  assert_contains "$(cri ImageService/PullImage "image { image: \"$ref\" }")" "OK "
  cri_id=$(image_id "$ref")
  # Not the CLI's image: `berth images` does not list it, the k8s.io
  # namespace does.
  assert_not_contains "$(berth images)" "test/busybox"
  assert_contains "$(berth --namespace k8s.io images)" "$REGISTRY/test/busybox "
  assert_contains "$(BERTH_NAMESPACE=k8s.io "$BIN/berth" -H "$MAIN_SOCK" images)" "$REGISTRY/test/busybox "
  # The same image pulled by the CLI: a second name, no second copy of
  # its blobs or layers.
  blobs=$(count_files "$MAIN_DATA/images/blobs")
  snapshots=$(sqlite3 "$MAIN_DATA/snapshots/meta.db" 'SELECT count(*) FROM snapshots')
  berth pull -q "$ref" >/dev/null
  assert_contains "$(berth images)" "$REGISTRY/test/busybox "
  assert_eq "$(count_files "$MAIN_DATA/images/blobs")" "$blobs" "blobs stored once"
  assert_eq "$(sqlite3 "$MAIN_DATA/snapshots/meta.db" 'SELECT count(*) FROM snapshots')" \
    "$snapshots" "layers unpacked once"
  assert_eq "$(berth image inspect --format '{{.Id}}' "$ref")" "$cri_id" "the same image id"
  # A plain CLI rmi removes the CLI's name only; the CRI's image and its
  # layers stay.
  berth rmi "$ref" >/dev/null
  assert_not_contains "$(berth images)" "test/busybox"
  assert_eq "$(image_id "$ref")" "$cri_id" "the CRI's image survives the CLI's rmi"
  assert_eq "$(count_files "$MAIN_DATA/images/blobs")" "$blobs" "its blobs kept"
  assert_eq "$(sqlite3 "$MAIN_DATA/snapshots/meta.db" 'SELECT count(*) FROM snapshots')" \
    "$snapshots" "its layers kept"
  # And the other way round: the CRI removes its own, and then the content
  # goes since no namespace names it.
  assert_contains "$(cri ImageService/RemoveImage "image { image: \"$ref\" }")" "OK "
  assert_not_contains "$(berth --namespace k8s.io images)" "test/busybox"
  (($(count_files "$MAIN_DATA/images/blobs") < blobs)) || fail "content of the last name not collected"
}

test_a_malformed_namespace_is_refused() {
  local out rc=0
  out=$("$BIN/grpc_call" -H berth-namespace=bad..name "unix://$MAIN_EXEC/images.sock" \
    /berth.images.v1.Images/List '')
  assert_contains "$out" "INVALID_ARGUMENT"
  assert_contains "$out" 'namespace "bad..name": invalid namespace name'
  out=$("$BIN/grpc_call" -H berth-namespace=k8s.io "unix://$MAIN_EXEC/images.sock" \
    /berth.images.v1.Images/List '')
  assert_contains "$out" "OK "
  out=$(berth --namespace 'no/slash' images 2>&1) || rc=$?
  [[ $rc -ne 0 ]] || fail "berth --namespace no/slash images succeeded: $out"
  assert_contains "$out" "invalid namespace name"
}

test_image_fs_info_reports_the_snapshot_filesystem() {
  local out used
  cri ImageService/PullImage "image { image: \"$REGISTRY/test/busybox:v2\" }" >/dev/null
  out=$(cri ImageService/ImageFsInfo '')
  assert_contains "$out" "OK "
  assert_contains "$out" "mountpoint: \"$MAIN_DATA/snapshots/overlayfs\""
  used=$(awk '/used_bytes/ {getline; print $2}' <<<"$out")
  ((used > 100000)) || fail "used bytes of two busybox layers: $out"
  assert_contains "$out" "inodes_used {"
  cri ImageService/RemoveImage "image { image: \"$REGISTRY/test/busybox:v2\" }" >/dev/null
}

test_pull_with_the_kubelets_credentials() {
  local out
  start_private_registry || return 1
  local private=$PRIVATE_REGISTRY
  out=$(cri ImageService/PullImage "image { image: \"$private/private/busybox:v1\" }")
  assert_contains "$out" "UNAUTHENTICATED"
  out=$(cri ImageService/PullImage "image { image: \"$private/private/busybox:v1\" } auth { username: \"alice\" password: \"wrong\" }")
  assert_not_contains "$out" "OK "
  out=$(cri ImageService/PullImage "image { image: \"$private/private/busybox:v1\" } auth { username: \"alice\" password: \"s3cret\" }")
  assert_contains "$out" "OK "
  cri ImageService/RemoveImage "image { image: \"$private/private/busybox:v1\" }" >/dev/null
  # "auth" is base64 of user:password, as the kubelet sends from a pull secret.
  out=$(cri ImageService/PullImage "image { image: \"$private/private/busybox:v1\" } auth { auth: \"$(printf alice:s3cret | base64)\" }")
  assert_contains "$out" "OK "
  out=$(cri ImageService/PullImage "image { image: \"$private/private/busybox:v1\" } auth { auth: \"bm90LWEtcGFpcg==\" }")
  assert_contains "$out" "INVALID_ARGUMENT"
}

# registry-endpoints: a node behind a private mirror pulls registry.k8s.io's
# (or any host's) images from it, and never reaches out to the real host.
test_registry_endpoints_stand_in_for_any_host() {
  cat >"$TMP/endpoints.json" <<EOF
{"registry-endpoints": {"registry.k8s.io": ["http://$REGISTRY"],
                        "quay.io": ["http://127.0.0.1:1"]}}
EOF
  BERTHD_CONFIG=$TMP/endpoints.json start_berthd MIRRORED
  local socket=unix://$MIRRORED_EXEC/cri.sock out
  out=$(cri ImageService/PullImage 'image { image: "registry.k8s.io/test/pod:v1" }' "$socket")
  assert_contains "$out" "OK "
  assert_contains "$out" 'image_ref: "sha256:'
  out=$(cri ImageService/ImageStatus 'image { image: "registry.k8s.io/test/pod:v1" }' "$socket")
  assert_contains "$out" 'repo_tags: "registry.k8s.io/test/pod:v1"'
  # The only endpoint of quay.io is down: the pull fails there, with no
  # try of quay.io itself.
  out=$(cri ImageService/PullImage 'image { image: "quay.io/test/pod:v1" }' "$socket")
  assert_not_contains "$out" "OK "
  assert_contains "$out" "127.0.0.1:1"
  assert_not_contains "$out" "https://quay.io"
  kill -TERM "$MIRRORED_PID"
  wait "$MIRRORED_PID" || true
}

test_cri_socket_key_moves_or_turns_off_the_cri() {
  local dir out
  dir=$(mktemp -d /run/berth-cri.XXXXXX)
  track_dir "$dir"
  start_berthd MOVED --cri-socket "$dir/k8s.sock"
  out=$(cri RuntimeService/Version '' "unix://$dir/k8s.sock")
  assert_contains "$out" 'runtime_name: "berth"'
  assert_eq "$(stat -c %a "$dir/k8s.sock")" "600" "CRI socket mode"
  start_berthd OFF --cri-socket ""
  wait_for 10 grep -q "cri: off" "$OFF_LOG" || fail "no 'cri: off' in the log"
  # berth-cri still runs under berthd (health), serving no CRI.
  assert_contains "$("$BIN/grpc_call" "unix://$OFF_EXEC/cri.sock" /grpc.health.v1.Health/Check)" "OK"
  assert_contains "$(cri RuntimeService/Version '' "unix://$OFF_EXEC/cri.sock")" "UNIMPLEMENTED"
  # berthd stopping takes the moved socket away with its service.
  kill -TERM "$MOVED_PID"
  wait "$MOVED_PID" || true
  [[ ! -e $dir/k8s.sock ]] || fail "the moved CRI socket stayed behind"
  kill -TERM "$OFF_PID"
  wait "$OFF_PID" || true
}

# cri-stream-address "" turns the streaming server off: Exec answers
# UNAVAILABLE with the reason, while ExecSync (no stream) still works.
test_empty_stream_address_turns_streaming_off() {
  local sock pod ctr out image=$REGISTRY/test/pod:v1
  start_berthd NOSTREAM --cri-stream-address ""
  sock=unix://$NOSTREAM_EXEC/cri.sock
  assert_contains "$(cri ImageService/PullImage "image { image: \"$image\" }" "$sock")" "OK "
  out=$(cri RuntimeService/RunPodSandbox 'config { metadata { name: "nostream" uid: "u-nostream"
    namespace: "testns" } linux { security_context { namespace_options { network: NODE } } } }' "$sock")
  pod=$(awk -F'"' '/^pod_sandbox_id: / {print $2}' <<<"$out")
  [[ -n $pod ]] || fail "RunPodSandbox: $out"
  out=$(cri RuntimeService/CreateContainer "pod_sandbox_id: \"$pod\" config { metadata { name: \"c\" }
    image { image: \"$image\" } command: \"sleep\" args: \"1000\" }" "$sock")
  ctr=$(awk -F'"' '/^container_id: / {print $2}' <<<"$out")
  [[ -n $ctr ]] || fail "CreateContainer: $out"
  assert_contains "$(cri RuntimeService/StartContainer "container_id: \"$ctr\"" "$sock")" "OK "
  out=$(cri RuntimeService/Exec "container_id: \"$ctr\" cmd: \"true\" stdout: true" "$sock")
  assert_contains "$out" "UNAVAILABLE"
  assert_contains "$out" "streaming is off (cri-stream-address is empty)"
  out=$(cri RuntimeService/ExecSync "container_id: \"$ctr\" cmd: \"echo\" cmd: \"synced\" timeout: 10" "$sock")
  assert_contains "$out" 'stdout: "synced\n"'
  assert_contains "$(cri RuntimeService/RemovePodSandbox "pod_sandbox_id: \"$pod\"" "$sock")" "OK "
  kill -TERM "$NOSTREAM_PID"
  wait "$NOSTREAM_PID" || true
}

run_tests "$@"
