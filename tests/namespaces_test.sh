#!/usr/bin/env bash
# Containers kept apart by namespace, as containerd keeps the kubelet's in
# k8s.io: what `berth --namespace k8s.io` makes, the CLI's default
# namespace and the Docker API can neither see nor touch, while the same
# commands in k8s.io can. Each "cannot" has its "can" beside it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"
source "$(dirname "$0")/docker_lib.sh"

setup_suite() {
  start_berthd MAIN
  import_busybox busybox "$MAIN_SOCK"
  BERTH_NAMESPACE=k8s.io import_busybox busybox "$MAIN_SOCK"
  use_docker_socket
}

teardown_suite() {
  remove_main_containers
  local ids
  ids=$("$BIN/berth" -H "$MAIN_SOCK" --namespace k8s.io ps -aq 2>/dev/null) || return 0
  [[ -z $ids ]] || "$BIN/berth" -H "$MAIN_SOCK" --namespace k8s.io rm -f $ids >/dev/null 2>&1
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }
kube() { "$BIN/berth" -H "$MAIN_SOCK" --namespace k8s.io "$@"; }

# An HTTP request on the Docker API socket: status line, headers, body.
api() { # METHOD PATH
  curl -sS -i --unix-socket "$DOCKER_SOCK" -X "$1" "http://docker$2"
}

# refused REF CMD...: CMD fails with docker's "No such container: REF".
refused() {
  local ref=$1 out rc=0
  shift
  out=$("$@" 2>&1) || rc=$?
  [[ $rc -ne 0 ]] || fail "'$*' succeeded on another namespace's container: $out"
  assert_contains "$out" "No such container: $ref" "'$*'"
}

test_the_default_namespace_cannot_see_or_touch_k8s_containers() {
  local kid cid out
  kid=$(kube run -d --name ns-kube --network none busybox sh -c 'echo hello-kube; sleep 300')
  cid=$(berth run -d --name ns-cli --network none busybox sleep 300)
  wait_for 10 sh -c "'$BIN/berth' -H '$MAIN_SOCK' --namespace k8s.io logs ns-kube | grep -q hello-kube" ||
    fail "no log line from ns-kube"

  # ps: each namespace lists its own.
  out=$(berth ps -a --no-trunc)
  assert_contains "$out" "$cid" "berth ps -a"
  assert_not_contains "$out" "$kid" "berth ps -a"
  assert_not_contains "$out" "ns-kube" "berth ps -a"
  out=$(kube ps -a --no-trunc)
  assert_contains "$out" "$kid" "berth --namespace k8s.io ps -a"
  assert_not_contains "$out" "$cid" "berth --namespace k8s.io ps -a"

  # By name, full id and id prefix: exactly "No such container" from
  # default, for reads and for every change.
  refused ns-kube berth container inspect ns-kube
  refused "$kid" berth container inspect "$kid"
  refused "${kid:0:12}" berth container inspect "${kid:0:12}"
  # The generic inspect, as docker's, knows no such object of any kind.
  local rc=0
  out=$(berth inspect ns-kube 2>&1) || rc=$?
  [[ $rc -ne 0 ]] || fail "berth inspect ns-kube succeeded: $out"
  assert_contains "$out" "No such object: ns-kube"
  refused ns-kube berth logs ns-kube
  refused ns-kube berth exec ns-kube true
  refused ns-kube berth top ns-kube
  refused ns-kube berth stats --no-stream ns-kube
  refused ns-kube berth kill ns-kube
  refused ns-kube berth stop -t 1 ns-kube
  refused ns-kube berth pause ns-kube
  refused ns-kube berth rename ns-kube stolen
  refused ns-kube berth update --memory 64m ns-kube
  refused ns-kube berth cp ns-kube:/etc/passwd "$TMP/passwd"
  refused ns-kube berth rm -f ns-kube
  refused "$kid" berth rm -f "$kid"
  # Positive controls: the same commands on default's own container.
  assert_eq "$(berth inspect -f '{{.State.Running}}' ns-cli)" true "berth inspect ns-cli"
  berth exec ns-cli true
  berth top ns-cli >/dev/null

  # Untouched by all that, and fully usable from k8s.io.
  assert_eq "$(kube inspect -f '{{.State.Running}} {{.Name}}' ns-kube)" "true /ns-kube" \
    "k8s.io inspect after default's attempts"
  assert_eq "$(kube inspect -f '{{.Id}}' "${kid:0:12}")" "$kid" "k8s.io inspect by prefix"
  assert_contains "$(kube logs ns-kube)" hello-kube "k8s.io logs"
  assert_eq "$(kube exec ns-kube echo inside)" inside "k8s.io exec"
  # k8s.io cannot reach default's either.
  refused ns-cli kube container inspect ns-cli
  refused ns-cli kube rm -f ns-cli

  kube stop -t 1 ns-kube >/dev/null
  assert_eq "$(kube inspect -f '{{.State.Running}}' ns-kube)" false "k8s.io stop"
  kube rm ns-kube >/dev/null
  assert_not_contains "$(kube ps -a --no-trunc)" "$kid" "k8s.io ps after rm"
  berth rm -f ns-cli >/dev/null
}

test_prune_and_the_docker_api_leave_k8s_containers_alone() {
  local kid done_cli api_cli out
  kid=$(kube create --name ns-kube-stopped --network none busybox true)
  done_cli=$(berth create --name ns-cli-stopped --network none busybox true)
  api_cli=$(berth create --name ns-cli-api --network none busybox true)

  # Docker API (default): lists default's, never k8s.io's.
  out=$(api GET '/containers/json?all=1')
  assert_contains "$out" "HTTP/1.1 200" "GET /containers/json"
  assert_contains "$out" "$api_cli" "GET /containers/json?all=1"
  assert_not_contains "$out" "$kid" "GET /containers/json?all=1"
  out=$(api GET "/containers/$kid/json")
  assert_contains "$out" "HTTP/1.1 404" "GET /containers/{k8s.io id}/json"
  assert_contains "$out" "No such container: $kid"
  out=$(api DELETE "/containers/$kid?force=1")
  assert_contains "$out" "HTTP/1.1 404" "DELETE /containers/{k8s.io id}"
  assert_contains "$out" "No such container: $kid"
  out=$(api DELETE "/containers/ns-kube-stopped?force=1")
  assert_contains "$out" "HTTP/1.1 404" "DELETE /containers/{k8s.io name}"
  # Positive control: the API deletes default's own.
  out=$(api DELETE "/containers/$api_cli?force=1")
  assert_contains "$out" "HTTP/1.1 204" "DELETE /containers/{default id}"

  # prune in default removes default's stopped containers only.
  out=$(berth container prune -f)
  assert_contains "$out" "$done_cli" "berth container prune -f"
  assert_not_contains "$out" "$kid" "berth container prune -f"
  assert_eq "$(kube inspect -f '{{.State.Status}}' "$kid")" created "k8s.io container after default's prune"
  # And prune in k8s.io removes it.
  out=$(kube container prune -f)
  assert_contains "$out" "$kid" "berth --namespace k8s.io container prune -f"
  refused "$kid" kube container inspect "$kid"
}

test_names_stay_unique_across_namespaces() {
  local out rc=0
  kube create --name ns-taken --network none busybox true >/dev/null
  out=$(berth create --name ns-taken --network none busybox true 2>&1) || rc=$?
  [[ $rc -ne 0 ]] || fail "a second ns-taken was created in default"
  assert_contains "$out" 'The container name "/ns-taken" is already in use'
  # Positive control: a free name is taken in default.
  berth create --name ns-free --network none busybox true >/dev/null
  berth rm ns-free >/dev/null
  kube rm ns-taken >/dev/null
}

test_events_stay_in_their_namespace() {
  local since until out
  since=$(date +%s.%N)
  kube run --name ns-kube-event --network none busybox true
  berth run --name ns-cli-event --network none busybox true
  sleep 0.2
  until=$(date +%s.%N)
  out=$(berth events --since "$since" --until "$until" --filter type=container)
  assert_contains "$out" "name=ns-cli-event" "berth events"
  assert_not_contains "$out" "ns-kube-event" "berth events"
  out=$(kube events --since "$since" --until "$until" --filter type=container)
  assert_contains "$out" "name=ns-kube-event" "berth --namespace k8s.io events"
  assert_not_contains "$out" "ns-cli-event" "berth --namespace k8s.io events"
  # The Docker API's /events works in default.
  out=$(curl -sS --unix-socket "$DOCKER_SOCK" "http://docker/events?since=$since&until=$until")
  assert_contains "$out" '"name":"ns-cli-event"' "GET /events"
  assert_not_contains "$out" "ns-kube-event" "GET /events"
  berth rm ns-cli-event >/dev/null
  kube rm ns-kube-event >/dev/null
}

test_metrics_keep_every_namespace_labelled() {
  local out
  kube run -d --name ns-kube-metrics --network none busybox sleep 300 >/dev/null
  berth run -d --name ns-cli-metrics --network none busybox sleep 300 >/dev/null
  wait_for 20 sh -c "curl -s http://$MAIN_METRICS/metrics | grep -q 'name=\"ns-kube-metrics\"'" ||
    fail "no series for ns-kube-metrics"
  out=$(curl -s "http://$MAIN_METRICS/metrics" | grep '^container_cpu_usage_seconds_total{')
  grep -q 'name="ns-kube-metrics",namespace="k8s.io"' <<<"$out" ||
    fail "ns-kube-metrics is not labelled k8s.io:"$'\n'"$out"
  grep -q 'name="ns-cli-metrics",namespace="default"' <<<"$out" ||
    fail "ns-cli-metrics is not labelled default:"$'\n'"$out"
  kube rm -f ns-kube-metrics >/dev/null
  berth rm -f ns-cli-metrics >/dev/null
}

test_an_image_is_held_by_its_own_namespaces_containers() {
  local out rc=0
  # A commit names its image in the container's namespace (an image of
  # its own: a second name of busybox's would just be untagged).
  kube create --name ns-source --network none busybox true >/dev/null
  kube commit ns-source ns-held:1 >/dev/null
  kube rm ns-source >/dev/null
  assert_contains "$(kube images)" "ns-held" "k8s.io images after commit"
  assert_not_contains "$(berth images)" "ns-held" "default images after a k8s.io commit"
  kube create --name ns-holder --network none ns-held:1 true >/dev/null
  out=$(kube rmi ns-held:1 2>&1) || rc=$?
  [[ $rc -ne 0 ]] || fail "k8s.io rmi removed an image its container uses"
  assert_contains "$out" "conflict: unable to remove repository reference \"ns-held:1\""
  # The name is k8s.io's: default has no such image.
  rc=0
  out=$(berth rmi ns-held:1 2>&1) || rc=$?
  [[ $rc -ne 0 ]] || fail "default removed k8s.io's image name"
  assert_contains "$out" "No such image"
  # Positive control: once the container is gone, the name goes.
  kube rm ns-holder >/dev/null
  kube rmi ns-held:1 >/dev/null
  assert_not_contains "$(kube images)" "ns-held"
}

test_a_malformed_namespace_is_refused_by_tasks() {
  local out rc=0
  out=$(berth --namespace 'bad..name' ps 2>&1) || rc=$?
  [[ $rc -ne 0 ]] || fail "berth --namespace bad..name ps succeeded: $out"
  assert_contains "$out" "invalid namespace name"
  # Positive control: a well-formed namespace nobody used yet is empty.
  assert_eq "$(berth --namespace fresh-ns ps -aq)" "" "ps in an unused namespace"
}

run_tests "$@"
