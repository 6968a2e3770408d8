#!/usr/bin/env bash
# The default seccomp profile is Docker's allow list: a call it does not
# name fails with EPERM (io_uring_setup), calls newer than the profile
# with ENOSYS (so a libc falls back), and the calls a capability governs
# are allowed when the container holds it. A static helper makes each
# raw call inside a busybox container; every refusal has its positive
# control (unconfined, privileged or with the capability).
source "$(dirname "$0")/lib.sh"

setup_suite() {
  mkdir -p "$TMP/tools"
  cp -f "$RUNFILES/tests/tools/syscall_errno" "$TMP/tools/"
  start_berthd MAIN
  PATH=$BIN:$PATH bash "$RUNFILES/deploy/busybox-image" busybox -H "$MAIN_SOCK" >/dev/null
}

teardown_suite() {
  remove_main_containers
}

berth() { "$BIN/berth" -H "$MAIN_SOCK" "$@"; }

# call [run options --] CALL ARGS...: the errno name (or OK) of one raw
# system call in a fresh busybox container.
call() {
  local opts=()
  while [[ $# -gt 0 && $1 != -- ]]; do opts+=("$1"); shift; done
  shift
  berth run --rm -v "$TMP/tools:/tools:ro" "${opts[@]}" busybox /tools/syscall_errno "$@"
}

test_unlisted_call_is_refused_and_unconfined_allows_it() {
  # io_uring_setup(0, NULL): EFAULT from the kernel when the filter lets
  # it through; Docker's profile does not list it.
  assert_eq "$(call -- io_uring_setup 0 0)" "EPERM" "io_uring_setup in a default container"
  assert_eq "$(call --security-opt seccomp=unconfined -- io_uring_setup 0 0)" "EFAULT" \
    "io_uring_setup unconfined"
  assert_eq "$(call --privileged -- io_uring_setup 0 0)" "EFAULT" "io_uring_setup privileged"
  # An ordinary call passes the default filter.
  assert_eq "$(call -- personality 0xffffffff)" "OK" "personality query"
}

test_calls_newer_than_the_profile_answer_enosys() {
  assert_eq "$(call -- 999)" "ENOSYS" "an unknown call number in a default container"
  assert_eq "$(call --security-opt seccomp=unconfined -- 999)" "ENOSYS" "the same unconfined"
  # clone3 carries its flags in memory: ENOSYS, and libc uses clone().
  assert_eq "$(call -- clone3 0 0)" "ENOSYS" "clone3 without CAP_SYS_ADMIN"
  assert_eq "$(call --cap-add SYS_ADMIN -- clone3 0 0)" "EINVAL" "clone3 with CAP_SYS_ADMIN"
}

test_argument_conditions() {
  # personality: only the values Docker lists (ADDR_NO_RANDOMIZE is not).
  assert_eq "$(call -- personality 0)" "OK" "personality(PER_LINUX)"
  assert_eq "$(call -- personality 0x0040000)" "EPERM" "personality(ADDR_NO_RANDOMIZE)"
  assert_eq "$(call --security-opt seccomp=unconfined -- personality 0x0040000)" "OK" \
    "personality(ADDR_NO_RANDOMIZE) unconfined"
  # clone: a plain fork is fine, a new user namespace is not.
  assert_eq "$(call -- clone 17)" "OK" "clone(SIGCHLD)"
  assert_eq "$(call -- clone $((0x10000000 | 17)))" "EPERM" "clone(CLONE_NEWUSER)"
  assert_eq "$(call --cap-add SYS_ADMIN -- clone $((0x10000000 | 17)))" "OK" \
    "clone(CLONE_NEWUSER) with CAP_SYS_ADMIN"
  # socket: every family but AF_VSOCK (40) and AF_ALG (38).
  assert_eq "$(call -- socket 2 1 0)" "OK" "socket(AF_INET)"
  assert_eq "$(call -- socket 40 1 0)" "EPERM" "socket(AF_VSOCK)"
  assert_eq "$(call -- socket 38 5 0)" "EPERM" "socket(AF_ALG)"
}

test_capability_groups() {
  # CLONE_NEWUTS, and mount with no arguments (EFAULT once allowed).
  assert_eq "$(call -- unshare 0x04000000)" "EPERM" "unshare without CAP_SYS_ADMIN"
  assert_eq "$(call --cap-add SYS_ADMIN -- unshare 0x04000000)" "OK" "unshare with CAP_SYS_ADMIN"
  assert_eq "$(call -- mount 0 0 0 0 0)" "EPERM" "mount without CAP_SYS_ADMIN"
  assert_eq "$(call --cap-add SYS_ADMIN -- mount 0 0 0 0 0)" "EFAULT" "mount with CAP_SYS_ADMIN"
  # fanotify_init is Docker's CAP_SYS_ADMIN group only.
  assert_eq "$(call -- fanotify_init 0 0)" "EPERM" "fanotify_init without CAP_SYS_ADMIN"
  assert_eq "$(call --cap-add SYS_ADMIN -- fanotify_init 0 0)" "OK" \
    "fanotify_init with CAP_SYS_ADMIN"
}

test_info_names_the_builtin_profile() {
  local out
  out=$(berth info)
  assert_contains "$out" $' Security Options:\n  seccomp\n   Profile: builtin'
}

run_tests "$@"
