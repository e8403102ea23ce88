#!/usr/bin/env python3
"""A minimal RFC 6455 WebSocket echo server and a client that holds WebSockets open (python3 stdlib only).

Usage:
  ws_tool.py serve HOST PORT
      Echo server: answers an Upgrade request with 101, then echoes text/binary frames, answers ping with pong and
      close with close. A plain request (no Upgrade) gets "HTTP/1.1 200 OK" with the body "ok" (health checks).
  ws_tool.py hold HOST PORT1,PORT2,... N PATH
      Opens N WebSockets to PATH, round-robin over the ports, and holds them. Protocol on stdout/stdin (for the
      driving shell script):
        prints "OPENED ok=<n> failed=<n>" once every handshake finished (or failed), then reads lines on stdin:
          "check"         -> one text frame on every open socket, its echo expected within 10 s; prints
                             "CHECK open=<still open> echoed=<echo matched> closed=<closed so far, all checks>"
          "close" or EOF  -> sends close on every socket, prints "CLOSED" and exits.
Only loopback addresses are accepted.
"""
import asyncio
import base64
import hashlib
import ipaddress
import os
import struct
import sys

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
TIMEOUT = 10


def accept_key(key):
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(sha1(key + GUID))."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def require_loopback(host):
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit("only loopback addresses may be used")


async def read_head(reader):
    """Reads an HTTP head; returns (first line, {lower-cased name: value})."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return head[0], headers


def encode_frame(opcode, payload, mask, fin=True):
    """One frame; client frames must be masked (RFC 6455 5.3), server frames must not be."""
    first = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", first, (0x80 if mask else 0) | n)
    elif n < 65536:
        head = struct.pack("!BBH", first, (0x80 if mask else 0) | 126, n)
    else:
        head = struct.pack("!BBQ", first, (0x80 if mask else 0) | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


async def read_frame(reader):
    """Reads one frame; returns (fin, opcode, payload), unmasked when the sender masked it."""
    first, second = await reader.readexactly(2)
    n = second & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", await reader.readexactly(2))
    elif n == 127:
        (n,) = struct.unpack("!Q", await reader.readexactly(8))
    key = await reader.readexactly(4) if second & 0x80 else None
    payload = await reader.readexactly(n)
    if key:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bool(first & 0x80), first & 0x0F, payload


# ---- serve ---------------------------------------------------------------------------------------------------

async def serve_connection(reader, writer):
    try:
        while True:  # keep-alive: plain requests may follow each other on one connection
            line, headers = await read_head(reader)
            if int(headers.get("content-length", "0") or 0):
                await reader.readexactly(int(headers["content-length"]))
            key = headers.get("sec-websocket-key")
            if "websocket" in headers.get("upgrade", "").lower() and key:
                writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n").encode())
                await writer.drain()
                await echo_frames(reader, writer)
                return
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                return
    except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
        pass  # the peer went away or sent garbage: just close
    finally:
        writer.close()


async def echo_frames(reader, writer):
    while True:
        fin, opcode, payload = await read_frame(reader)
        if opcode in (OP_TEXT, OP_BINARY, OP_CONT):
            writer.write(encode_frame(opcode, payload, mask=False, fin=fin))  # fragments echoed as they come
        elif opcode == OP_PING:
            writer.write(encode_frame(OP_PONG, payload, mask=False))
        elif opcode == OP_CLOSE:
            writer.write(encode_frame(OP_CLOSE, payload[:2], mask=False))  # echo the status code, then close
            await writer.drain()
            return
        await writer.drain()  # OP_PONG and unknown opcodes: nothing to answer


async def serve(host, port):
    server = await asyncio.start_server(serve_connection, host, port, backlog=1024)
    async with server:
        await server.serve_forever()


# ---- hold ----------------------------------------------------------------------------------------------------

class Socket:
    def __init__(self, index, reader, writer):
        self.index, self.reader, self.writer, self.closed = index, reader, writer, False


async def open_socket(index, host, port, path):
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), TIMEOUT)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    await writer.drain()
    line, headers = await asyncio.wait_for(read_head(reader), TIMEOUT)
    if line.split(" ")[1:2] != ["101"]:
        raise ConnectionError(f"handshake answered {line!r}")
    if headers.get("sec-websocket-accept") != accept_key(key):
        raise ConnectionError("wrong Sec-WebSocket-Accept")
    return Socket(index, reader, writer)


async def check_socket(sock, seq):
    """Sends one text frame and waits for its echo; returns True when echoed, marks the socket closed on EOF."""
    text = f"check {seq} socket {sock.index}".encode()
    try:
        sock.writer.write(encode_frame(OP_TEXT, text, mask=True))
        await sock.writer.drain()
        while True:
            _, opcode, payload = await asyncio.wait_for(read_frame(sock.reader), TIMEOUT)
            if opcode == OP_PING:
                sock.writer.write(encode_frame(OP_PONG, payload, mask=True))
            elif opcode == OP_CLOSE:
                raise ConnectionError(f"close frame {payload[:2].hex()}")
            elif opcode == OP_TEXT:
                return payload == text
    except asyncio.TimeoutError:
        print(f"socket {sock.index}: no echo within {TIMEOUT} s", file=sys.stderr)
        return False  # still open as far as we know, but not echoed
    except (asyncio.IncompleteReadError, ConnectionError) as e:
        print(f"socket {sock.index}: closed: {type(e).__name__}: {e}", file=sys.stderr)
        sock.closed = True
        sock.writer.close()
        return False


async def hold(host, ports, n, path):
    results = await asyncio.gather(*(open_socket(i, host, ports[i % len(ports)], path) for i in range(n)),
                                   return_exceptions=True)
    socks = [r for r in results if isinstance(r, Socket)]
    for i, r in enumerate(results):
        if not isinstance(r, Socket):
            print(f"socket {i}: {type(r).__name__}: {r}", file=sys.stderr)
    print(f"OPENED ok={len(socks)} failed={n - len(socks)}", flush=True)

    loop = asyncio.get_running_loop()
    seq = 0
    while (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "check":
        seq += 1
        live = [s for s in socks if not s.closed]
        echoed = sum(await asyncio.gather(*(check_socket(s, seq) for s in live)))
        open_now = sum(1 for s in socks if not s.closed)
        print(f"CHECK open={open_now} echoed={echoed} closed={len(socks) - open_now}", flush=True)

    for s in socks:  # close or EOF: a polite close frame on every socket still open
        if not s.closed:
            try:
                s.writer.write(encode_frame(OP_CLOSE, struct.pack("!H", 1000), mask=True))
                await s.writer.drain()
            except ConnectionError:
                pass
            s.writer.close()
    print("CLOSED", flush=True)


def main(argv):
    if len(argv) >= 4 and argv[1] == "serve":
        require_loopback(argv[2])
        asyncio.run(serve(argv[2], int(argv[3])))
    elif len(argv) >= 6 and argv[1] == "hold":
        require_loopback(argv[2])
        ports = [int(p) for p in argv[3].split(",") if p]
        asyncio.run(hold(argv[2], ports, int(argv[4]), argv[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
