#!/usr/bin/env python3
"""A name server for tests: answers every A question with one address.

Stands in for the host's upstream resolver (there is no other on a test
machine), so a test can tell "forwarded" from "not forwarded".
Usage: fake_dns.py BIND_ADDRESS ANSWER_ADDRESS   (UDP port 53)
"""

import socket
import struct
import sys


def answer(query: bytes, address: bytes) -> bytes:
    header = query[:12]
    ident, flags = struct.unpack("!HH", header[:4])
    # The question: labels up to the zero byte, then type and class.
    end = 12
    while end < len(query) and query[end] != 0:
        end += query[end] + 1
    question = query[12:end + 5]
    qtype = struct.unpack("!H", query[end + 1:end + 3])[0] if end + 3 <= len(query) else 0
    answers = b""
    if qtype == 1:
        # A pointer to the question's name, A, IN, TTL 60, 4 bytes.
        answers = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + address
    response_flags = 0x8000 | (flags & 0x0100) | 0x0080
    return struct.pack("!HHHHHH", ident, response_flags, 1, 1 if answers else 0, 0, 0) + question + answers


def main():
    bind_to, reply = sys.argv[1], socket.inet_aton(sys.argv[2])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((bind_to, 53))
    while True:
        query, peer = sock.recvfrom(4096)
        if len(query) > 12:
            sock.sendto(answer(query, reply), peer)


if __name__ == "__main__":
    main()
