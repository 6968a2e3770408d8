#!/usr/bin/env bash
# Runs the end-to-end suites on a host where systemd is PID 1, as a fresh
# Debian machine is, when this one's init is not systemd: each suite runs as
# a process in the namespaces of a systemd booted as their PID 1 (the rig
# of tests/systemd_rig.sh), with /run/systemd/system present, so every check
# that asks "is systemd init here?" says yes.
#
# Not part of `bazel test` (the suites take as long again); run it by hand
# after `bazel build -c opt //...` (deploy/test's build):
#   bash tests/run_under_systemd.sh [SUITE...]     (default: every suite)
# Ends with "N passed, N failed, N skipped" over the suites' cases.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=$(bazel info -c opt bazel-bin 2>/dev/null)

# Not under /var/tmp or /run: the rig has its own of those.
TEST_TMPDIR=$(mktemp -d /tmp/berth-under-systemd.XXXXXX)
export TEST_TMPDIR
source tests/lib.sh
source tests/systemd_rig.sh
trap 'rig_teardown; cleanup' EXIT

suites=("$@")
if ((${#suites[@]} == 0)); then
  # The systemd driver's own suite boots a rig of its own: not inside one.
  mapfile -t suites < <(bazel query 'attr(tags, e2e, tests(//tests/...))' 2>/dev/null |
    sed 's|^//tests:||' | grep -vx systemd_cgroup_test)
fi

RIG_DIR=$TMP/rig
mkdir -p "$RIG_DIR/units" "$RIG_DIR/none"
cat >"$RIG_DIR/units/berth-test.target" <<UNIT
[Unit]
Description=berth test target
DefaultDependencies=no
UNIT
rig_boot || exit 1
rig test -d /run/systemd/system || { echo "systemd in the rig did not make /run/systemd/system"; exit 1; }

passed=0 failed=0 skipped=0
for suite in "${suites[@]}"; do
  runfiles=$bin/tests/$suite.runfiles
  [[ -d $runfiles ]] || { echo "no $runfiles: bazel build -c opt //tests:$suite first"; failed=$((failed + 1)); continue; }
  dir=$TMP/$suite
  mkdir -p "$dir"
  echo "=== $suite (under systemd)"
  # In the rig's namespaces, beside its systemd (systemd-run would need a
  # D-Bus daemon, which the rig does not run), with the Bazel test
  # environment the suite expects.
  rig env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "TEST_SRCDIR=$runfiles" \
    "TEST_TMPDIR=$dir" "XML_OUTPUT_FILE=$dir/test.xml" "TEST_TARGET=//tests:$suite" \
    bash "$runfiles/berth/tests/$suite.sh" </dev/null 2>&1 | tee "$dir/log"
  if [[ -f $dir/test.xml ]]; then
    read -r p f s < <(echo "//tests:$suite $dir/test.xml" | python3 deploy/junit_summary.py |
      tail -1 | grep -o '[0-9]*' | paste -sd' ')
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  else
    echo "no result from $suite"
    failed=$((failed + 1))
  fi
done
echo
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
