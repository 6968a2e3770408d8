#!/usr/bin/env python3
"""The docker CLI's requests for `docker run --rm --network none busybox true`
(../shared/docker-api-wire.md §3.4: ping, create, attach hijack, wait, start,
attach EOF, wait body) replayed RUNS times from one process, so the engine's
time is measured without the CLI's start-up. Prints one duration a line, in
microseconds. Usage: docker_api_replay.py SOCKET RUNS"""
import http.client
import json
import socket
import sys
import time

VERSION = "/v1.41"  # dockerd 20.10's newest; berth and podman serve it too


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


def attach(path, container):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    sock.sendall((f"POST {VERSION}/containers/{container}/attach?stderr=1&stdout=1&stream=1 HTTP/1.1\r\n"
                  "Host: api.moby.localhost\r\nContent-Length: 0\r\nConnection: Upgrade\r\n"
                  "Content-Type: text/plain\r\nUpgrade: tcp\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("attach: closed before the 101")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        raise RuntimeError("attach: " + head.split(b"\r\n")[0].decode())
    return sock


def run_once(path, main):
    main.request("HEAD", "/_ping")
    main.getresponse().read()
    body = json.dumps({"Image": "busybox", "Cmd": ["true"], "AttachStdout": True, "AttachStderr": True,
                       "HostConfig": {"AutoRemove": True, "NetworkMode": "none"}})
    main.request("POST", f"{VERSION}/containers/create", body, {"Content-Type": "application/json"})
    created = main.getresponse()
    data = created.read()
    if created.status != 201:
        raise RuntimeError(f"create: {created.status} {data!r}")
    container = json.loads(data)["Id"]
    stream = attach(path, container)
    main.request("POST", f"{VERSION}/containers/{container}/wait?condition=removed", "")
    wait = main.getresponse()  # headers only: the body comes at the exit
    other = UnixConnection(path)
    other.request("POST", f"{VERSION}/containers/{container}/start", "")
    started = other.getresponse()
    started.read()
    other.close()
    if started.status != 204:
        raise RuntimeError(f"start: {started.status}")
    while stream.recv(65536):
        pass
    stream.close()
    result = json.loads(wait.read())
    if result.get("StatusCode") != 0:
        raise RuntimeError(f"wait: {result}")


def main():
    path, runs = sys.argv[1], int(sys.argv[2])
    connection = UnixConnection(path)
    run_once(path, connection)  # untimed: warms the connection and caches
    for _ in range(runs):
        start = time.monotonic_ns()
        run_once(path, connection)
        print((time.monotonic_ns() - start) // 1000, flush=True)


if __name__ == "__main__":
    main()
