#!/usr/bin/env bash
# The berth CLI as a docker user meets it: unknown commands, the system
# commands and prunes with their prompts and summaries, shell completion,
# DOCKER_* variables, relative bind mounts, system df and images' columns.
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

# run_rc VAR CMD...: CMD's stdout and stderr into VAR, its status into RC.
run_rc() {
  local __var=$1
  shift
  local __out
  __out=$("$@" 2>&1) && RC=0 || RC=$?
  printf -v "$__var" '%s' "$__out"
}

test_unknown_commands_name_themselves() {
  local out
  run_rc out berth compose
  assert_eq "$RC" 125 "berth compose exit code"
  assert_contains "$out" "berth: 'compose' is not a berth command."
  assert_contains "$out" "See 'berth --help'"
  run_rc out berth network bogus
  assert_eq "$RC" 125 "berth network bogus exit code"
  assert_contains "$out" "berth: unknown command: berth network bogus"
  assert_contains "$out" "Run 'berth network --help' for more information"
  assert_not_contains "$out" "subcommand is required"
  run_rc out berth image frob
  assert_eq "$RC" 125 "berth image frob exit code"
  assert_contains "$out" "unknown command: berth image frob"
  # A group alone prints its commands, as docker does, and succeeds.
  run_rc out berth volume
  assert_eq "$RC" 0 "berth volume exit code"
  assert_contains "$out" "Usage:  berth volume COMMAND"
  assert_contains "$out" "  prune "
  assert_not_contains "$out" "subcommand is required"
  # Extra words name the command that refuses them.
  run_rc out berth network ls extra words
  assert_eq "$RC" 1 "network ls with arguments"
  assert_contains "$out" "\"berth network ls\" accepts no arguments."
  # The same commands, spelled right, work.
  run_rc out berth network ls
  assert_eq "$RC" 0 "berth network ls"
  assert_contains "$out" "NETWORK ID"
}

test_system_info_and_events_are_aliases() {
  assert_eq "$(berth system info --format '{{.ServerVersion}}')" "$(berth info --format '{{.ServerVersion}}')" \
    "system info"
  [[ -n $(berth info --format '{{.ServerVersion}}') ]] || fail "info printed no version"
  local id out
  id=$(berth create --name events-alias busybox true)
  out=$(berth system events --since 0 --until "$(($(date +%s) + 1))" --filter "container=$id")
  assert_contains "$out" "container create $id"
  berth rm "$id" >/dev/null
}

test_system_prune_asks_and_keeps_what_is_used() {
  local stopped running out
  stopped=$(berth create busybox true)
  running=$(berth run -d busybox sleep 300)
  berth network create prune-me >/dev/null
  # No answer (stdin at EOF): docker's prompt, and nothing removed.
  out=$(berth system prune </dev/null) || fail "system prune without an answer failed: $out"
  assert_contains "$out" "WARNING! This will remove:
  - all stopped containers
  - all networks not used by at least one container
  - all dangling images
  - unused build cache

Are you sure you want to continue? [y/N] "
  berth inspect "$stopped" >/dev/null || fail "a prune nobody confirmed removed the stopped container"
  berth network inspect prune-me >/dev/null || fail "a prune nobody confirmed removed the network"
  out=$(echo n | berth system prune)
  berth inspect "$stopped" >/dev/null || fail "'n' still pruned"
  # Confirmed: the stopped container and the unused network go, the
  # running container and its image stay.
  out=$(echo y | berth system prune)
  assert_contains "$out" "Deleted Containers:
"
  assert_contains "$out" "$stopped
"
  assert_contains "$out" "Deleted Networks:
"
  assert_contains "$out" "prune-me
"
  assert_contains "$out" "Total reclaimed space: "
  ! berth inspect "$stopped" >/dev/null 2>&1 || fail "stopped container survived the prune"
  ! berth network inspect prune-me >/dev/null 2>&1 || fail "unused network survived the prune"
  assert_eq "$(berth inspect -f '{{.State.Running}}' "$running")" "true" "running container"
  berth image inspect busybox >/dev/null || fail "the image in use was pruned"
  # -f needs no answer; the filters are listed in the prompt.
  out=$(berth system prune -a --volumes --filter label=x=y </dev/null)
  assert_contains "$out" "  - all anonymous volumes not used by at least one container
  - all images without at least one container associated to them
  - all build cache

  Items to be pruned will be filtered with:
  - label=x=y

Are you sure"
  out=$(berth system prune -f </dev/null)
  assert_not_contains "$out" "Are you sure"
  assert_contains "$out" "Total reclaimed space: "
  # image prune -a: the image a container uses stays, an unused one goes.
  berth commit "$running" unused-image:1 >/dev/null
  out=$(berth image prune -a -f)
  assert_contains "$out" "untagged: unused-image:1"
  berth image inspect busybox >/dev/null || fail "image prune -a removed the image of a running container"
  run_rc out berth image prune -f --filter bogus=1
  assert_eq "$RC" 1 "image prune with an unknown filter"
  assert_contains "$out" "invalid filter 'bogus'"
  run_rc out berth system prune -f --volumes --filter until=1h
  assert_eq "$RC" 1 "until with --volumes"
  assert_contains "$out" 'ERROR: The "until" filter is not supported with "--volumes"'
  berth rm -f "$running" >/dev/null
}

test_container_prune_filter_and_summary() {
  local keep drop out
  keep=$(berth create --label keep=yes busybox true)
  drop=$(berth create --label keep=no busybox true)
  out=$(berth container prune </dev/null)
  assert_contains "$out" "WARNING! This will remove all stopped containers."
  berth inspect "$drop" >/dev/null || fail "unconfirmed container prune removed a container"
  out=$(berth container prune -f --filter label=keep=no)
  assert_contains "$out" "Deleted Containers:
$drop

Total reclaimed space: "
  assert_not_contains "$out" "$keep"
  berth inspect "$keep" >/dev/null || fail "the container the filter left out was pruned"
  run_rc out berth container prune -f --filter bogus
  assert_eq "$RC" 125 "bad filter"
  assert_contains "$out" 'invalid argument "bogus" for "--filter" flag'
  run_rc out berth container prune -f --filter color=red
  assert_eq "$RC" 1 "unknown filter key"
  assert_contains "$out" "invalid filter 'color'"
  # until=: only what was created before it; label!=: what lacks the label.
  out=$(berth container prune -f --filter until=1h)
  assert_not_contains "$out" "$keep" "pruned by until=1h"
  berth inspect "$keep" >/dev/null || fail "until=1h pruned a container made just now"
  out=$(berth container prune -f --filter label!=keep=yes)
  assert_not_contains "$out" "$keep" "pruned by label!=keep=yes"
  berth inspect "$keep" >/dev/null || fail "label!=keep=yes pruned the container labelled keep=yes"
  out=$(berth container prune -f --filter "until=$(($(date +%s) + 5))")
  assert_contains "$out" "$keep" "until a time after its creation"
}

test_volume_prune_filter_and_summary() {
  local out
  berth volume create --label team=a vol-a >/dev/null
  berth volume create vol-b >/dev/null
  out=$(berth volume prune -a -f --filter label=team=a)
  assert_contains "$out" "Deleted Volumes:
vol-a

Total reclaimed space: "
  assert_not_contains "$out" "vol-b"
  assert_contains "$(berth volume ls -q)" "vol-b"
  berth volume rm vol-b >/dev/null
}

# docker: a label filter keeps the networks that do not match it.
test_network_prune_label_filter() {
  local out
  berth network create --label prune=yes net-a >/dev/null
  berth network create net-b >/dev/null
  out=$(berth network prune -f --filter label=prune=yes)
  assert_contains "$out" "Deleted Networks:
net-a"
  assert_not_contains "$out" "net-b"
  assert_not_contains "$out" "Total reclaimed space"
  berth network inspect net-b >/dev/null || fail "net-b does not match the filter but was pruned"
  ! berth network inspect net-a >/dev/null 2>&1 || fail "net-a survived"
  berth network rm net-b >/dev/null
}

test_docker_environment_variables() {
  local out
  # Only DOCKER_HOST: berth reaches the daemon it names.
  out=$(env -u BERTH_HOST DOCKER_HOST="$MAIN_SOCK" "$BIN/berth" version --format '{{.Server.Version}}')
  [[ -n $out ]] || fail "no server version through DOCKER_HOST"
  # It is really read: a wrong one fails, and BERTH_HOST wins over it.
  ! env -u BERTH_HOST DOCKER_HOST=unix:///nonexistent/berth.sock "$BIN/berth" ps >/dev/null 2>&1 ||
    fail "a DOCKER_HOST naming no daemon still worked"
  BERTH_HOST="$MAIN_SOCK" DOCKER_HOST=unix:///nonexistent/berth.sock "$BIN/berth" ps >/dev/null ||
    fail "BERTH_HOST did not win over DOCKER_HOST"
  # DOCKER_CONFIG: where the credentials are.
  local docker_config=$TMP/docker-config berth_config=$TMP/berth-config
  mkdir -p "$docker_config" "$berth_config"
  echo '{"auths":{"127.0.0.1:5999":{"auth":"dTpw"}}}' >"$docker_config/config.json"
  out=$(env -u BERTH_CONFIG DOCKER_CONFIG="$docker_config" "$BIN/berth" logout 127.0.0.1:5999)
  assert_contains "$out" "Removing login credentials for 127.0.0.1:5999"
  jq -e '.auths | has("127.0.0.1:5999") | not' "$docker_config/config.json" >/dev/null ||
    fail "credentials still in DOCKER_CONFIG"
  echo '{"auths":{"127.0.0.1:5999":{"auth":"dTpw"}}}' >"$docker_config/config.json"
  out=$(BERTH_CONFIG="$berth_config" DOCKER_CONFIG="$docker_config" "$BIN/berth" logout 127.0.0.1:5999)
  assert_contains "$out" "Not logged in to 127.0.0.1:5999"
  # DOCKER_CERT_PATH: the client certificate's folder (a tcp host wants TLS).
  out=$(env -u BERTH_CERT_PATH DOCKER_CERT_PATH="$TMP/no-certs" "$BIN/berth" -H tcp://127.0.0.1:1 --tlsverify ps 2>&1) &&
    fail "TLS without certificates worked"
  assert_contains "$out" "$TMP/no-certs/ca.pem"
}

test_relative_bind_mounts() {
  local project=$TMP/project out
  mkdir -p "$project/data" "$project/sub"
  echo "from the host" >"$project/data/file"
  out=$(cd "$project" && berth run --rm -v ./data:/x busybox cat /x/file)
  assert_eq "$out" "from the host" "-v ./data"
  out=$(cd "$project/sub" && berth run --rm -v ../data:/y busybox cat /y/file)
  assert_eq "$out" "from the host" "-v ../data"
  out=$(cd "$project" && berth run --rm -v .:/z busybox ls /z)
  assert_contains "$out" "data" "-v ."
  out=$(cd "$project" && berth inspect -f '{{range .Mounts}}{{.Type}} {{.Source}}{{end}}' \
    "$(berth create -v ./data:/x busybox true)")
  assert_eq "$out" "bind $project/data" "inspect of -v ./data"
  # A plain name is still a named volume.
  (cd "$project" && berth run --rm -v relname:/x busybox touch /x/f)
  assert_contains "$(berth volume ls -q)" "relname"
  [[ ! -e $project/relname ]] || fail "a volume name became a host directory"
}

test_system_df_counts_what_is_in_use() {
  start_berthd DF
  import_busybox busybox "$DF_SOCK"
  local df=("$BIN/berth" -H "$DF_SOCK")
  "${df[@]}" run -d --name df-one busybox sleep 300 >/dev/null
  "${df[@]}" run -d --name df-two busybox sleep 300 >/dev/null
  "${df[@]}" create --name df-stopped busybox true >/dev/null
  local out
  out=$("${df[@]}" system df)
  grep -qE '^Images +1 +1 +[0-9.]+[kMG]?B +0B \(0%\)$' <<<"$out" || fail "Images row: $out"
  grep -qE '^Containers +3 +2 ' <<<"$out" || fail "Containers row: $out"
  assert_eq "$("${df[@]}" system df --format '{{.Type}}={{.Active}}' | head -2 | tr '\n' ' ')" \
    "Images=1 Containers=2 " "df --format"
  out=$("${df[@]}" system df -v)
  assert_not_contains "$out" "version"
  assert_contains "$out" "Images space usage:"
  grep -qE '^busybox +latest +[0-9a-f]{12} .* 3$' <<<"$out" || fail "image row with 3 containers: $out"
  assert_contains "$out" "Containers space usage:"
  assert_contains "$out" "CONTAINER ID   IMAGE     COMMAND"
  assert_contains "$out" "df-one"
  assert_contains "$out" "df-stopped"
  assert_contains "$out" "Local Volumes space usage:"
  assert_contains "$out" "Build cache usage: 0B"
  "${df[@]}" rm -f df-one df-two df-stopped >/dev/null
}

test_images_created_of_a_loaded_image() {
  make_image "$TMP/created-layout" v1 "loaded"
  skopeo copy --quiet "oci:$TMP/created-layout:v1" "docker-archive:$TMP/loaded.tar:test/loaded:v1" >/dev/null
  berth load -i "$TMP/loaded.tar" >/dev/null
  # make_image's config says created 2024-01-02T03:04:05Z.
  assert_eq "$(berth images --format '{{.CreatedAt}}' test/loaded)" "2024-01-02T03:04:05Z" "CreatedAt"
  local since
  since=$(berth images --format '{{.CreatedSince}}' test/loaded)
  assert_not_contains "$since" "56 years"
  [[ $since =~ ^([0-9]+|an?)\ (years|months|year|month)\ ago$ ]] || fail "CreatedSince: $since"
}

# The tag first pushed as OCI, pulled, then pushed again as Docker schema 2
# (as `docker push` of the same image does) and pulled: `images --digests`
# shows the digest the second pull printed, beside the first (docker: a
# row per digest).
test_images_digest_is_the_pulled_digest_for_schema2() {
  start_registry
  start_berthd PULL --insecure-registry "$REGISTRY"
  local pull=("$BIN/berth" -H "$PULL_SOCK")
  make_image "$TMP/s2-layout" v1 "schema 2"
  push_image "$TMP/s2-layout" v1 test/s2:v1
  local out first digest listed
  out=$("${pull[@]}" pull "$REGISTRY/test/s2:v1")
  first=$(sed -n 's/^Digest: //p' <<<"$out")
  skopeo copy --quiet --dest-tls-verify=false --format v2s2 "oci:$TMP/s2-layout:v1" \
    "docker://$REGISTRY/test/s2:v1" >/dev/null
  out=$("${pull[@]}" pull "$REGISTRY/test/s2:v1")
  digest=$(sed -n 's/^Digest: //p' <<<"$out")
  [[ $digest == sha256:* && $digest != "$first" ]] || fail "pulls printed '$first' then '$digest'"
  # The registry's own digest of the schema 2 manifest.
  assert_eq "$digest" "sha256:$(curl -sf -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/test/s2/manifests/v1" | sha256sum | cut -d' ' -f1)" "pulled digest"
  listed=$("${pull[@]}" images --digests --format '{{.Tag}} {{.Digest}}' "$REGISTRY/test/s2")
  assert_contains "$listed" "v1 $digest"
  assert_contains "$listed" "v1 $first"
  out=$("${pull[@]}" images --digests "$REGISTRY/test/s2")
  assert_contains "$out" "$digest"
}

# complete_bash WORD...: COMPREPLY of the generated bash script for
# `berth -H MAIN WORD...` (the last word is the one under the cursor).
complete_bash() {
  PATH=$BIN:$PATH bash -c '
    source /dev/stdin
    COMP_WORDS=(berth -H "$0" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _berth
    printf "%s\n" "${COMPREPLY[@]}"' "$MAIN_SOCK" "$@" < <("$BIN/berth" completion bash)
}

test_completion_bash() {
  local running
  running=$(berth run -d --name complete-me busybox sleep 300)
  berth network create complete-net >/dev/null
  assert_contains "$(complete_bash ru)" "run"
  assert_not_contains "$(complete_bash ru)" "stop"
  assert_contains "$(complete_bash run --det)" "--detach"
  assert_contains "$(complete_bash stop '')" "complete-me"
  assert_contains "$(complete_bash run -d '')" "busybox:latest"
  assert_contains "$(complete_bash run --network '')" "complete-net"
  assert_contains "$(complete_bash network rm comp)" "complete-net"
  assert_contains "$(complete_bash network '')" "prune"
  assert_contains "$(complete_bash system '')" "df"
  assert_contains "$(complete_bash system df -)" "--verbose"
  assert_contains "$(complete_bash exec -)" "--interactive"
  assert_contains "$(complete_bash exec '')" "complete-me"
  # Options come from the tree: a flag of another command is not offered.
  assert_not_contains "$(complete_bash ps --)" "--detach"
  assert_contains "$(complete_bash ps --)" "--all"
  berth rm -f "$running" >/dev/null
  berth network rm complete-net >/dev/null
}

test_completion_zsh_and_fish() {
  berth run -d --name shell-me busybox sleep 300 >/dev/null
  command -v zsh >/dev/null || fail "zsh is not installed (deploy/setup installs it)"
  command -v fish >/dev/null || fail "fish is not installed (deploy/setup installs it)"
  "$BIN/berth" completion zsh >"$TMP/_berth"
  zsh -n "$TMP/_berth" || fail "the zsh script does not parse"
  # zsh: the function's candidates, with compadd standing in for the
  # completion system's widgets.
  local out
  out=$(PATH=$BIN:$PATH zsh -f -c '
    compdef() { :; }
    _describe() { local -a c; c=("${(@P)${@[-1]}}"); print -l -- "${c[@]}"; }
    _files() { :; }
    source "$1"
    words=(berth -H "$2" sto); CURRENT=4; _berth
    words=(berth -H "$2" stop ""); CURRENT=5; _berth' zsh "$TMP/_berth" "$MAIN_SOCK")
  assert_contains "$out" "stop:Stop one or more running containers"
  assert_contains "$out" "shell-me:container"
  "$BIN/berth" completion fish >"$TMP/berth.fish"
  fish --no-execute "$TMP/berth.fish" || fail "the fish script does not parse"
  out=$(PATH=$BIN:$PATH fish -c "source $TMP/berth.fish; complete -C 'berth -H $MAIN_SOCK sto'; complete -C 'berth -H $MAIN_SOCK stop '")
  assert_contains "$out" "stop"
  assert_contains "$out" "shell-me"
  berth rm -f shell-me >/dev/null
}

run_tests "$@"
