#!/usr/bin/env python3
"""A read/write workload through redis-py's RedisCluster (python3-redis), unmodified.

Usage: real_mode_workload.py HOST PORT [KEYS]
Writes KEYS keys spread over every slot range, reads them back, runs INCR,
a pipeline and a non-atomic MGET, and exits 1 with the first mismatch.
"""
import sys

from redis.cluster import ClusterNode, RedisCluster


def main() -> int:
    host, port = sys.argv[1], int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    client = RedisCluster(startup_nodes=[ClusterNode(host, port)], decode_responses=True)
    for i in range(count):
        client.set(f"py:{i}", f"value-{i}")
    for i in range(count):
        got = client.get(f"py:{i}")
        if got != f"value-{i}":
            print(f"redis-py workload: GET py:{i} returned {got!r}, expected 'value-{i}'")
            return 1
    before = int(client.get("py:counter") or 0)
    for _ in range(20):
        client.incr("py:counter")
    after = int(client.get("py:counter"))
    if after != before + 20:
        print(f"redis-py workload: 20 INCRs moved py:counter from {before} to {after}")
        return 1
    pipe = client.pipeline()
    for i in range(50):
        pipe.set(f"py:pipe:{i}", i)
    if not all(pipe.execute()):
        print("redis-py workload: a pipelined SET did not return OK")
        return 1
    values = client.mget_nonatomic([f"py:pipe:{i}" for i in range(50)])
    if values != [str(i) for i in range(50)]:
        print(f"redis-py workload: MGET of the pipelined keys returned {values[:5]}...")
        return 1
    print(f"redis-py workload: {count} keys written and read back, INCR, pipeline and MGET agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
