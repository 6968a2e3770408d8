// Test helper, statically linked to run inside any container image: makes
// one raw system call and prints "OK" or the errno's name (EPERM,
// ENOSYS...). `syscall_errno CALL [ARG...]`: CALL is a number or one of
// the names below (numbers differ between architectures); arguments are
// numbers in C syntax (0x... allowed). A clone that succeeds is reaped
// here, its child exiting at once.

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

struct Named {
  const char* name;
  long nr;
};

const Named kCalls[] = {
    {"clone", SYS_clone},           {"clone3", SYS_clone3},
    {"fanotify_init", SYS_fanotify_init}, {"io_uring_setup", SYS_io_uring_setup},
    {"mount", SYS_mount},           {"personality", SYS_personality},
    {"socket", SYS_socket},         {"unshare", SYS_unshare},
};

long Resolve(const char* call) {
  for (const Named& named : kCalls) {
    if (strcmp(call, named.name) == 0) return named.nr;
  }
  char* end = nullptr;
  long nr = strtol(call, &end, 0);
  if (end == call || *end != '\0') {
    fprintf(stderr, "syscall_errno: unknown call %s\n", call);
    exit(2);
  }
  return nr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 8) {
    fprintf(stderr, "usage: syscall_errno CALL [ARG...]\n");
    return 2;
  }
  long nr = Resolve(argv[1]);
  long args[6] = {0, 0, 0, 0, 0, 0};
  for (int i = 2; i < argc; ++i) args[i - 2] = static_cast<long>(strtoull(argv[i], nullptr, 0));
  errno = 0;
  long rc = syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
  int error = errno;
  if (nr == SYS_clone && rc == 0) _exit(0);  // the child
  if (nr == SYS_clone && rc > 0) waitpid(static_cast<pid_t>(rc), nullptr, __WALL);
  printf("%s\n", rc == -1 ? strerrorname_np(error) : "OK");
  return 0;
}
