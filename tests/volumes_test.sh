#!/usr/bin/env bash
# Volumes and mounts for real: named and anonymous volumes of the snapshots
# service, docker's copy-up, bind mounts, tmpfs and --volumes-from in busybox
# containers on this kernel, driven by the berth CLI as a docker user would.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/image_lib.sh"

setup_suite() {
  start_berthd MAIN
  import_busybox busybox "$MAIN_SOCK"
  # A host directory that symlinks in the test image name; nothing may
  # reach it from a container.
  HOST_SECRET=$TMP/host-secret
  mkdir -p "$HOST_SECRET"
  echo "host only" >"$HOST_SECRET/secret"
  make_seeded_image seeded:1
}

teardown_suite() {
  remove_main_containers
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# make_seeded_image REF: busybox plus /srv/data (owned 1234:4321, mode 750,
# a file and a subdirectory) declared as a VOLUME, and symlinks that name
# the host directory $HOST_SECRET: /hostlink (absolute) and /climb
# (relative, climbing with ..); /inner links to /srv/data.
make_seeded_image() {
  local root
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/srv/data/sub"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
  echo "seed" >"$root/srv/data/seed.txt"
  echo "deep" >"$root/srv/data/sub/deep.txt"
  chown -R 1234:4321 "$root/srv/data"
  chmod 0750 "$root/srv/data"
  chmod 0640 "$root/srv/data/seed.txt"
  ln -s "$HOST_SECRET" "$root/hostlink"
  ln -s "../../../../../../../../..$HOST_SECRET" "$root/climb"
  ln -s /srv/data "$root/inner"
  tar -C "$root" --numeric-owner -c . |
    berth import -c 'VOLUME /srv/data' -c 'CMD ["sh"]' - "$1" >/dev/null
  rm -rf "$root"
}

mount_names() { berth inspect --format '{{json .Mounts}}' "$1" | jq -r '.[].Name'; }

volume_dir() { berth volume inspect --format '{{.Mountpoint}}' "$1"; }

test_walkthrough_database_data_outlives_its_container() {
  berth run -d --name db -v dbdata:/var/lib/db busybox \
    sh -c 'echo "INSERT INTO t VALUES (1)" >> /var/lib/db/journal; sync; exec sleep 1000' >/dev/null
  wait_for 10 test -s "$(volume_dir dbdata)/journal" || fail "the database wrote nothing"
  berth rm -f db >/dev/null
  berth volume ls -q | grep -qx dbdata || fail "volume gone with its container"
  assert_eq "$(berth run --rm -v dbdata:/var/lib/db busybox cat /var/lib/db/journal)" \
    "INSERT INTO t VALUES (1)" "data seen by a new container"
  berth volume rm dbdata >/dev/null
}

test_copy_up_fills_a_fresh_volume_once_with_owners_and_modes() {
  local out
  out=$(berth run --rm -v fresh:/srv/data seeded:1 sh -c \
    'cat /srv/data/seed.txt /srv/data/sub/deep.txt; stat -c "%u:%g %a" /srv/data /srv/data/seed.txt')
  assert_eq "$out" $'seed\ndeep\n1234:4321 750\n1234:4321 640' "copied up"
  assert_eq "$(stat -c '%u:%g %a' "$(volume_dir fresh)")" "1234:4321 750" "volume directory on the host"
  # Emptied by a container, it is not filled again: copy-up happens once.
  berth run --rm -v fresh:/srv/data seeded:1 sh -c 'rm -rf /srv/data/*'
  assert_eq "$(berth run --rm -v fresh:/srv/data seeded:1 ls -A /srv/data)" "" "second copy-up"
  berth volume rm fresh >/dev/null
  # A volume that already has content keeps it.
  berth run --rm -v mine:/data busybox sh -c 'echo mine > /data/own'
  assert_eq "$(berth run --rm -v mine:/srv/data seeded:1 ls -A /srv/data)" "own" "volume with content"
  berth volume rm mine >/dev/null
  # nocopy (-v and --mount) and bind mounts get nothing from the image.
  assert_eq "$(berth run --rm -v nc1:/srv/data:nocopy seeded:1 ls -A /srv/data)" "" "-v :nocopy"
  assert_eq "$(berth run --rm --mount type=volume,source=nc2,target=/srv/data,volume-nocopy seeded:1 ls -A /srv/data)" \
    "" "--mount volume-nocopy"
  mkdir -p "$TMP/empty-bind"
  assert_eq "$(berth run --rm -v "$TMP/empty-bind:/srv/data" seeded:1 ls -A /srv/data)" "" "bind"
  assert_eq "$(ls -A "$TMP/empty-bind")" "" "image content copied into a bind source"
  berth volume rm nc1 nc2 >/dev/null
}

test_bind_mounts_read_write_and_read_only() {
  berth run --rm -v "$TMP/made-by-v/deeper:/data" busybox sh -c 'echo rw > /data/f'
  assert_eq "$(cat "$TMP/made-by-v/deeper/f")" "rw" "-v creates the host directory"
  local out rc=0
  out=$(berth run --rm -v "$TMP/made-by-v/deeper:/data:ro" busybox sh -c 'cat /data/f; echo x > /data/g' 2>&1) || rc=$?
  assert_contains "$out" "rw"
  assert_contains "$out" "Read-only file system"
  [[ $rc != 0 ]] || fail "write through a read-only bind succeeded"
  [[ ! -e $TMP/made-by-v/deeper/g ]] || fail "file written through :ro"
  rc=0
  out=$(berth run --rm --mount "type=bind,source=$TMP/made-by-v/deeper,target=/data,readonly" busybox \
    sh -c 'touch /data/h' 2>&1) || rc=$?
  assert_contains "$out" "Read-only file system"
  # --mount does not create a missing source, as docker.
  rc=0
  out=$(berth run --rm --mount "type=bind,source=$TMP/missing,target=/x" busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "exit code"
  assert_contains "$out" "Error response from daemon: invalid mount config for type \"bind\": bind source path does not exist: $TMP/missing"
  [[ ! -e $TMP/missing ]] || fail "--mount created the bind source"
  # The failed create left no registration behind: the volume it made is free.
  berth create -v leftover:/data --mount "type=bind,source=$TMP/missing,target=/x" busybox true >/dev/null 2>&1 &&
    fail "create with a missing bind source succeeded"
  berth volume rm leftover >/dev/null || fail "a failed create kept its volume in use"
}

# Mount propagation of binds (docker's -v ...:rslave|rshared, the CRI's
# HOST_TO_CONTAINER and BIDIRECTIONAL) on a host directory made a shared
# mount; rprivate, the default, is the control beside each.
test_bind_propagation_rslave_rshared_and_rprivate() {
  local d=$TMP/propagation out
  mkdir -p "$d"
  mount --bind "$d" "$d"
  mount --make-rshared "$d"
  # The exec root (where each container's root filesystem is mounted)
  # made shared too, as "/" is on a systemd host: what the container mounts
  # outside its rshared bind must still not reach the host.
  mount --bind "$MAIN_EXEC" "$MAIN_EXEC"
  mount --make-rshared "$MAIN_EXEC"
  # shellcheck disable=SC2064 # expanded now: the locals are gone at exit
  trap "berth rm -f prop-slave prop-shared prop-private >/dev/null 2>&1; umount -R -l '$d' '$MAIN_EXEC'" EXIT
  for mode in slave shared private; do
    berth run -d --privileged --network none --name "prop-$mode" -v "$d:/mnt:r$mode" busybox sleep 1000 >/dev/null
  done
  # Host to container: a mount made on the host afterwards.
  mkdir -p "$d/late"
  mount -t tmpfs tmpfs "$d/late"
  touch "$d/late/from-host"
  assert_eq "$(berth exec prop-slave ls /mnt/late)" "from-host" "rslave sees the host's later mount"
  assert_eq "$(berth exec prop-shared ls /mnt/late)" "from-host" "rshared sees the host's later mount"
  assert_eq "$(berth exec prop-private ls /mnt/late)" "" "rprivate keeps the mount point only"
  # Container to host: only rshared's mount comes back.
  for mode in slave shared private; do
    berth exec "prop-$mode" sh -c "mkdir /mnt/in-$mode && mount -t tmpfs tmpfs /mnt/in-$mode &&
      touch /mnt/in-$mode/from-container && ls /mnt/in-$mode" >"$TMP/prop-$mode.out"
    assert_eq "$(cat "$TMP/prop-$mode.out")" "from-container" "the $mode container's own mount"
  done
  [[ -e $d/in-shared/from-container ]] || fail "rshared: the container's mount is not on the host"
  [[ ! -e $d/in-slave/from-container ]] || fail "rslave: the container's mount reached the host"
  [[ ! -e $d/in-private/from-container ]] || fail "rprivate: the container's mount reached the host"
  # Nor does anything else the containers mount: their root filesystems,
  # /proc, /dev stay theirs (the control: the host sees its own binds).
  out=$(awk '{print $5}' /proc/self/mountinfo)
  assert_contains "$out" "$MAIN_EXEC"
  assert_contains "$out" "$d/in-shared"
  assert_not_contains "$out" "$MAIN_EXEC/shims/"
  # inspect reports what was asked, as docker.
  assert_eq "$(berth inspect -f '{{(index .Mounts 0).Propagation}}' prop-slave)" "rslave"
}

# rshared needs a shared host mount, rslave a shared or slave one (docker's
# and containerd's errors); rprivate is the control.
test_bind_propagation_needs_a_shared_host_mount() {
  local d=$TMP/private-source out rc=0
  mkdir -p "$d"
  local mount_point
  mount_point=$(findmnt -n -o TARGET --target "$d")
  [[ $(findmnt -n -o PROPAGATION --target "$d") == private ]] ||
    skip "the test directory's mount $mount_point is not private here"
  out=$(berth run --rm -v "$d:/mnt:rshared" busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "exit code"
  assert_contains "$out" "path $d is mounted on $mount_point but it is not a shared mount"
  rc=0
  out=$(berth run --rm -v "$d:/mnt:rslave" busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "exit code"
  assert_contains "$out" "path $d is mounted on $mount_point but it is not a shared or slave mount"
  out=$(berth run --rm -v "$d:/mnt:rprivate" busybox echo private-ok 2>&1)
  assert_eq "$out" "private-ok"
}

test_tmpfs_size_and_options() {
  local out
  out=$(berth run --rm --tmpfs /t:size=1m busybox sh -c \
    'df -k /t | tail -1; grep " /t " /proc/mounts; dd if=/dev/zero of=/t/big bs=1k count=2048 2>&1; true')
  assert_contains "$out" "tmpfs                     1024"
  assert_contains "$out" "tmpfs /t tmpfs rw,nosuid,nodev,noexec"
  assert_contains "$out" "No space left on device"
  out=$(berth run --rm --mount type=tmpfs,target=/m,tmpfs-size=2m busybox df -k /m)
  assert_contains "$out" "tmpfs                     2048"
  out=$(berth run --rm --tmpfs /x:exec,size=64k busybox grep " /x " /proc/mounts)
  assert_not_contains "$out" "noexec"
}

test_volumes_from_read_write_and_read_only() {
  berth create --name vsource -v shared:/shared -v "$TMP/vf-bind:/bound" seeded:1 true >/dev/null
  berth run --rm --volumes-from vsource busybox sh -c 'echo from-rw > /shared/f; cat /srv/data/seed.txt; echo b > /bound/b'
  assert_eq "$(cat "$(volume_dir shared)/f")" "from-rw" "write through --volumes-from"
  assert_eq "$(cat "$TMP/vf-bind/b")" "b" "bind through --volumes-from"
  local out rc=0
  out=$(berth run --rm --volumes-from vsource:ro busybox sh -c 'cat /shared/f; echo x > /shared/g' 2>&1) || rc=$?
  assert_contains "$out" "from-rw"
  assert_contains "$out" "Read-only file system"
  [[ $rc != 0 ]] || fail "write through --volumes-from :ro succeeded"
  berth create --name vreader --volumes-from vsource:ro busybox true >/dev/null
  assert_eq "$(berth inspect --format '{{json .Mounts}}' vreader | jq -r '[.[] | "\(.Destination)=\(.RW)"] | join(" ")')" \
    "/shared=false /bound=false /srv/data=false" "inherited mounts read-only"
  rc=0
  out=$(berth run --rm --volumes-from vsource:rshared busybox true 2>&1) || rc=$?
  assert_contains "$out" "invalid mode: rshared"
  berth rm vreader vsource >/dev/null
  berth volume rm shared >/dev/null
}

test_image_volumes_are_anonymous_and_rm_v_removes_them() {
  local before id name
  before=$(berth volume ls -q | wc -l)
  id=$(berth create seeded:1 cat /srv/data/seed.txt)
  assert_eq "$(berth start -a "$id")" "seed" "anonymous volume copied up"
  name=$(mount_names "$id")
  [[ ${#name} == 64 ]] || fail "anonymous volume name: $name"
  assert_eq "$(berth inspect --format '{{json .Config.Volumes}}' "$id")" '{"/srv/data":{}}' "Config.Volumes"
  berth rm "$id" >/dev/null
  berth volume ls -q | grep -qx "$name" || fail "rm without -v removed the anonymous volume"
  berth volume rm "$name" >/dev/null
  id=$(berth create seeded:1 true)
  name=$(mount_names "$id")
  [[ ${#name} == 64 ]] || fail "anonymous volume name: $name"
  berth rm -v "$id" >/dev/null
  local volumes
  volumes=$(berth volume ls -q)
  ! grep -qx "$name" <<<"$volumes" || fail "rm -v kept the anonymous volume"
  # A named volume survives rm -v.
  id=$(berth create -v keepme:/srv/data seeded:1 true)
  berth rm -v "$id" >/dev/null
  berth volume ls -q | grep -qx keepme || fail "rm -v removed a named volume"
  berth volume rm keepme >/dev/null
  # -v /path is anonymous as well; --rm removes it.
  berth run --rm -v /scratch busybox touch /scratch/x
  assert_eq "$(berth volume ls -q | wc -l)" "$before" "volumes left behind"
}

test_inspect_mounts_in_docker_shape() {
  mkdir -p "$TMP/shape-bind"
  berth create --name shape -v named:/named -v "$TMP/shape-bind:/bound:ro" \
    --mount type=volume,source=viamount,target=/viamount \
    --mount type=tmpfs,target=/tm --tmpfs /notamount seeded:1 true >/dev/null
  local mounts
  mounts=$(berth inspect --format '{{json .Mounts}}' shape | jq -S 'sort_by(.Destination)')
  local anon
  anon=$(jq -r '.[] | select(.Destination == "/srv/data") | .Name' <<<"$mounts")
  local expected
  expected=$(jq -S . <<JSON
[
 {"Type":"bind","Source":"$TMP/shape-bind","Destination":"/bound","Mode":"ro","RW":false,"Propagation":"rprivate"},
 {"Type":"volume","Name":"named","Source":"$MAIN_DATA/volumes/named/_data","Destination":"/named","Driver":"local","Mode":"z","RW":true,"Propagation":""},
 {"Type":"volume","Name":"$anon","Source":"$MAIN_DATA/volumes/$anon/_data","Destination":"/srv/data","Driver":"local","Mode":"","RW":true,"Propagation":""},
 {"Type":"tmpfs","Source":"","Destination":"/tm","Mode":"","RW":true,"Propagation":""},
 {"Type":"volume","Name":"viamount","Source":"$MAIN_DATA/volumes/viamount/_data","Destination":"/viamount","Driver":"local","Mode":"z","RW":true,"Propagation":""}
]
JSON
)
  assert_eq "$mounts" "$expected" "Mounts"
  assert_eq "$(berth inspect --format '{{json .HostConfig.Tmpfs}}' shape)" '{"/notamount":""}' "HostConfig.Tmpfs"
  assert_eq "$(berth inspect --format '{{json .HostConfig.Binds}}' shape)" \
    "[\"named:/named\",\"$TMP/shape-bind:/bound:ro\"]" "HostConfig.Binds"
  assert_eq "$(berth inspect --format '{{json .HostConfig.Mounts}}' shape | jq -cS .)" \
    '[{"Source":"viamount","Target":"/viamount","Type":"volume"},{"Target":"/tm","Type":"tmpfs"}]' "HostConfig.Mounts"
  berth rm -v shape >/dev/null
  berth volume rm named viamount >/dev/null
}

test_volume_rm_of_a_volume_in_use_is_refused() {
  local id out rc=0
  id=$(berth create -v busy:/data busybox true)
  out=$(berth volume rm busy 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code"
  assert_eq "$out" "Error response from daemon: remove busy: volume is in use - [$id]" "message"
  rc=0
  out=$(berth volume rm -f busy 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code of rm -f"
  assert_eq "$out" "Error response from daemon: remove busy: volume is in use - [$id]" "message of rm -f"
  berth volume ls -q | grep -qx busy || fail "volume removed while in use"
  berth rm "$id" >/dev/null
  berth volume rm busy >/dev/null
  # -f: a missing volume is no error.
  assert_eq "$(berth volume rm -f busy)" "busy" "rm -f of a missing volume"
}

# The image's /hostlink is an absolute symlink to a host directory and
# /climb a relative one that climbs with "..". Mounted on, neither leads
# out of the container's root: the volume (or bind) is mounted at the
# path they name inside the root, copy-up reads nothing of the host, and
# writes land in the volume.
test_symlinks_in_the_image_cannot_redirect_mounts_to_the_host() {
  local out
  for link in /hostlink /climb; do
    out=$(berth run --rm -v "sym${link#/}:$link" seeded:1 sh -c "ls -A $link; echo pwned > $link/written")
    assert_eq "$out" "" "copy-up through $link read"
    assert_eq "$(cat "$(volume_dir "sym${link#/}")/written")" "pwned" "write through $link in the volume"
    berth volume rm "sym${link#/}" >/dev/null
  done
  # Below a symlink, the missing directories are made inside the root too.
  berth run --rm -v symsub:/hostlink/deeper/sub seeded:1 sh -c 'echo deep > /hostlink/deeper/sub/f'
  assert_eq "$(cat "$(volume_dir symsub)/f")" "deep" "write below the symlink"
  berth volume rm symsub >/dev/null
  mkdir -p "$TMP/sym-bind"
  berth run --rm -v "$TMP/sym-bind:/hostlink" seeded:1 sh -c 'echo bound > /hostlink/via-bind'
  assert_eq "$(cat "$TMP/sym-bind/via-bind")" "bound" "bind through the symlink"
  assert_eq "$(ls -A "$HOST_SECRET")" "secret" "host directory touched"
  # A symlink to a path inside the image is followed inside: copy-up of /inner is /srv/data.
  assert_eq "$(berth run --rm -v inner:/inner seeded:1 cat /inner/seed.txt)" "seed" "copy-up through an inner symlink"
  berth volume rm inner >/dev/null
}

# docker's local driver options: the volume's _data is a mount of the
# named filesystem while a container uses it.
test_local_driver_options_mount_a_filesystem_while_in_use() {
  berth run -d --name tmpvol --mount \
    type=volume,source=tv,target=/data,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=1m \
    busybox sleep 1000 >/dev/null
  local data out
  data=$(volume_dir tv)
  mountpoint -q "$data" || fail "$data is no mount while in use"
  out=$(berth run --rm -v tv:/data busybox df -k /data)
  assert_contains "$out" "tmpfs                     1024"
  assert_eq "$(berth volume inspect --format '{{json .Options}}' tv)" '{"device":"tmpfs","o":"size=1m","type":"tmpfs"}' "Options"
  # Copy-up into such a volume (its own filesystem: copied in place).
  assert_eq "$(berth run --rm --mount type=volume,source=tv,target=/srv/data seeded:1 cat /srv/data/seed.txt)" \
    "seed" "copy-up into a tmpfs volume"
  berth rm -f tmpvol >/dev/null
  ! mountpoint -q "$data" || fail "$data still mounted without users"
  berth volume rm tv >/dev/null
  # A bind through the local driver (type=none, o=bind).
  mkdir -p "$TMP/driver-bind"
  berth volume create -o type=none -o o=bind -o device="$TMP/driver-bind" bound >/dev/null
  berth run --rm -v bound:/d busybox sh -c 'echo through-driver > /d/f'
  assert_eq "$(cat "$TMP/driver-bind/f")" "through-driver" "local driver bind"
  berth volume rm bound >/dev/null
  local rc=0
  out=$(berth volume create -o foo=bar badopt 2>&1) || rc=$?
  assert_eq "$rc" "1" "exit code"
  assert_eq "$out" 'Error response from daemon: create badopt: invalid option: "foo"' "message"
  rc=0
  out=$(berth volume create -o type=tmpfs badopt 2>&1) || rc=$?
  assert_eq "$out" 'Error response from daemon: create badopt: missing required option: "device"' "message"
}

test_a_volume_over_a_file_of_the_image_is_refused() {
  local before rc=0 out
  before=$(berth ps -aq | wc -l)
  out=$(berth run --rm -v filevol:/etc/passwd busybox true 2>&1) || rc=$?
  assert_eq "$rc" "125" "exit code"
  assert_contains "$out" "cannot mount volume over existing file, file exists /etc/passwd"
  assert_eq "$(berth ps -aq | wc -l)" "$before" "containers after the refusal"
  # The file stays what the image has.
  assert_contains "$(berth run --rm busybox head -1 /etc/passwd)" "root:"
}

run_tests "$@"
