#!/usr/bin/env bash
# Files in and out of containers: berth cp both ways (files, directories,
# tar streams, stopped and running containers, symlinks that point out of
# the container), export and import, and commit.
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

test_cp_file_and_directory_out_of_a_stopped_container() {
  local id out
  id=$(berth create busybox true)
  out=$TMP/out-stopped
  rm -rf "$out" && mkdir -p "$out"
  # A file to a new name, and into an existing directory.
  berth cp "$id:/etc/passwd" "$out/passwd-copy"
  grep -q '^root:' "$out/passwd-copy" || fail "passwd not copied"
  berth cp "$id:/etc/passwd" "$out/"
  [[ -f $out/passwd ]] || fail "file not copied into the directory"
  # A directory to a missing path takes that name; into an existing
  # directory it keeps its own; "/." copies its contents.
  berth cp "$id:/etc" "$out/etc-copy"
  [[ -f $out/etc-copy/passwd ]] || fail "directory not copied under the new name"
  mkdir "$out/existing"
  berth cp "$id:/etc" "$out/existing"
  [[ -f $out/existing/etc/passwd ]] || fail "directory not copied into the existing one"
  mkdir "$out/contents"
  berth cp "$id:/etc/." "$out/contents"
  [[ -f $out/contents/passwd ]] || fail "contents not copied"
  # Files copied out belong to the caller (root here) with their modes;
  # -a keeps the container's owner.
  assert_eq "$(stat -c %a "$out/etc-copy")" "$(berth run --rm busybox stat -c %a /etc)" "mode of /etc"
  local owned
  owned=$(berth create busybox true)
  echo data >"$TMP/owned-src"
  chown 4321:4322 "$TMP/owned-src"
  berth cp -a "$TMP/owned-src" "$owned:/owned"
  berth cp "$owned:/owned" "$out/owned-plain"
  berth cp -a "$owned:/owned" "$out/owned-archive"
  assert_eq "$(stat -c %u:%g "$out/owned-plain")" "0:0" "owner without -a"
  assert_eq "$(stat -c %u:%g "$out/owned-archive")" "4321:4322" "owner with -a"
  berth rm "$owned" >/dev/null
  # Errors as docker's.
  local rc=0 err
  err=$(berth cp "$id:/nope" "$out/x" 2>&1) || rc=$?
  assert_eq "$rc" 1 "exit code for a missing path"
  assert_contains "$err" "Could not find the file /nope in container $id"
  rc=0
  err=$(berth cp "$id:/etc" "$out/passwd-copy" 2>&1) || rc=$?
  assert_eq "$rc" 1 "exit code for a directory onto a file"
  assert_contains "$err" "cannot copy directory"
  berth rm "$id" >/dev/null
}

test_cp_into_a_stopped_container_then_run_sees_it() {
  local id src
  src=$TMP/in-stopped
  rm -rf "$src" && mkdir -p "$src/dir/sub"
  echo "hello file" >"$src/file.txt"
  echo "nested" >"$src/dir/sub/n.txt"
  chmod 0640 "$src/file.txt"
  chown 1234:2345 "$src/file.txt" "$src/dir/sub/n.txt"
  # /data does not exist: it is created with the contents of dir.
  id=$(berth create busybox sh -c 'cat /file.txt /newname /data/sub/n.txt; stat -c "%u:%g %a" /file.txt /data/sub/n.txt; cat /owned')
  berth cp "$src/file.txt" "$id:/"
  berth cp "$src/file.txt" "$id:/newname"
  berth cp "$src/dir" "$id:/data"
  # -a keeps the source's owner.
  cp "$src/file.txt" "$src/owned"
  chown 1234:2345 "$src/owned"
  berth cp -a "$src/owned" "$id:/owned"
  local out
  out=$(berth start -a "$id")
  assert_eq "$out" $'hello file\nhello file\nnested\n0:0 640\n0:0 644\nhello file' "files seen by the container"
  out=$(berth cp "$id:/owned" - | tar -tvf - 2>&1)
  assert_contains "$out" "1234/2345" "owner kept by -a"
  berth rm "$id" >/dev/null
}

test_cp_tar_stream_both_ways() {
  local id src
  src=$TMP/stream
  rm -rf "$src" && mkdir -p "$src/tree/a"
  echo one >"$src/tree/a/one"
  id=$(berth create busybox true)
  tar -C "$src" -cf - tree | berth cp - "$id:/tmp"
  local listing
  listing=$(berth cp "$id:/tmp/tree" - | tar -tf -)
  assert_contains "$listing" "tree/a/one"
  assert_eq "$(berth cp "$id:/tmp/tree/a/one" - | tar -xOf -)" "one" "content through the stream"
  # A stream needs a directory as its destination.
  local rc=0 err
  err=$(tar -C "$src" -cf - tree | berth cp - "$id:/tmp/tree/a/one" 2>&1) || rc=$?
  assert_eq "$rc" 1 "exit code for a stream onto a file"
  assert_contains "$err" "must be a directory"
  # Not a tar: a clear error.
  rc=0
  err=$(head -c 3000 /dev/urandom | berth cp - "$id:/tmp" 2>&1) || rc=$?
  assert_eq "$rc" 1 "exit code for garbage"
  assert_contains "$err" "Error response from daemon: copy to /tmp in $id:"
  berth rm "$id" >/dev/null
}

test_cp_from_a_running_container_sees_its_changes_and_volumes() {
  local id out
  id=$(berth run -d -v "$TMP/cp-bind:/bound" busybox sh -c 'echo live > /live.txt; echo vol > /bound/v.txt; sleep 600')
  wait_for 10 berth cp "$id:/bound/v.txt" "$TMP/v.txt"
  out=$TMP/out-running
  rm -rf "$out" && mkdir -p "$out"
  berth cp "$id:/live.txt" "$out/"
  assert_eq "$(cat "$out/live.txt")" "live" "file written by the running container"
  assert_eq "$(cat "$TMP/v.txt")" "vol" "file in a bind mount of the running container"
  # Into the running container: seen at once.
  echo "pushed" >"$out/pushed.txt"
  berth cp "$out/pushed.txt" "$id:/tmp/"
  assert_eq "$(berth cp "$id:/tmp/pushed.txt" - | tar -xOf -)" "pushed" "file copied into the running container"
  berth rm -f "$id" >/dev/null
}

test_cp_symlinks_as_links_or_followed_with_L() {
  local id out
  out=$TMP/out-links
  rm -rf "$out" && mkdir -p "$out"
  id=$(berth create busybox true)
  mkdir -p "$TMP/links"
  ln -sfn ../etc/passwd "$TMP/links/pw"
  berth cp "$TMP/links/pw" "$id:/pw"
  # As a link (its target is the container's), or its target's content
  # under the link's name with -L.
  berth cp "$id:/pw" "$out/"
  assert_eq "$(readlink "$out/pw")" "../etc/passwd" "link copied as a link"
  berth cp -L "$id:/pw" "$out/followed"
  [[ -f $out/followed && ! -L $out/followed ]] || fail "-L did not copy the target"
  grep -q '^root:' "$out/followed" || fail "-L copied the wrong file"
  # -L on the host side: the target's content goes in.
  echo "target text" >"$TMP/links/target"
  ln -sfn target "$TMP/links/hostlink"
  berth cp -L "$TMP/links/hostlink" "$id:/fromlink"
  assert_eq "$(berth cp "$id:/fromlink" - | tar -xOf -)" "target text" "host link followed"
  # A directory onto a file is refused.
  local rc=0 err
  err=$(berth cp "$TMP/links" "$id:/pw" 2>&1) || rc=$?
  assert_eq "$rc" 1 "exit code for a directory onto a file"
  assert_contains "$err" "cannot copy directory"
  berth rm "$id" >/dev/null
}

test_cp_with_a_stopped_containers_bind_mount() {
  local id dir
  dir=$TMP/stopped-bind
  rm -rf "$dir" && mkdir -p "$dir"
  id=$(berth create -v "$dir:/bound" busybox sh -c 'echo from-run > /bound/run.txt')
  berth start -a "$id"
  # Stopped: the bind mount is there for cp both ways, as docker mounts a
  # stopped container's volumes.
  assert_eq "$(berth cp "$id:/bound/run.txt" - | tar -xOf -)" "from-run" "file in the bind mount"
  echo "from-cp" >"$TMP/to-bind.txt"
  berth cp "$TMP/to-bind.txt" "$id:/bound/"
  assert_eq "$(cat "$dir/to-bind.txt")" "from-cp" "file copied into the stopped container's bind mount"
  # The init files are the container's own, stopped or running.
  assert_eq "$(berth cp "$id:/etc/hostname" - | tar -xOf -)" "${id:0:12}" "hostname of the stopped container"
  # Nothing of the bind landed in the container's own layer.
  assert_not_contains "$(berth export "$id" | tar -tf -)" "to-bind.txt" "export"
  # The helper's mounts were its own: nothing is left mounted.
  assert_not_contains "$(cat /proc/self/mountinfo)" "$dir" "host mount table"
  berth rm "$id" >/dev/null
}

test_cp_through_a_symlink_that_points_outside_stays_inside() {
  local id marker
  marker=$TMP/escape-host
  rm -rf "$marker" && mkdir -p "$marker"
  echo "host original" >"$marker/victim"
  # /c/escape -> the host directory's path (which the container has too),
  # /c/abs -> /etc: both resolve inside the container's root.
  id=$(berth create busybox sh -c "cat $marker/victim; cat /etc/victim")
  rm -rf "$TMP/linktree" && mkdir -p "$TMP/linktree/c" "$TMP/mkroot$marker"
  ln -sfn "$marker" "$TMP/linktree/c/escape"
  ln -sfn /etc "$TMP/linktree/c/abs"
  berth cp "$TMP/mkroot/." "$id:/"
  berth cp "$TMP/linktree/c" "$id:/"
  echo "from cp" >"$TMP/victim"
  berth cp "$TMP/victim" "$id:/c/escape/victim"
  berth cp "$TMP/victim" "$id:/c/abs/"
  # A tar stream with the link and a file through it stays inside too.
  mkdir -p "$TMP/hostile/sub"
  ln -sfn "$marker" "$TMP/hostile/sub/link"
  tar -C "$TMP/hostile" -cf "$TMP/hostile.tar" sub
  echo "through tar" >"$TMP/victim2"
  tar -C "$TMP" -rf "$TMP/hostile.tar" --transform 's,^victim2,sub/link/victim,' victim2
  berth cp - "$id:/" <"$TMP/hostile.tar"
  assert_eq "$(cat "$marker/victim")" "host original" "host file through the symlink"
  [[ ! -e /etc/victim ]] || fail "a file was written to the host's /etc"
  local out
  out=$(berth start -a "$id" 2>&1) || true
  assert_eq "$out" $'through tar\nfrom cp' "the copies landed in the container"
  # Reading through a link that points out of the root reads the container's file.
  berth rm "$id" >/dev/null
  id=$(berth create busybox true)
  berth cp "$TMP/linktree/c" "$id:/"
  out=$(berth cp "$id:/c/abs/passwd" - 2>&1 | tar -xOf - 2>&1) || true
  # /c/abs/passwd: /c/abs resolves to the container's /etc.
  assert_contains "$out" "root:x:0:0"
  # /c/abs/hostname is the container's own hostname file (made at its first
  # start, as docker's), not the host's.
  berth start -a "$id"
  assert_eq "$(berth cp "$id:/c/abs/hostname" - | tar -xOf -)" "${id:0:12}" "hostname through the link"
  berth rm "$id" >/dev/null
}

test_export_then_import_gives_the_same_files() {
  local id
  mkdir -p "$TMP/export-bind"
  id=$(berth run -d -v "$TMP/export-bind:/bound" busybox sh -c 'mkdir -p /added/deep; echo x > /added/deep/f; rm /bin/vi; echo b > /bound/inbind.txt; sleep 600')
  # The bind's file is written last.
  wait_for 10 test -s "$TMP/export-bind/inbind.txt"
  berth export -o "$TMP/fs.tar" "$id"
  berth export "$id" >"$TMP/fs-stdout.tar"
  local listing
  listing=$(tar -tf "$TMP/fs.tar")
  assert_contains "$listing" "added/deep/f"
  assert_not_contains "$listing" "bin/vi"$'\n' "deleted file"
  assert_not_contains "$listing" "./" "entry names"
  # The init files are the container's own, not in its filesystem: the
  # export carries what the image had (busybox: none), not the host's.
  assert_not_contains "$(tar -xOf "$TMP/fs.tar" etc/hostname 2>/dev/null || true)" "${id:0:12}" "hostname file"
  # What is in a bind mount is not exported (its mount point is).
  assert_contains "$listing" "bound/"
  assert_not_contains "$listing" "inbind.txt" "bind mount contents"
  cmp -s <(tar -tf "$TMP/fs-stdout.tar" | sort) <(tar -tf "$TMP/fs.tar" | sort) ||
    fail "export to stdout and -o differ"
  local image
  image=$(berth import "$TMP/fs.tar" roundtrip:1)
  [[ $image == sha256:* ]] || fail "import printed $image"
  # The same files with the same contents: a container of the imported
  # image exports the same tree.
  local id2
  id2=$(berth create roundtrip:1 true)
  berth export -o "$TMP/fs2.tar" "$id2"
  diff <(tar -tvf "$TMP/fs.tar" | awk '{print $1, $2, $3, $6}' | sort) \
    <(tar -tvf "$TMP/fs2.tar" | awk '{print $1, $2, $3, $6}' | sort) || fail "file lists differ"
  mkdir -p "$TMP/x1" "$TMP/x2"
  tar -C "$TMP/x1" -xf "$TMP/fs.tar"
  tar -C "$TMP/x2" -xf "$TMP/fs2.tar"
  diff -r --no-dereference "$TMP/x1" "$TMP/x2" || fail "contents differ"
  berth rm -f "$id" "$id2" >/dev/null
}

test_cp_and_export_over_tcp_with_mtls_and_roles() {
  "$RUNFILES/deploy/gen-certs" "$TMP/certs" >/dev/null
  local port
  port=$(free_port)
  start_berthd TLS --tlsverify --tlscacert "$TMP/certs/ca.pem" \
    --tlscert "$TMP/certs/server-cert.pem" --tlskey "$TMP/certs/server-key.pem" \
    -H "tcp://127.0.0.1:$port" -H "unix:///run/berth-test-files-tls-$$.sock"
  track_dir "/run/berth-test-files-tls-$$.sock"
  import_busybox busybox "unix:///run/berth-test-files-tls-$$.sock"
  as_role() { # role berth-args...
    local role=$1
    shift
    BERTH_CERT_PATH=$TMP/certs/$role "$BIN/berth" --tlsverify -H "tcp://127.0.0.1:$port" "$@"
  }
  local id
  id=$(as_role admin create busybox true)
  echo "over tls" >"$TMP/tls.txt"
  as_role admin cp "$TMP/tls.txt" "$id:/tls.txt"
  assert_eq "$(as_role admin cp "$id:/tls.txt" - | tar -xOf -)" "over tls" "round trip over mTLS"
  assert_contains "$(as_role admin export "$id" | tar -tf -)" "tls.txt"
  # A viewer reads (cp out, export) but does not write.
  assert_eq "$(as_role viewer cp "$id:/tls.txt" - | tar -xOf -)" "over tls" "cp out as viewer"
  local rc=0 out
  out=$(as_role viewer cp "$TMP/tls.txt" "$id:/viewer.txt" 2>&1) || rc=$?
  assert_eq "$rc" 1 "exit code of cp in as viewer"
  assert_contains "$out" "permission denied"
  rc=0
  out=$(as_role viewer commit "$id" 2>&1) || rc=$?
  assert_eq "$rc" 1 "exit code of commit as viewer"
  assert_contains "$out" "permission denied"
  grep -q '"method":"/berth.tasks.v1.Containers/CopyTo"' "$TLS_DATA/audit.log" || fail "CopyTo not audited"
  as_role admin rm "$id" >/dev/null
}

# The layer of a saved image that holds a given file: its listing.
layer_listing_with() { # image file
  local dir=$TMP/save-$RANDOM blob
  mkdir -p "$dir"
  berth save "$1" | tar -C "$dir" -xf -
  for blob in $(find "$dir" -type f); do
    # grep reads it all: with -q, tar's SIGPIPE fails the pipe (pipefail).
    if tar -tzf "$blob" 2>/dev/null | grep -x "$2" >/dev/null; then
      tar -tzf "$blob"
      return 0
    fi
  done
  return 1
}

# docker diff: added, changed and deleted paths, sorted, without the mount
# points and init files the runtime makes; a volume's contents are not the
# container's layer.
test_diff_lists_what_the_container_changed() {
  local id out
  id=$(berth run -d -v difftest:/data busybox sh -c \
    'echo x > /tmp/new; rm /bin/ls; mkdir -p /srv/a; echo y >> /etc/passwd; echo v > /data/f; sleep 1000')
  for _ in $(seq 50); do berth exec "$id" test -f /data/f && break; sleep 0.1; done
  out=$(berth diff "$id")
  assert_eq "$out" $'C /bin\nD /bin/ls\nC /etc\nC /etc/passwd\nA /srv\nA /srv/a\nC /tmp\nA /tmp/new' "berth diff"
  # The same container before it changed anything: nothing listed.
  local quiet
  quiet=$(berth create busybox true)
  assert_eq "$(berth diff "$quiet")" "" "an unchanged container"
  local rc=0
  out=$(berth diff nosuchcontainer 2>&1) || rc=$?
  assert_eq "$rc" 1 "diff of a missing container"
  assert_contains "$out" "No such container: nosuchcontainer"
  berth rm -f "$id" "$quiet" >/dev/null
  berth volume rm difftest >/dev/null
}

test_commit_makes_an_image_of_the_changes() {
  local id image since
  mkdir -p "$TMP/commit-bind"
  since=$(date +%s)
  id=$(berth run -d -v "$TMP/commit-bind:/bound" busybox sh -c 'echo added > /added.txt; rm /bin/vi; echo vol > /bound/v.txt; echo changed > /etc/hostname; sleep 600')
  wait_for 10 sh -c "'$BIN/berth' -H '$MAIN_SOCK' cp $id:/added.txt - >/dev/null"
  image=$(berth commit -m "my message" -a "Jane <jane@example.com>" \
    -c 'CMD ["cat", "/added.txt"]' -c 'ENV MODE=committed' "$id" committed:1)
  [[ $image =~ ^sha256:[0-9a-f]{64}$ ]] || fail "commit printed '$image'"
  # Paused for the diff, running again after it.
  assert_eq "$(berth inspect -f '{{.State.Status}}' "$id")" "running" "state after commit"
  local events
  events=$(berth events --since "$since" --until "$(($(date +%s) + 1))" --filter "container=$id" --format '{{.Action}}')
  assert_eq "$(grep -E '^(pause|unpause|commit)$' <<<"$events" | tr '\n' ' ')" "pause unpause commit " "events around the diff"
  since=$(date +%s)
  berth commit --pause=false "$id" >/dev/null
  events=$(berth events --since "$since" --until "$(($(date +%s) + 1))" --filter "container=$id" --format '{{.Action}}')
  assert_not_contains "$events" "pause" "events of a commit with --pause=false"
  assert_eq "$(berth image inspect -f '{{.Id}}' committed:1)" "$image" "id of the tag"

  # A container of the new image: the added file, not the deleted one, the
  # -c changes; the volume's contents are not in the image.
  assert_eq "$(berth run --rm committed:1)" "added" "CMD from -c"
  assert_eq "$(berth run --rm committed:1 sh -c 'echo $MODE; test -e /bin/vi && echo vi || echo no-vi; ls -A /bound 2>/dev/null | wc -l')" \
    $'committed\nno-vi\n0' "files and environment of the new image"

  # The layer: the change and the whiteout, no init files, nothing of the bind mount.
  local listing
  listing=$(layer_listing_with committed:1 added.txt) || fail "no layer with added.txt"
  assert_contains "$listing" "bin/.wh.vi"
  assert_not_contains "$listing" "etc/hostname"
  assert_not_contains "$listing" "etc/hosts"
  assert_not_contains "$listing" "etc/resolv.conf"
  assert_not_contains "$listing" "v.txt"
  # Nor the mount points the shim made for /dev, /proc and /sys, which
  # busybox's image lacks (docker keeps them in its init layer).
  if grep -qE '^(\./)?(dev|proc|sys)(/|$)' <<<"$listing"; then
    fail "mount points in the committed layer: $(grep -E '^(\./)?(dev|proc|sys)(/|$)' <<<"$listing" | tr '\n' ' ')"
  fi

  # Message and author in inspect and history.
  assert_eq "$(berth image inspect -f '{{.Comment}}' committed:1)" "my message" "Comment"
  assert_eq "$(berth image inspect -f '{{.Author}}' committed:1)" "Jane <jane@example.com>" "Author"
  local history
  history=$(berth history --no-trunc committed:1)
  assert_contains "$(sed -n 2p <<<"$history")" "sh -c echo added"
  assert_contains "$(sed -n 2p <<<"$history")" "my message"
  assert_eq "$(berth image inspect -f '{{json .RootFS.Layers}}' committed:1 | tr ',' '\n' | wc -l)" \
    "$(($(berth image inspect -f '{{json .RootFS.Layers}}' busybox | tr ',' '\n' | wc -l) + 1))" "one more layer"
  berth rm -f "$id" >/dev/null
}

test_commit_of_a_stopped_container_without_a_name_is_dangling() {
  local id image
  id=$(berth create busybox sh -c 'mkdir /made; echo x > /made/f')
  berth start -a "$id"
  image=$(berth commit --pause=false "$id")
  [[ $image == sha256:* ]] || fail "commit printed '$image'"
  assert_eq "$(berth run --rm "$image" cat /made/f)" "x" "file from the dangling image"
  local rc=0 err
  err=$(berth commit nosuchcontainer 2>&1) || rc=$?
  assert_eq "$rc" 1 "exit code for a missing container"
  assert_contains "$err" "No such container: nosuchcontainer"
  rc=0
  err=$(berth commit -c 'BOGUS x' "$id" 2>&1) || rc=$?
  assert_eq "$rc" 1 "exit code for a bad change"
  assert_contains "$err" "BOGUS"
  berth rm "$id" >/dev/null
}

run_tests "$@"
