#!/usr/bin/env bash
# The images cri-tools' critest (v1.29) pulls, made offline from Debian's
# busybox and gcc under their real repository names and pushed to a local
# registry, for running critest against berth by hand (it is not in CI:
# cri-tools is not a Debian package). berthd then reaches them through
# mirrors, daemon.json:
#   {"registry-endpoints": {"registry.k8s.io": ["http://REG"], "gcr.io": ["http://REG"]}}
# They do what critest asks of the real ones (a web server on :80 whose
# process is named nginx, httpd's command line in its log, a setuid
# program printing its effective uid, users and groups). The one image it
# cannot have is test-image-digest at the upstream digest.
# Usage: tests/tools/cri_test_images.sh BERTH_SOCKET   (berth in PATH; REG
# defaults to 127.0.0.1:5099, a registry already listening there)
set -euo pipefail
sock=$1
REG=${REG:-127.0.0.1:5099}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
b() { berth -H "unix://$sock" "$@"; }

# Debian's dynamic busybox (not busybox-static, whose sh runs applets
# in-process: a masked /bin/ls would still run), with its libraries.
(cd "$work" && apt-get download busybox >/dev/null 2>&1) || { echo "apt-get download busybox failed" >&2; exit 1; }
dpkg-deb -x "$work"/busybox_*.deb "$work/bbdeb"
BB=$work/bbdeb/bin/busybox

base_root() {  # base_root DIR: busybox root as busybox:1.36's
  local root=$1 lib
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/var/run" "$root/home" "$root/usr/sbin"
  chmod 1777 "$root/tmp"
  cp "$BB" "$root/bin/busybox"
  for lib in $(ldd "$BB" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  # Hard links, as in the busybox image (a masked /bin/ls masks only ls).
  for applet in $("$BB" --list); do
    [[ -e $root/bin/$applet ]] || ln "$root/bin/busybox" "$root/bin/$applet"
  done
  # Applets Debian's busybox-static lacks and critest uses.
  cat >"$root/bin/pgrep" <<'S'
#!/bin/sh
# pgrep PATTERN: pids whose name matches.
status=1
for dir in /proc/[0-9]*; do
  pid=${dir#/proc/}
  [ "$pid" = "$$" ] && continue
  read -r comm <"$dir/comm" 2>/dev/null || continue
  if echo "$comm" | grep -qE "$1"; then echo "$pid"; status=0; fi
done
exit $status
S
  cat >"$root/bin/ipcs" <<'S'
#!/bin/sh
# ipcs -m: the shared memory segments of this IPC namespace.
echo
echo "------ Shared Memory Segments --------"
echo "key        shmid      owner      perms      bytes      nattch     status"
awk 'NR > 1 { printf "0x%08x %-10s %-10s %-10o %-10s %-10s\n", $1, $2, $8, $3, $4, $7 }' /proc/sysvipc/shm
echo
S
  chmod 755 "$root/bin/pgrep" "$root/bin/ipcs"
  cat >"$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
P
  cat >"$root/etc/group" <<'G'
root:x:0:
daemon:x:1:
www-data:x:33:
nogroup:x:65534:
G
}

make_image() {  # make_image DIR NAME [--change ...]
  local dir=$1 name=$2; shift 2
  tar -C "$dir" --numeric-owner --owner=0 --group=0 -c . | b import "$@" - "$REG/$name" >/dev/null
  b push "$REG/$name" >/dev/null
  echo "pushed $REG/$name"
}

e2e=e2e-test-images
stg=k8s-staging-cri-tools

# busybox:1.29-2
base_root "$work/busybox"
make_image "$work/busybox" "$e2e/busybox:1.29-2" --change 'CMD ["sh"]'

# nginx:1.14-2: serves / on :80, pid in /var/run/nginx.pid, a process named nginx.
base_root "$work/nginx"
mkdir -p "$work/nginx/usr/share/nginx/html"
echo '<h1>Welcome to nginx!</h1>' >"$work/nginx/usr/share/nginx/html/index.html"
cat >"$work/nginx/usr/sbin/nginx" <<'S'
#!/bin/sh
# Named as nginx's master process in /proc/PID/cmdline, as nginx is.
[ "$1" = "master process" ] || exec /usr/sbin/nginx "master process" "$@"
httpd -f -p "${NGINX_PORT:-80}" -h /usr/share/nginx/html &
child=$!
echo $$ >/var/run/nginx.pid
trap 'kill $child; exit 0' TERM INT QUIT
wait $child
S
chmod 755 "$work/nginx/usr/sbin/nginx"
make_image "$work/nginx" "$e2e/nginx:1.14-2" --change 'CMD ["nginx", "-g", "daemon off;"]' --change 'EXPOSE 80'

# hostnet-nginx-amd64: the same on :12003.
make_image "$work/nginx" "$stg/hostnet-nginx-amd64:latest" --change 'CMD ["nginx", "-g", "daemon off;"]' --change 'ENV NGINX_PORT=12003'

# httpd:2.4.39-4: logs apache's command line, serves / on :80.
base_root "$work/httpd"
mkdir -p "$work/httpd/usr/local/apache2/htdocs" "$work/httpd/usr/local/bin"
echo '<html><body><h1>It works!</h1></body></html>' >"$work/httpd/usr/local/apache2/htdocs/index.html"
cat >"$work/httpd/usr/local/bin/httpd-foreground" <<'S'
#!/bin/sh
echo "[mpm_event:notice] AH00489: Apache/2.4.39 (Unix) configured -- resuming normal operations" >&2
echo "[core:notice] AH00094: Command line: 'httpd -D FOREGROUND'" >&2
httpd -f -p 80 -h /usr/local/apache2/htdocs &
child=$!
trap 'kill $child; exit 0' TERM INT QUIT WINCH
wait $child
S
chmod 755 "$work/httpd/usr/local/bin/httpd-foreground"
make_image "$work/httpd" "$e2e/httpd:2.4.39-4" --change 'CMD ["httpd-foreground"]' --change 'EXPOSE 80' \
  --change 'ENV PATH=/usr/local/bin:/usr/sbin:/bin'

# nonewprivs:1.3: a setuid-root program printing its effective uid.
base_root "$work/nnp"
printf '%s\n' '#include <stdio.h>' '#include <unistd.h>' \
  'int main(void) { printf("Effective uid: %d\n", (int)geteuid()); return 0; }' >"$work/nnp.c"
gcc -static -O2 -o "$work/nnp/usr/sbin/nnp" "$work/nnp.c"
chmod 4755 "$work/nnp/usr/sbin/nnp"
make_image "$work/nnp" "$e2e/nonewprivs:1.3" --change 'ENTRYPOINT ["/usr/sbin/nnp"]'

# Users (images/build's IMAGE_USERS).
for pair in test-image-user-uid=1002 test-image-user-username=www-data \
    test-image-user-uid-group=1003:1004 test-image-user-username-group=www-data:1004; do
  make_image "$work/busybox" "$stg/${pair%%=*}:latest" --change 'CMD ["sh"]' --change "USER ${pair#*=}"
done

# predefined group: default-user 1000 in group-defined-in-image 50000.
base_root "$work/group"
echo 'default-user:x:1000:1000:Linux User,,,:/home/default-user:/bin/sh' >>"$work/group/etc/passwd"
printf 'default-user:x:1000:\ngroup-defined-in-image:x:50000:default-user\n' >>"$work/group/etc/group"
mkdir -p "$work/group/home/default-user"
make_image "$work/group" "$stg/test-image-predefined-group:latest" --change 'CMD ["sh"]' --change 'USER 1000'

# image-test: busybox plus a file named after the image.
for name in test-image-1 test-image-2 test-image-3 test-image-latest test-image-digest; do
  base_root "$work/$name"; touch "$work/$name/$name"
  make_image "$work/$name" "$stg/$name:latest" --change 'CMD ["sh"]'
done
retag() {  # retag FROM TO: one image under a second name
  b tag "$REG/$1" "$REG/$2"; b push "$REG/$2" >/dev/null; echo "pushed $REG/$2"
}
base_root "$work/same"; touch "$work/same/same-image"
make_image "$work/same" "$stg/test-image-tags:1" --change 'CMD ["sh"]'
retag "$stg/test-image-tags:1" "$stg/test-image-tags:2"
retag "$stg/test-image-tags:1" "$stg/test-image-tags:3"
base_root "$work/tag"; touch "$work/tag/test-image-tag"
make_image "$work/tag" "$stg/test-image-tag:test" --change 'CMD ["sh"]'
retag "$stg/test-image-tag:test" "$stg/test-image-tag:all"
