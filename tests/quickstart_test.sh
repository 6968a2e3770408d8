#!/usr/bin/env bash
# The README's first command, deploy/quickstart, end to end: it builds and
# installs berth, starts berthd, makes the embedded busybox image and runs a
# container. deploy/test runs this after `bazel test`, in its own checkout:
# CI's is a fresh clone.
#
# It runs the quickstart for real, with its default paths, inside private
# pid, mount and network namespaces: /usr/local, /etc/berth,
# /etc/systemd/system, /run, /var/lib/berth, /var/log and the shells'
# completion folders are empty tmpfs there, so nothing of the host is
# installed over or started, and every process it starts (berthd, its
# services, shims, the Bazel server it needs) dies with the namespace. /run
# being empty, the quickstart takes its path for hosts where systemd is not
# init. The checkout's Bazel server is stopped first: the quickstart's build
# starts one inside the namespaces on the same output base, so it builds
# nothing that deploy/test's `-c opt` build already made.
#
# Usage: tests/quickstart_test.sh JUNIT_XML
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
xml=${1:?usage: quickstart_test.sh JUNIT_XML}

work=$(mktemp -d /var/tmp/berth-quickstart.XXXXXX)
log=$work/quickstart.log
(cd "$root" && bazel shutdown) >/dev/null 2>&1

start=$SECONDS
# The sandbox: everything the quickstart writes outside the checkout is a tmpfs.
unshare --mount --net --pid --fork --mount-proc --propagation private bash -c '
  set -e
  ip link set lo up
  for dir in /usr/local /etc/berth /etc/systemd/system /run /var/lib/berth /var/log \
    /usr/share/bash-completion/completions /usr/share/zsh/vendor-completions \
    /usr/share/fish/vendor_completions.d; do
    mkdir -p "$dir"
    mount -t tmpfs -o mode=755 tmpfs "$dir"
  done
  cd "$1"
  bash deploy/quickstart
  export PATH=/usr/local/bin:$PATH
  echo "--- checks"
  berth version
  berth run --rm busybox cat /etc/hostname
' quickstart "$root" >"$log" 2>&1
rc=$?
elapsed=$((SECONDS - start))

failure=""
if ((rc != 0)); then
  failure="deploy/quickstart exited with $rc"
elif ! grep -q '^hello from container [0-9a-f]\{12\}, running as pid 1$' "$log"; then
  failure="no hello from the container"
elif ! sed -n '/^--- checks/,$p' "$log" | grep -qx '[0-9a-f]\{12\}'; then
  failure="a second container did not run"
fi

escape() { sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g'; }
if [[ -z $failure ]]; then
  echo "PASS quickstart (${elapsed}s)"
  case='<testcase classname="quickstart" name="test_quickstart" time="'$elapsed'"/>'
else
  echo "FAIL quickstart: $failure"
  tail -40 "$log" | sed 's/^/    /'
  case='<testcase classname="quickstart" name="test_quickstart" time="'$elapsed'"><failure message="'$failure'">'$(tail -40 "$log" | escape)'</failure></testcase>'
fi
printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="quickstart">%s</testsuite></testsuites>\n' "$case" >"$xml"
rm -rf "$work"
[[ -z $failure ]]
