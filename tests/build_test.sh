#!/usr/bin/env bash
# berth build: Dockerfiles built by berth's builder service (docker's
# classic builder), checked by what the images hold: files, owners, modes,
# whiteouts, config, history and the cache's hits and misses.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

setup_suite() {
  start_registry
  make_image "$TMP/layout" v1 "hello from v1"
  push_image "$TMP/layout" v1 test/base:v1
  start_berthd MAIN --insecure-registry "$REGISTRY"
  import_busybox busybox "$MAIN_SOCK"
}

teardown_suite() { remove_main_containers; }

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# berthd's pid now: a case below starts it again.
main_pid() { cat "$MAIN_EXEC/berthd.pid"; }

# A fresh context directory with the given Dockerfile text.
context() { # name dockerfile-text
  local dir=$TMP/ctx-$1
  rm -rf "$dir"
  mkdir -p "$dir"
  printf '%s\n' "$2" >"$dir/Dockerfile"
  echo "$dir"
}

run_in() { berth run --rm --network none --entrypoint "" "$@"; }

test_every_instruction_lands_in_files_and_config() {
  local dir out config
  dir=$(context all 'ARG BASE=busybox
FROM ${BASE} AS build
ARG VERSION=1.0
RUN mkdir -p /out && echo "version $VERSION" > /out/v && echo gone > /out/gone && echo "app:x:1234:1234::/home/app:/bin/sh" >> /etc/passwd && echo "app:x:1234:" >> /etc/group
RUN rm /out/gone
FROM ${BASE}
MAINTAINER someone@example.com
LABEL org.example.kind="a test" other=1
ENV A=1 B="two words"
ENV LEGACY value with spaces
COPY --from=build /out/ /data/
COPY --from=build /etc/passwd /etc/group /etc/
COPY --chown=app:app --chmod=640 Dockerfile /data/df
COPY --chown=1234 sub/ /data/sub/
ADD pkg.tar.gz /opt/
WORKDIR /srv/app
WORKDIR rel
EXPOSE 80 53/udp 8000-8001
VOLUME ["/vol", "/vol2"]
USER app
STOPSIGNAL SIGUSR1
HEALTHCHECK --interval=5s --retries=2 CMD true
SHELL ["/bin/sh", "-e", "-c"]
ONBUILD RUN echo triggered
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /data/v"]')
  mkdir -p "$dir/sub" "$dir/pkgsrc/pkg"
  echo inner >"$dir/sub/file"
  echo p1 >"$dir/pkgsrc/pkg/one"
  tar -C "$dir/pkgsrc" -czf "$dir/pkg.tar.gz" pkg
  out=$(cd "$dir" && berth build -t every:1 --build-arg VERSION=2.5 --build-arg UNUSED=x \
    --label from.cli=yes . 2>&1) || fail "build failed: $out"
  assert_contains "$out" "Step 1/27 : ARG BASE=busybox"
  assert_contains "$out" "Step 4/27 : RUN mkdir -p /out"
  assert_contains "$out" 'Step 27/27 : LABEL "from.cli"="yes"'
  assert_contains "$out" "[Warning] One or more build-args [UNUSED] were not consumed"
  assert_contains "$out" "Successfully tagged every:1"
  grep -qE '^Successfully built [0-9a-f]{12}$' <<<"$out" || fail "no Successfully built line: $out"
  # The build arg reached RUN; the deleted file is gone.
  assert_eq "$(run_in every:1 cat /data/v)" "version 2.5" "ARG in RUN"
  run_in every:1 test -e /data/gone && fail "/data/gone survived its rm"
  run_in every:1 test -e /data/v || fail "positive control: /data/v missing"
  # Owners and modes: --chown by name (from the image's own passwd) and
  # by number, --chmod, root for the rest; ADD unpacked the tar.
  assert_eq "$(run_in every:1 stat -c '%u:%g %a' /data/df)" "1234:1234 640" "chown/chmod"
  assert_eq "$(run_in every:1 stat -c '%u:%g' /data/sub/file)" "1234:1234" "numeric chown"
  assert_eq "$(run_in every:1 stat -c '%u:%g' /data/v)" "0:0" "COPY --from owner"
  assert_eq "$(run_in every:1 cat /opt/pkg/one)" "p1" "ADD extracts a local tar"
  run_in every:1 test -d /srv/app/rel || fail "WORKDIR not created"
  assert_eq "$(run_in every:1 id -u)" "1234" "USER"
  assert_eq "$(berth run --rm --network none every:1)" "version 2.5" "ENTRYPOINT+CMD"
  config=$(berth inspect -f '{{json .Config}}' every:1)
  python3 - "$config" <<'EOF' || fail "config: $config"
import json, sys
c = json.loads(sys.argv[1])
assert c["Entrypoint"] == ["/bin/sh", "-c"], c["Entrypoint"]
assert c["Cmd"] == ["cat /data/v"], c["Cmd"]
assert "A=1" in c["Env"] and "B=two words" in c["Env"] and "LEGACY=value with spaces" in c["Env"], c["Env"]
assert not any(e.startswith("VERSION=") or e.startswith("UNUSED=") for e in c["Env"]), c["Env"]
assert set(c["ExposedPorts"]) == {"80/tcp", "53/udp", "8000/tcp", "8001/tcp"}, c["ExposedPorts"]
assert set(c["Volumes"]) == {"/vol", "/vol2"}, c["Volumes"]
assert c["WorkingDir"] == "/srv/app/rel", c["WorkingDir"]
assert c["User"] == "app" and c["StopSignal"] == "SIGUSR1"
assert c["Labels"] == {"org.example.kind": "a test", "other": "1", "from.cli": "yes"}, c["Labels"]
assert c["Healthcheck"]["Test"] == ["CMD-SHELL", "true"] and c["Healthcheck"]["Interval"] == 5000000000
assert c["Shell"] == ["/bin/sh", "-e", "-c"], c.get("Shell")
assert c["OnBuild"] == ["RUN echo triggered"], c["OnBuild"]
EOF
  assert_eq "$(berth inspect -f '{{.Author}}' every:1)" "someone@example.com" "MAINTAINER"
  # History: one entry per instruction of the final stage, docker's texts.
  out=$(berth history --no-trunc --format '{{.CreatedBy}}|{{.Size}}' every:1)
  assert_contains "$out" '/bin/sh -c #(nop)  ENV A=1 B=two words|0B'
  assert_contains "$out" '/bin/sh -c #(nop) WORKDIR /srv/app|'
  # Instructions after SHELL are recorded with it, as docker does.
  assert_contains "$out" '/bin/sh -e -c #(nop)  CMD ["cat /data/v"]|0B'
  assert_contains "$out" '/bin/sh -c #(nop) ADD file:'
  grep -q '^/bin/sh -c #(nop) COPY --chown=app:appfile:[0-9a-f]\{64\} in /data/df |' <<<"$out" ||
    fail "COPY history: $out"
}

test_a_fully_cached_rebuild_uses_the_cache_for_every_step() {
  local dir out
  dir=$(context cache 'FROM busybox
ENV X=1
COPY a.txt /a.txt
RUN cat /a.txt > /copy.txt
COPY b.txt /b.txt
CMD ["true"]')
  echo one >"$dir/a.txt"
  echo bee >"$dir/b.txt"
  (cd "$dir" && berth build -q -t cache:1 . >/dev/null) || fail "first build"
  out=$(cd "$dir" && berth build -t cache:1 .) || fail "rebuild: $out"
  assert_eq "$(grep -c ' ---> Using cache' <<<"$out")" "5" "cached steps: $out"
  assert_not_contains "$out" "Running in"
  # A touched but unchanged file still hits; a changed one misses from its
  # step on.
  touch "$dir/a.txt"
  out=$(cd "$dir" && berth build -t cache:1 .)
  assert_eq "$(grep -c ' ---> Using cache' <<<"$out")" "5" "after touch: $out"
  echo two >"$dir/a.txt"
  out=$(cd "$dir" && berth build -t cache:1 .)
  assert_eq "$(grep -c ' ---> Using cache' <<<"$out")" "1" "after a change: $out"
  assert_contains "$out" "Running in"
  assert_eq "$(run_in cache:1 cat /copy.txt)" "two" "the changed file was used"
  out=$(cd "$dir" && berth build --no-cache -t cache:1 .)
  assert_not_contains "$out" "Using cache"
  # The cache lives in the builder's database: it survives the service.
  local builder
  local berthd
  berthd=$(main_pid)
  builder=$(service_pid "$berthd" builder)
  [[ -n $builder ]] || fail "no builder process"
  kill -9 "$builder"
  wait_for 30 bash -c "[[ -n \$(pgrep -P $berthd -f '[b]erth-builder') && \$(pgrep -P $berthd -f '[b]erth-builder') != $builder ]]" ||
    fail "builder not restarted"
  out=$(cd "$dir" && wait_for 30 "$BIN/berth" -H "$MAIN_SOCK" build -t cache:1 . >/dev/null &&
    berth build -t cache:1 .)
  assert_eq "$(grep -c ' ---> Using cache' <<<"$out")" "5" "after a restart: $out"
  # Without the cache, --cache-from finds the steps in the image's chain.
  berth builder prune -f >/dev/null
  out=$(cd "$dir" && berth build -t cache:1 .)
  assert_eq "$(grep -c ' ---> Using cache' <<<"$out")" "0" "after prune: $out"
  out=$(cd "$dir" && berth build --cache-from cache:1 -t cache:2 .)
  assert_eq "$(grep -c ' ---> Using cache' <<<"$out")" "5" "--cache-from: $out"
  out=$(cd "$dir" && berth build --cache-from busybox -t cache:3 .)
  assert_eq "$(grep -c ' ---> Using cache' <<<"$out")" "0" "--cache-from another chain: $out"
  # --platform: the host's only.
  (cd "$dir" && berth build -q --platform "linux/$(dpkg --print-architecture)" . >/dev/null) ||
    fail "the host's platform refused"
  out=$(cd "$dir" && berth build --platform linux/s390x . 2>&1) && fail "another platform built"
  assert_contains "$out" "builds for this host's platform"
}

test_a_failing_run_is_dockers_error_and_leaves_nothing() {
  local dir out rc
  dir=$(context fail 'FROM busybox
RUN echo before
RUN false
RUN echo never')
  out=$(cd "$dir" && berth build -t failed:1 . 2>&1) && rc=0 || rc=$?
  assert_eq "$rc" "1" "exit code: $out"
  assert_contains "$out" "The command '/bin/sh -c false' returned a non-zero code: 1"
  assert_not_contains "$out" "never"
  # -q shows nothing but the id, unless the build fails: then its log.
  out=$(cd "$dir" && berth build -q . 2>&1) && fail "-q: a failing build passed"
  assert_contains "$out" "Step 2/4 : RUN echo before"
  assert_contains "$out" "The command '/bin/sh -c false' returned a non-zero code: 1"
  berth image inspect failed:1 >/dev/null 2>&1 && fail "a failed build tagged its image"
  assert_eq "$(berth ps -aq)" "" "intermediate containers left"
  # A JSON-form RUN names its command as docker does.
  dir=$(context failjson 'FROM busybox
RUN ["sh", "-c", "exit 3"]')
  out=$(cd "$dir" && berth build . 2>&1) && fail "exit 3 built"
  assert_contains "$out" "The command 'sh -c exit 3' returned a non-zero code: 3"
}

test_a_deleted_file_is_a_whiteout_in_its_layer() {
  local dir
  dir=$(context whiteout 'FROM busybox
RUN rm /bin/vi && echo kept > /kept')
  (cd "$dir" && berth build -q -t whiteout:1 . >/dev/null) || fail "build"
  run_in busybox test -e /bin/vi || fail "positive control: busybox has /bin/vi"
  run_in whiteout:1 test -e /bin/vi && fail "/bin/vi still there"
  # The layer itself carries docker's whiteout entry.
  mkdir -p "$TMP/wh" && berth save whiteout:1 | tar -x -C "$TMP/wh"
  local layer
  layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][-1])' "$TMP/wh/manifest.json")
  tar -tzf "$TMP/wh/$layer" 2>/dev/null | grep -qx 'bin/.wh.vi' || tar -tf "$TMP/wh/$layer" | grep -qx 'bin/.wh.vi' ||
    fail "no bin/.wh.vi in the layer: $(tar -tf "$TMP/wh/$layer" 2>&1 | head)"
}

test_dockerignore_and_context_boundaries() {
  local dir out
  dir=$(context ignore 'FROM busybox
COPY . /ctx/')
  mkdir -p "$dir/logs/tmp" "$dir/deep/a/tmp"
  echo x >"$dir/app.log"
  echo y >"$dir/keep.log"
  echo z >"$dir/deep/a/tmp/junk"
  echo w >"$dir/deep/a/real"
  printf '*.log\n!keep.log\n**/tmp\n' >"$dir/.dockerignore"
  (cd "$dir" && berth build -q -t ignore:1 . >/dev/null) || fail "build"
  out=$(run_in ignore:1 find /ctx | sort)
  assert_contains "$out" "/ctx/keep.log"
  assert_contains "$out" "/ctx/deep/a/real"
  assert_contains "$out" "/ctx/Dockerfile"
  assert_not_contains "$out" "app.log"
  assert_not_contains "$out" "junk"
  # A source that climbs out is refused; symlinks resolve inside the
  # context as in a chroot (absolute or climbing ones never reach the
  # host's files); one that stays inside is followed.
  dir=$(context escape 'FROM busybox
COPY ../escape-target /x')
  echo host-secret >"$TMP/ctx-escape-target"
  out=$(cd "$dir" && berth build . 2>&1) && fail "escaped the context: $out"
  assert_contains "$out" "forbidden path outside the build context: ../escape-target ()"
  for link in /etc ../../../../../../etc; do
    dir=$(context escape-link "FROM busybox
COPY out/passwd /x")
    ln -s "$link" "$dir/out"
    out=$(cd "$dir" && berth build . 2>&1) && fail "copied the host's /etc/passwd through $link: $out"
    assert_contains "$out" "file not found in build context"
  done
  dir=$(context inside 'FROM busybox
COPY link /x')
  echo inside >"$dir/target"
  ln -s target "$dir/link"
  (cd "$dir" && berth build -q -t inside:1 . >/dev/null) || fail "inside symlink refused"
  assert_eq "$(run_in inside:1 cat /x)" "inside" "followed symlink"
  # COPY of a missing file says so, as docker.
  dir=$(context missing 'FROM busybox
COPY nothing-here /x')
  out=$(cd "$dir" && berth build . 2>&1) && fail "missing source built"
  assert_contains "$out" "nothing-here"
}

test_contexts_from_stdin_and_dockerfiles_elsewhere() {
  local dir out id
  # A Dockerfile alone on stdin: no context.
  out=$(printf 'FROM busybox\nRUN echo from-stdin > /s\n' | berth build -t stdin:1 - 2>&1) ||
    fail "build - < Dockerfile: $out"
  assert_eq "$(run_in stdin:1 cat /s)" "from-stdin" "stdin Dockerfile"
  # A tar on stdin is the context.
  dir=$(context tarctx 'FROM busybox
COPY f /f')
  echo in-tar >"$dir/f"
  tar -C "$dir" -c . | berth build -q -t tarctx:1 - >/dev/null || fail "tar context"
  assert_eq "$(run_in tarctx:1 cat /f)" "in-tar" "tar context"
  # -f - with a directory context, and -f outside the context.
  echo ctxfile >"$dir/f"
  printf 'FROM busybox\nCOPY f /g\n' | berth build -q -t dashf:1 -f - "$dir" >/dev/null || fail "-f -"
  assert_eq "$(run_in dashf:1 cat /g)" "ctxfile" "-f -"
  printf 'FROM busybox\nCOPY f /h\n' >"$TMP/Outside.Dockerfile"
  berth build -q -t outside:1 -f "$TMP/Outside.Dockerfile" "$dir" >/dev/null || fail "-f outside"
  assert_eq "$(run_in outside:1 cat /h)" "ctxfile" "-f outside the context"
  # -q prints the id only; --iidfile has it; every -t names it.
  id=$(cd "$dir" && berth build -q -t q:1 -t q:2 --iidfile "$TMP/iid" .)
  [[ $id =~ ^sha256:[0-9a-f]{64}$ ]] || fail "-q printed: $id"
  assert_eq "$(cat "$TMP/iid")" "$id" "--iidfile"
  assert_eq "$(berth inspect -f '{{.Id}}' q:1)" "$id" "tag 1"
  assert_eq "$(berth inspect -f '{{.Id}}' q:2)" "$id" "tag 2"
}

test_multi_stage_target_and_onbuild() {
  local dir out
  dir=$(context stages 'FROM busybox AS base
RUN echo base > /base
FROM busybox AS broken
RUN false
FROM base AS final
COPY --from=0 /base /copied
RUN cat /copied')
  # The broken stage is not needed: it is skipped.
  out=$(cd "$dir" && berth build -t stages:1 . 2>&1) || fail "build: $out"
  assert_not_contains "$out" "RUN false"
  assert_eq "$(run_in stages:1 cat /copied)" "base" "COPY --from=0"
  out=$(cd "$dir" && berth build -t stages:base --target base . 2>&1) || fail "--target: $out"
  run_in stages:base test -e /copied && fail "--target built past its stage"
  run_in stages:base test -e /base || fail "positive control: /base"
  out=$(cd "$dir" && berth build --target nope . 2>&1) && fail "unknown target built"
  assert_contains "$out" "failed to reach build target nope in Dockerfile"
  # ONBUILD triggers run at the start of a build FROM the image.
  dir=$(context parent 'FROM busybox
ONBUILD RUN echo triggered > /trig')
  (cd "$dir" && berth build -q -t parent:1 . >/dev/null) || fail "parent"
  dir=$(context child 'FROM parent:1
RUN cat /trig')
  out=$(cd "$dir" && berth build -t child:1 . 2>&1) || fail "child: $out"
  assert_contains "$out" "# Executing 1 build trigger"
  assert_eq "$(run_in child:1 cat /trig)" "triggered" "trigger ran"
  assert_eq "$(berth inspect -f '{{json .Config.OnBuild}}' child:1)" "null" "triggers not inherited"
  dir=$(context badtrigger 'FROM busybox
ONBUILD FROM busybox')
  out=$(cd "$dir" && berth build . 2>&1) && fail "ONBUILD FROM accepted"
  assert_contains "$out" "FROM isn't allowed as an ONBUILD trigger"
}

test_parse_errors_name_the_line() {
  local dir out
  dir=$(context parse 'FROM busybox
RUNN echo hi')
  out=$(cd "$dir" && berth build . 2>&1) && fail "RUNN accepted"
  assert_contains "$out" "Dockerfile parse error on line 2: unknown instruction: RUNN"
  dir=$(context heredoc 'FROM busybox
RUN <<EOF
echo hi
EOF')
  out=$(cd "$dir" && berth build . 2>&1) && fail "heredoc accepted"
  assert_contains "$out" "BuildKit"
  dir=$(context empty '# only a comment')
  out=$(cd "$dir" && berth build . 2>&1) && fail "empty Dockerfile built"
  assert_contains "$out" "file with no instructions"
}

test_run_steps_get_the_chosen_network() {
  local dir
  dir=$(context net 'FROM busybox
RUN cat /proc/net/dev > /dev.txt')
  (cd "$dir" && berth build -q --network none -t net:none . >/dev/null) || fail "none"
  (cd "$dir" && berth build -q --no-cache -t net:bridge . >/dev/null) || fail "bridge"
  assert_not_contains "$(run_in net:none cat /dev.txt)" "eth0"
  assert_contains "$(run_in net:bridge cat /dev.txt)" "eth0"
}

test_intermediate_images_are_hidden_and_go_with_the_image() {
  local dir id out
  dir=$(context layers 'FROM busybox
ENV ONE=1
RUN echo two > /two
ENV THREE=3')
  id=$(cd "$dir" && berth build -q --no-cache -t layers:1 .) || fail "build"
  local parent
  parent=$(berth inspect -f '{{.Parent}}' layers:1)
  [[ $parent =~ ^sha256:[0-9a-f]{64}$ ]] || fail "Parent: $parent"
  out=$(berth images -q)
  assert_contains "$out" "${id:7:12}"
  assert_not_contains "$out" "${parent:7:12}"
  assert_contains "$(berth images -a -q)" "${parent:7:12}"
  # history names each step's image, as docker does for a local build.
  out=$(berth history -q layers:1)
  assert_eq "$(sed -n 1p <<<"$out")" "${id:7:12}" "history: the image"
  assert_eq "$(sed -n 2p <<<"$out")" "${parent:7:12}" "history: its parent"
  assert_eq "$(sed -n 4p <<<"$out")" "$(berth images -q busybox)" "history: the base"
  assert_not_contains "$out" "<missing>"
  local all
  all=$(berth images -a -q | sort -u | wc -l)
  ((all >= 4)) || fail "images -a shows no intermediate images: $(berth images -a)"
  out=$(berth rmi layers:1)
  assert_contains "$out" "Deleted: $id"
  (($(grep -c '^Deleted:' <<<"$out") >= 4)) || fail "parents not deleted: $out"
  assert_contains "$(berth images)" "busybox"
}

test_a_killed_build_leaves_no_container_running() {
  local dir pid builder
  dir=$(context killed 'FROM busybox
RUN sleep 300')
  (cd "$dir" && exec "$BIN/berth" -H "$MAIN_SOCK" build --network none -t killed:1 . >"$TMP/killed.out" 2>&1) &
  pid=$!
  wait_for 30 grep -q "Running in" "$TMP/killed.out" || fail "the RUN never started: $(cat "$TMP/killed.out")"
  [[ -n $(berth ps -q) ]] || fail "positive control: the RUN's container runs"
  # The client goes away: the step's container goes too.
  kill -9 "$pid"
  wait_for 30 bash -c "[[ -z \$('$BIN/berth' -H '$MAIN_SOCK' ps -aq) ]]" ||
    fail "container left after the client died: $(berth ps -a)"
  # The builder itself dies mid-RUN: its next start removes the container.
  (cd "$dir" && exec "$BIN/berth" -H "$MAIN_SOCK" build --network none --no-cache -t killed:1 . >"$TMP/killed2.out" 2>&1) &
  pid=$!
  wait_for 30 grep -q "Running in" "$TMP/killed2.out" || fail "second RUN never started"
  builder=$(service_pid "$(main_pid)" builder)
  kill -9 "$builder"
  wait "$pid" 2>/dev/null || true
  wait_for 60 bash -c "[[ -z \$('$BIN/berth' -H '$MAIN_SOCK' ps -aq) ]]" ||
    fail "container left after the builder died: $(berth ps -a)"
  berth image inspect killed:1 >/dev/null 2>&1 && fail "an interrupted build tagged its image"
  # And a later build works.
  dir=$(context after 'FROM busybox
RUN echo ok')
  wait_for 30 bash -c "cd '$dir' && '$BIN/berth' -H '$MAIN_SOCK' build -q . >/dev/null" ||
    fail "no build after the restart"
}

test_add_fetches_a_url_and_healthcheck_runs() {
  local dir port out
  mkdir -p "$TMP/www"
  echo "served over http" >"$TMP/www/remote.txt"
  port=$(free_port)
  (cd "$TMP/www" && exec python3 -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1) &
  track_pid $!
  wait_for 10 curl -sf "http://127.0.0.1:$port/remote.txt" -o /dev/null || fail "no http server"
  dir=$(context url "FROM busybox
ADD http://127.0.0.1:$port/remote.txt /dl/
HEALTHCHECK --interval=1s --timeout=2s CMD test -s /dl/remote.txt
CMD [\"sleep\", \"60\"]")
  out=$(cd "$dir" && berth build -t url:1 . 2>&1) || fail "ADD <url>: $out $(tail -30 "$MAIN_LOG")"
  assert_eq "$(run_in url:1 cat /dl/remote.txt)" "served over http" "downloaded"
  assert_eq "$(run_in url:1 stat -c '%a %u' /dl/remote.txt)" "600 0" "docker's mode for a download"
  dir=$(context url404 "FROM busybox
ADD http://127.0.0.1:$port/missing.txt /dl/")
  out=$(cd "$dir" && berth build . 2>&1) && fail "a 404 was added"
  assert_contains "$out" "failed to GET http://127.0.0.1:$port/missing.txt with status 404"
  # The image's HEALTHCHECK is what berth's health checks run.
  local id
  id=$(berth run -d --network none url:1)
  wait_for 20 bash -c "[[ \$('$BIN/berth' -H '$MAIN_SOCK' inspect -f '{{.State.Health.Status}}' $id) == healthy ]]" ||
    fail "not healthy: $(berth inspect -f '{{json .State.Health}}' "$id")"
  berth rm -f "$id" >/dev/null
}

test_base_images_are_pulled_and_pull_refreshes_them() {
  local dir out
  dir=$(context pull "FROM $REGISTRY/test/base:v1
RUN cat /etc/motd > /copied")
  berth image inspect "$REGISTRY/test/base:v1" >/dev/null 2>&1 && fail "the base is here already"
  out=$(cd "$dir" && berth build -t pulled:1 . 2>&1) || fail "build: $out"
  assert_contains "$out" "Downloaded newer image for $REGISTRY/test/base:v1"
  assert_eq "$(run_in pulled:1 cat /copied)" "hello from v1" "the pulled base was used"
  # Here now: no pull without --pull, one with it.
  out=$(cd "$dir" && berth build -t pulled:1 . 2>&1) || fail "rebuild: $out"
  assert_not_contains "$out" "$REGISTRY/test/base:v1:"
  assert_not_contains "$out" "Downloaded newer image"
  out=$(cd "$dir" && berth build --pull -t pulled:1 . 2>&1) || fail "--pull: $out"
  assert_contains "$out" "Image is up to date for $REGISTRY/test/base:v1"
}

test_run_flags_reach_the_run_containers() {
  local dir out
  dir=$(context flags 'FROM busybox
RUN grep -q "10.1.2.3[[:space:]]*extra.example" /etc/hosts && echo hosts-ok
RUN df -k /dev/shm | tail -1 | awk "{print \"shm=\" \$2}"
RUN echo "nofile=$(ulimit -n)"
RUN cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max')
  out=$(cd "$dir" && berth build --network none --add-host extra.example:10.1.2.3 --shm-size 32m \
    --ulimit nofile=512:512 --memory 64m . 2>&1) || fail "build: $out"
  grep -qx "hosts-ok" <<<"$out" || fail "no hosts-ok line: $out"
  assert_contains "$out" "shm=32768"
  assert_contains "$out" "nofile=512"
  assert_contains "$out" "67108864"
  # Without them, the defaults (positive control of each).
  out=$(cd "$dir" && berth build --no-cache --network none . 2>&1) && fail "no host given, yet grep matched"
  grep -qx "hosts-ok" <<<"$out" && fail "hosts-ok without --add-host: $out"
  assert_contains "$out" "returned a non-zero code: 1"
}

test_a_dockerfiles_own_dockerignore_wins() {
  local dir
  dir=$(context ownignore 'FROM busybox
COPY . /ctx/')
  echo a >"$dir/a.txt"
  echo b >"$dir/b.txt"
  printf 'a.txt\n' >"$dir/.dockerignore"
  printf 'b.txt\n' >"$dir/Dockerfile.dockerignore"
  (cd "$dir" && berth build -q -t ownignore:1 . >/dev/null) || fail "build"
  run_in ownignore:1 test -e /ctx/a.txt || fail "a.txt left out: the shared .dockerignore won"
  if run_in ownignore:1 test -e /ctx/b.txt; then fail "b.txt copied: Dockerfile.dockerignore ignored"; fi
}

# The tasks service, then berthd with every service, killed while a RUN
# runs: the step fails or the build is gone, and once they are back no
# intermediate container runs on; a later build works.
test_a_build_outlives_killed_tasks_and_berthd_leaving_nothing() {
  local dir pid service
  dir=$(context killtasks 'FROM busybox
RUN sleep 300')
  (cd "$dir" && exec "$BIN/berth" -H "$MAIN_SOCK" build --network none --no-cache . >"$TMP/kt.out" 2>&1) &
  pid=$!
  wait_for 30 grep -q "Running in" "$TMP/kt.out" || fail "the RUN never started: $(cat "$TMP/kt.out")"
  [[ -n $(berth ps -q) ]] || fail "positive control: the RUN's container runs"
  kill -9 "$(service_pid "$(main_pid)" tasks)"
  wait "$pid" && fail "the build succeeded without its RUN: $(cat "$TMP/kt.out")"
  wait_for 60 bash -c "[[ -z \$('$BIN/berth' -H '$MAIN_SOCK' ps -aq) ]]" ||
    fail "container left after the tasks service died: $(berth ps -a)"

  (cd "$dir" && exec "$BIN/berth" -H "$MAIN_SOCK" build --network none --no-cache . >"$TMP/kb.out" 2>&1) &
  pid=$!
  wait_for 30 grep -q "Running in" "$TMP/kb.out" || fail "the second RUN never started"
  kill -9 "$(main_pid)"
  for service in images snapshots tasks network cri dockerapi builder; do
    pkill -9 -f "berth-$service --config.*$MAIN_EXEC" || true
  done
  wait "$pid" 2>/dev/null || true
  # The shim outlives them: the container still runs until berth is back.
  [[ -n $(pgrep -f "[b]erth-shim --bundle $MAIN_EXEC/") ]] || fail "positive control: the RUN's shim runs on"
  "$BIN/berthd" --data-root "$MAIN_DATA" --exec-root "$MAIN_EXEC" --config-file "$TMP/none.json" \
    --metrics-addr "$MAIN_METRICS" >>"$MAIN_LOG" 2>&1 &
  track_pid $!
  wait_for 30 bash -c "'$BIN/berth' -H '$MAIN_SOCK' version >/dev/null 2>&1" || fail "berthd did not come back"
  wait_for 60 bash -c "[[ -z \$('$BIN/berth' -H '$MAIN_SOCK' ps -aq) ]]" ||
    fail "container left after berthd died: $(berth ps -a)"
  dir=$(context afterkills 'FROM busybox
RUN echo fine')
  (cd "$dir" && berth build -q . >/dev/null) || fail "no build after the kills"
}

run_tests "$@"
