#!/usr/bin/env bash
# The services' APIs as declared: every filter a List or Prune call
# declares is applied (an unknown key is docker's "invalid filter" error,
# never ignored), image events come through Images.Subscribe and `berth
# events`, and rm -v removes only what docker's rm -v removes. Calls the
# CLI does not make go straight to the RPC with grpc_call.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

setup_suite() {
  start_registry
  start_berthd MAIN --insecure-registry "$REGISTRY"
  import_busybox busybox "$MAIN_SOCK"
}

teardown_suite() {
  remove_main_containers
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# call METHOD [TEXT_REQUEST]: an RPC through berthd; status line, then the
# response in protobuf text format.
call() { "$BIN/grpc_call" "$MAIN_SOCK" "$@"; }

# The names in a network List/Prune answer, sorted, on one line.
names_of() { grep -oE '(^| )name: "[^"]*"|^deleted: "[^"]*"' | sed -E 's/.*"(.*)"/\1/' | sort | tr '\n' ' '; }

# filters { key: K value { values: V } } for each K=V argument.
filters() {
  local arg out=""
  for arg in "$@"; do
    out+="filters { key: \"${arg%%=*}\" value { values: \"${arg#*=}\" } } "
  done
  echo "$out"
}

list_networks() { call /berth.network.v1.Networks/List "$(filters "$@")"; }

test_rm_v_keeps_the_volume_of_volumes_from() {
  local volume out rc=0
  berth create -v /data --name vf-a busybox >/dev/null
  berth create --volumes-from vf-a --name vf-b busybox >/dev/null
  volume=$(berth inspect --format '{{range .Mounts}}{{.Name}}{{end}}' vf-a)
  [[ -n $volume ]] || fail "vf-a has no anonymous volume"
  assert_eq "$(berth inspect --format '{{range .Mounts}}{{.Name}}{{end}}' vf-b)" "$volume" "vf-b's volume"
  out=$(berth rm -v vf-b 2>&1) || rc=$?
  assert_eq "$rc" "0" "rm -v vf-b ($out)"
  assert_eq "$out" "vf-b" "rm -v output"
  berth volume inspect "$volume" >/dev/null || fail "rm -v of vf-b removed vf-a's volume $volume"
  # Positive control: the container that made the volume takes it along.
  out=$(berth rm -v vf-a 2>&1) || fail "rm -v vf-a: $out"
  if berth volume inspect "$volume" >/dev/null 2>&1; then fail "rm -v vf-a left its volume $volume"; fi
  # And a named volume stays with rm -v.
  berth create -v kept:/data --name vf-c busybox >/dev/null
  berth rm -v vf-c >/dev/null
  berth volume inspect kept >/dev/null || fail "rm -v removed the named volume"
  berth volume rm kept >/dev/null
}

test_network_list_filters() {
  local out p1
  berth network create --label env=prod --label tier=web nf-prod >/dev/null
  berth network create --label env=dev nf-dev >/dev/null
  berth network create nf-plain >/dev/null
  # Unfiltered: all of them (the control for every filter below).
  out=$(list_networks)
  assert_contains "$out" "OK"
  assert_eq "$(names_of <<<"$out")" "bridge nf-dev nf-plain nf-prod " "unfiltered"
  assert_eq "$(list_networks name=nf-prod | names_of)" "nf-prod " "name="
  # docker's name= is a regular expression.
  assert_eq "$(list_networks 'name=^nf-(dev|plain)$' | names_of)" "nf-dev nf-plain " "name= regexp"
  p1=$(berth network inspect --format '{{.Id}}' nf-prod)
  assert_eq "$(list_networks "id=${p1:0:10}" | names_of)" "nf-prod " "id="
  assert_eq "$(list_networks label=env | names_of)" "nf-dev nf-prod " "label=env"
  assert_eq "$(list_networks label=env=prod | names_of)" "nf-prod " "label=env=prod"
  # Two labels: both must be there, as docker's MatchKVList.
  out=$(call /berth.network.v1.Networks/List \
    'filters { key: "label" value { values: "env=prod" values: "tier=web" } }')
  assert_eq "$(names_of <<<"$out")" "nf-prod " "label=env=prod and label=tier=web"
  assert_eq "$(list_networks label=env=staging | names_of)" "" "label=env=staging"
  assert_eq "$(list_networks driver=bridge | names_of)" "bridge nf-dev nf-plain nf-prod " "driver=bridge"
  assert_eq "$(list_networks driver=macvlan | names_of)" "" "driver=macvlan"
  assert_eq "$(list_networks type=builtin | names_of)" "bridge " "type=builtin"
  assert_eq "$(list_networks type=custom | names_of)" "nf-dev nf-plain nf-prod " "type=custom"
  # dangling: unused and not pre-defined; a container makes one used.
  berth run -d --name nf-user --network nf-dev busybox sleep 1000 >/dev/null
  assert_eq "$(list_networks dangling=true | names_of)" "nf-plain nf-prod " "dangling=true"
  assert_eq "$(list_networks dangling=false | names_of)" "bridge nf-dev " "dangling=false"
  berth rm -f nf-user >/dev/null
  assert_eq "$(list_networks dangling=true | names_of)" "nf-dev nf-plain nf-prod " "dangling=true after rm"
  out=$(list_networks type=other)
  assert_contains "$out" "INVALID_ARGUMENT invalid filter: 'type'='other'"
  out=$(list_networks dangling=maybe)
  assert_contains "$out" "INVALID_ARGUMENT invalid value for filter 'dangling'"
  out=$(list_networks foo=bar)
  assert_contains "$out" "INVALID_ARGUMENT invalid filter 'foo'"
  berth network rm nf-prod nf-dev nf-plain >/dev/null
}

test_network_prune_filters() {
  local out
  berth network create --label env=prod np-prod >/dev/null
  berth network create --label env=dev np-dev >/dev/null
  berth network create np-plain >/dev/null
  berth network create --label env=prod np-used >/dev/null
  berth run -d --name np-user --network np-used busybox sleep 1000 >/dev/null
  out=$(call /berth.network.v1.Networks/Prune "$(filters foo=bar)")
  assert_contains "$out" "INVALID_ARGUMENT invalid filter 'foo'"
  out=$(call /berth.network.v1.Networks/Prune "$(filters until=soon)")
  assert_contains "$out" "INVALID_ARGUMENT failed to parse value as time or duration"
  # until=1h: only networks created more than an hour ago; none are.
  out=$(call /berth.network.v1.Networks/Prune "$(filters until=1h)")
  assert_contains "$out" "OK"
  assert_eq "$(names_of <<<"$out")" "" "pruned with until=1h"
  # label=env=prod: np-prod only (np-used is in use).
  out=$(call /berth.network.v1.Networks/Prune "$(filters label=env=prod)")
  assert_eq "$(names_of <<<"$out")" "np-prod " "pruned with label=env=prod"
  # label!=env=dev: everything unused without env=dev.
  out=$(call /berth.network.v1.Networks/Prune "$(filters label!=env=dev)")
  assert_eq "$(names_of <<<"$out")" "np-plain " "pruned with label!=env=dev"
  assert_eq "$(list_networks | names_of)" "bridge np-dev np-used " "networks left"
  # until in the past of now prunes the rest that is unused (the control
  # of until=1h above).
  out=$(call /berth.network.v1.Networks/Prune "$(filters until=0s)")
  assert_eq "$(names_of <<<"$out")" "np-dev " "pruned with until=0s"
  berth rm -f np-user >/dev/null
  berth network rm np-used >/dev/null
}

test_snapshot_list_filters() {
  local all committed active layer out id
  id=$(berth create busybox true)
  all=$(call /berth.snapshots.v1.Snapshots/List '')
  assert_contains "$all" "OK"
  committed=$(call /berth.snapshots.v1.Snapshots/List 'filters: "kind==committed"')
  active=$(call /berth.snapshots.v1.Snapshots/List 'filters: "kind==active"')
  assert_contains "$committed" "kind: COMMITTED"
  assert_not_contains "$committed" "kind: ACTIVE"
  assert_contains "$active" "name: \"$id\""
  assert_not_contains "$active" "kind: COMMITTED"
  # parent== of the container's snapshot is the image's top layer.
  layer=$(grep -A2 "name: \"$id\"" <<<"$active" | sed -nE 's/ *parent: "(.*)"/\1/p')
  [[ -n $layer ]] || fail "no parent in: $active"
  out=$(call /berth.snapshots.v1.Snapshots/List "filters: \"parent==$layer\"")
  assert_contains "$out" "name: \"$id\""
  assert_not_contains "$out" "kind: COMMITTED"
  # Two filters: either one lists a snapshot.
  out=$(call /berth.snapshots.v1.Snapshots/List "filters: \"name==$layer\" filters: \"name==$id\"")
  assert_eq "$(grep -c '^info {' <<<"$out")" "2" "snapshots under name==A or name==B"
  # Selectors joined by ',': both must hold.
  out=$(call /berth.snapshots.v1.Snapshots/List "filters: \"kind==committed,name==$id\"")
  assert_not_contains "$out" "name:" "kind==committed,name==ID"
  out=$(call /berth.snapshots.v1.Snapshots/List 'filters: "labels.\"no.such\"==x"')
  assert_contains "$out" "OK"
  assert_not_contains "$out" "name:" "labels filter matching nothing"
  out=$(call /berth.snapshots.v1.Snapshots/List 'filters: "color==red"')
  assert_contains "$out" "INVALID_ARGUMENT invalid filter 'color'"
  berth rm "$id" >/dev/null
}

test_volume_list_filters() {
  local out
  berth volume create --label env=prod vl-prod >/dev/null
  berth volume create --label env=dev vl-dev >/dev/null
  out=$(call /berth.snapshots.v1.Volumes/List "$(filters label=env=prod)")
  assert_eq "$(names_of <<<"$out")" "vl-prod " "volume label=env=prod"
  # Two labels: both must be there (docker's MatchKVList), not either.
  out=$(call /berth.snapshots.v1.Volumes/List \
    'filters { key: "label" value { values: "env=prod" values: "env" } }')
  assert_eq "$(names_of <<<"$out")" "vl-prod " "volume label=env=prod and label=env"
  out=$(call /berth.snapshots.v1.Volumes/List \
    'filters { key: "label" value { values: "env=prod" values: "env=dev" } }')
  assert_eq "$(names_of <<<"$out")" "" "volume label=env=prod and label=env=dev"
  out=$(call /berth.snapshots.v1.Volumes/List "$(filters 'name=^vl-d')")
  assert_eq "$(names_of <<<"$out")" "vl-dev " "volume name= regexp"
  out=$(call /berth.snapshots.v1.Volumes/List "$(filters name=vl-)")
  assert_eq "$(names_of <<<"$out")" "vl-dev vl-prod " "volume name="
  out=$(call /berth.snapshots.v1.Volumes/List "$(filters driver=local name=vl-dev)")
  assert_eq "$(names_of <<<"$out")" "vl-dev " "volume driver= name="
  out=$(call /berth.snapshots.v1.Volumes/List "$(filters dangling=true name=vl-)")
  assert_eq "$(names_of <<<"$out")" "vl-dev vl-prod " "volume dangling=true"
  out=$(call /berth.snapshots.v1.Volumes/List "$(filters foo=bar)")
  assert_contains "$out" "INVALID_ARGUMENT invalid filter 'foo'"
  berth volume rm vl-prod vl-dev >/dev/null
}

test_image_events() {
  local since until events id root
  since=$(date +%s.%N)
  id=$(berth image inspect --format '{{.Id}}' busybox)
  berth tag busybox ev/tagged:1
  berth tag busybox "$REGISTRY/ev/pushed:1"
  berth push "$REGISTRY/ev/pushed:1" >/dev/null
  berth rmi "$REGISTRY/ev/pushed:1" >/dev/null
  berth pull -q "$REGISTRY/ev/pushed:1" >/dev/null
  berth save -o "$TMP/ev.tar" ev/tagged:1
  root=$(mktemp -d)
  echo hi >"$root/file"
  tar -C "$root" -c . | berth import - ev/imported:1 >/dev/null
  berth rmi ev/tagged:1 >/dev/null
  berth run --rm --network none busybox true
  sleep 0.2
  until=$(date +%s.%N)
  events=$(berth events --since "$since" --until "$until")
  assert_contains "$events" "image tag $id (name=ev/tagged:1)"
  assert_contains "$events" "image push $REGISTRY/ev/pushed:1 (name=$REGISTRY/ev/pushed:1)"
  assert_contains "$events" "image untag $id (name=$id)"
  assert_contains "$events" "image pull $REGISTRY/ev/pushed:1 (name=$REGISTRY/ev/pushed:1)"
  assert_contains "$events" "image save $id (name=$id)"
  assert_contains "$events" "image import sha256:"
  # Container events come in the same stream, in time order.
  assert_contains "$events" "container destroy"
  [[ $(sed -E 's/^([^ ]+) .*/\1/' <<<"$events") == $(sed -E 's/^([^ ]+) .*/\1/' <<<"$events" | sort) ]] ||
    fail "events out of time order:"$'\n'"$events"
  # type=image: only image events; type=container: none of them.
  events=$(berth events --since "$since" --until "$until" --filter type=image)
  assert_contains "$events" "image tag $id"
  assert_not_contains "$events" " container "
  events=$(berth events --since "$since" --until "$until" --filter type=container)
  assert_contains "$events" "container destroy"
  assert_not_contains "$events" " image "
  events=$(berth events --since "$since" --until "$until" --filter event=untag --format '{{.Type}} {{.Action}} {{.Actor.ID}}')
  assert_eq "$(sort -u <<<"$events")" "image untag $id" "event=untag"
  # A loaded image: load.
  berth load -i "$TMP/ev.tar" >/dev/null
  events=$(berth events --since "$until" --until "$(date +%s.%N)" --filter type=image)
  assert_contains "$events" "image load $id (name=$id)"
  # rmi of the last name: untag, then delete.
  since=$(date +%s.%N)
  berth rmi ev/imported:1 >/dev/null
  events=$(berth events --since "$since" --until "$(date +%s.%N)" --filter type=image --format '{{.Action}}')
  assert_eq "$(tr '\n' ' ' <<<"$events")" "untag delete " "rmi of an image's last name"
  berth rmi ev/tagged:1 "$REGISTRY/ev/pushed:1" >/dev/null 2>&1 || true
}

run_tests "$@"
