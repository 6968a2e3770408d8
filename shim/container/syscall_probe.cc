// Test helper, statically linked to run inside a busybox container: tries
// the system calls a container must not make by default and prints
// "name=OK" or "name=ERRNO-NAME" for each.

#include <errno.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static void Report(const char* name, long rc) {
  printf("%s=%s\n", name, rc == 0 || (rc > 0 && errno == 0) ? "OK" : strerrorname_np(errno));
}

int main() {
  errno = 0;
  Report("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) < 0 ? -1 : 0);
  errno = 0;
  Report("unshare", unshare(CLONE_NEWUTS));
  errno = 0;
  Report("mount", mount("none", "/tmp", "tmpfs", 0, nullptr));
  errno = 0;
  Report("sethostname", sethostname("probe", 5));
  errno = 0;
  Report("getpid", getpid() > 0 ? 0 : -1);
  return 0;
}
