# The docker CLI against a berthd's Docker API, for the docker_* suites.
# After start_berthd MAIN, use_docker_socket sets DOCKER_SOCK; docker then
# runs the docker 28 CLI with DOCKER_HOST on it and a config dir of its
# own (no stored credentials, no plugins), and reports a skip where the
# CLI is not installed.

DOCKER=/usr/local/bin/docker

use_docker_socket() {
  DOCKER_SOCK=$MAIN_EXEC/docker.sock
  wait_for 10 test -S "$DOCKER_SOCK" || fail "no docker.sock in $MAIN_EXEC"
}

docker() {
  [[ -x $DOCKER ]] || skip "the docker CLI is not installed at $DOCKER"
  DOCKER_HOST=unix://$DOCKER_SOCK DOCKER_CONFIG=$TMP/docker-config "$DOCKER" "$@"
}
