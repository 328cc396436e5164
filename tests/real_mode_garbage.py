#!/usr/bin/env python3
"""Sends malformed input to a node's client port and cluster bus port.

Usage: real_mode_garbage.py HOST CLIENT_PORT BUS_PORT [SEED]
Each of many short connections sends random bytes, RESP with absurd lengths,
or a bus frame with a valid signature and a garbage body, then hangs up. The
caller checks afterwards that the node still serves and logged the peers.
"""
import random
import socket
import sys


def payload(rng: random.Random, bus: bool) -> bytes:
    kind = rng.random()
    noise = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 20000)))
    if kind < 0.3:
        return noise
    if kind < 0.5:
        return b"*%d\r\n$%d\r\n" % (rng.randint(-5, 1 << 40), rng.randint(-5, 1 << 40))
    if kind < 0.7 and bus:
        return b"RCmb" + noise  # the bus signature, then nonsense lengths and types
    return b"*3\r\n$3\r\nSET\r\n$%d\r\n" % rng.randint(0, 99) + noise[:200]


def main() -> int:
    host, client_port, bus_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    for port, bus in ((client_port, False), (bus_port, True)):
        for _ in range(40):
            with socket.create_connection((host, port), timeout=2) as conn:
                conn.settimeout(0.2)
                try:
                    for _ in range(rng.randint(1, 5)):
                        conn.sendall(payload(rng, bus))
                    conn.recv(4096)
                except OSError:
                    pass  # the node may hang up on us: that is the point
    print(f"garbage: 80 connections of malformed input sent to ports {client_port} and {bus_port}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
