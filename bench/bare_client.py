"""The reference for bench/status.py: a bare Python client doing the same socket round
trip as `devlog status` (initialize, initialized, the status command, exit), with the
standard library only and nothing else: what any Python client must pay.

    python bench/bare_client.py SOCKET [--fresh]
"""

import json
import socket
import sys


def send(sock, message):
    body = json.dumps(message).encode()
    sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)


def reply(sock, buffer, wanted):
    while True:
        while b"\r\n\r\n" not in buffer:
            buffer += sock.recv(65536)
        head, _, rest = buffer.partition(b"\r\n\r\n")
        length = int(head.split(b"Content-Length:")[1].split(b"\r\n")[0])
        while len(rest) < length:
            rest += sock.recv(65536)
        message, buffer = json.loads(rest[:length]), rest[length:]
        if message.get("id") == wanted and "method" not in message:
            return message, buffer


def main():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(sys.argv[1])
    send(sock, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"processId": None, "rootUri": None, "capabilities": {}}})
    _, buffer = reply(sock, b"", 1)
    send(sock, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
    arguments = [{"fresh": True}] if "--fresh" in sys.argv else []
    send(sock, {"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand",
                "params": {"command": "devlog.status", "arguments": arguments}})
    answer, _ = reply(sock, buffer, 2)
    sock.close()
    return 0 if "result" in answer else 1


if __name__ == "__main__":
    sys.exit(main())
