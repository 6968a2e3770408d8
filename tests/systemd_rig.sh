#!/usr/bin/env bash
# A systemd booted as PID 1 of its own pid, mount, cgroup, uts and network
# namespaces, for tests that need systemd as init on a host where it is not
# (or that must not touch the host's): Debian's systemd in a cgroup of its
# own (berth-sdtest-<pid> in every hierarchy), with only the units in
# $RIG_DIR/units (SYSTEMD_UNIT_PATH; no generators, so none of the host's
# boot units run). Sourced after lib.sh.

RIG_CG=berth-sdtest-$$

# Runs a command inside the rig (systemctl and friends).
rig() { nsenter -t "$RIG_INIT" -m -p -C -n -u -- "$@"; }

# The rig's cgroup in every hierarchy of this host, for the booting shell.
rig_cgroup_join() {
  local dir
  for dir in /sys/fs/cgroup/*/; do
    dir=${dir%/}
    mountpoint -q "$dir" || continue
    mkdir -p "$dir/$RIG_CG"
    if [[ -f $dir/cpuset.cpus ]]; then
      cat "$dir/cpuset.cpus" >"$dir/$RIG_CG/cpuset.cpus"
      cat "$dir/cpuset.mems" >"$dir/$RIG_CG/cpuset.mems"
    fi
    echo "$BASHPID" >"$dir/$RIG_CG/cgroup.procs"
  done
}

# What runs as the namespaces' first process: the cgroup hierarchies are
# mounted again as the new cgroup namespace sees them (its root is the rig's
# cgroup), then systemd takes over.
RIG_INIT_SCRIPT='
set -e
list=$(awk "\$5 ~ \"^/sys/fs/cgroup/\"" /proc/self/mountinfo | sed "s/ - / /")
umount -R /sys/fs/cgroup
mount -t tmpfs -o mode=755 tmpfs /sys/fs/cgroup
while read -r _ _ _ _ mnt _ fstype _ opts; do
  mkdir -p "$mnt"
  case $fstype in
    cgroup) mount -t cgroup -o "$(tr , "\n" <<<"$opts" | grep -vx "rw\|ro" | paste -sd,)" cgroup "$mnt" ;;
    cgroup2) mount -t cgroup2 cgroup2 "$mnt" ;;
  esac
done <<<"$list"
mount -t proc proc /proc
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs tmpfs /var/tmp
exec env -i container=berth-test PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  SYSTEMD_UNIT_PATH="/run/systemd/transient:$RIG_DIR/units" \
  SYSTEMD_GENERATOR_PATH="$RIG_DIR/none" SYSTEMD_ENVIRONMENT_GENERATOR_PATH="$RIG_DIR/none" \
  /lib/systemd/systemd --unit=berth-test.target --log-target=console
'

# rig_boot: boots the rig with the units in $RIG_DIR/units (one of them
# berth-test.target, its default unit); sets RIG_UNSHARE and RIG_INIT.
rig_boot() {
  [[ -x /lib/systemd/systemd ]] || { echo "systemd is not installed (deploy/setup installs it)"; return 1; }
  (rig_cgroup_join && RIG_DIR=$RIG_DIR exec unshare --cgroup --pid --mount --uts --net --fork \
    --propagation private bash -c "$RIG_INIT_SCRIPT") >"$TMP/rig.log" 2>&1 &
  RIG_UNSHARE=$!
  track_pid "$RIG_UNSHARE"
  # The subshell's own children (cat, mountpoint) come first: the init is
  # unshare's child, once the subshell has become unshare.
  wait_for 10 bash -c "[[ \$(cat /proc/$RIG_UNSHARE/comm) == unshare ]] && pgrep -P $RIG_UNSHARE" ||
    { cat "$TMP/rig.log"; return 1; }
  RIG_INIT=$(pgrep -P "$RIG_UNSHARE")
  wait_for 30 rig systemctl is-active berth-test.target || { cat "$TMP/rig.log"; return 1; }
}

# rig_teardown: stops the rig and everything in it.
rig_teardown() {
  [[ -n ${RIG_UNSHARE:-} ]] || return 0
  # The namespace's init takes every process in it along (shims, containers,
  # the daemons), and with its mount namespace their mounts.
  local init
  for init in ${RIG_INIT:-} $(pgrep -P "$RIG_UNSHARE"); do kill -KILL "$init" 2>/dev/null; done
  wait_for 10 bash -c "! kill -0 $RIG_UNSHARE 2>/dev/null"
  local dir
  for _ in $(seq 50); do
    for dir in /sys/fs/cgroup/*/"$RIG_CG"; do
      [[ -d $dir ]] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    compgen -G "/sys/fs/cgroup/*/$RIG_CG" >/dev/null || break
    sleep 0.1
  done
}
