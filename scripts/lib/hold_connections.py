#!/usr/bin/env python3
"""Open N keep-alive HTTP/1.1 connections, send one GET on each, read the response, keep them open.

Usage: hold_connections.py HOST PORT N [--parallel P] [--path /]

Protocol on stdout/stdin (for the driving shell script):
  prints  "OPENED ok=<n200> failed=<nfail> other=<non-200> seconds=<t>"  once every connection has an answer,
  then waits for a line on stdin:
    "again"  -> sends a second GET on every still-open connection and prints "AGAIN ok=<n> failed=<n>"
    "close" or EOF -> closes everything, prints "CLOSED" and exits.
Only loopback addresses are accepted.
"""
import asyncio
import ipaddress
import resource
import sys
import time


def parse_args(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    host, port, n = argv[1], int(argv[2]), int(argv[3])
    parallel, path = 200, "/"
    rest = argv[4:]
    while rest:
        if rest[0] == "--parallel":
            parallel = int(rest[1]); rest = rest[2:]
        elif rest[0] == "--path":
            path = rest[1]; rest = rest[2:]
        else:
            sys.exit(f"unknown argument {rest[0]}")
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit("only loopback addresses may receive traffic")
    return host, port, n, parallel, path


async def read_response(reader):
    """Reads one response (Content-Length or chunked body); returns the status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                break
            await reader.readexactly(size + 2)
    elif length:
        await reader.readexactly(length)
    return status


async def request(conn, host, port, path, timeout=30):
    reader, writer = conn
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    await writer.drain()
    return await asyncio.wait_for(read_response(reader), timeout)


async def main():
    host, port, n, parallel, path = parse_args(sys.argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    conns = [None] * n
    results = {"ok": 0, "failed": 0, "other": 0}
    gate = asyncio.Semaphore(parallel)

    async def open_one(i):
        async with gate:
            try:
                conn = await asyncio.wait_for(asyncio.open_connection(host, port), 30)
                status = await request(conn, host, port, path)
                conns[i] = conn
                results["ok" if status == 200 else "other"] += 1
            except Exception as e:  # noqa: BLE001 - every failure is counted, the first few shown
                results["failed"] += 1
                if results["failed"] <= 5:
                    print(f"connection {i}: {type(e).__name__}: {e}", file=sys.stderr)

    start = time.monotonic()
    await asyncio.gather(*(open_one(i) for i in range(n)))
    print(f"OPENED ok={results['ok']} failed={results['failed']} other={results['other']} "
          f"seconds={time.monotonic() - start:.1f}", flush=True)

    loop = asyncio.get_running_loop()
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if line == "again":
            again = {"ok": 0, "failed": 0}

            async def again_one(conn):
                async with gate:
                    try:
                        status = await request(conn, host, port, path)
                        again["ok" if status == 200 else "failed"] += 1
                    except Exception:  # noqa: BLE001
                        again["failed"] += 1

            await asyncio.gather(*(again_one(c) for c in conns if c is not None))
            print(f"AGAIN ok={again['ok']} failed={again['failed']}", flush=True)
        else:
            break

    for c in conns:
        if c is not None:
            c[1].close()
    print("CLOSED", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
