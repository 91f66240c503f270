"""nfsock.py: a raw client of netfaultd's control socket for the CLI tests,
and the shape of one for anyone writing their own: newline-delimited JSON
over a Unix stream socket (netfaultd(8), PROTOCOL)."""
import json
import socket


class Conn:
    def __init__(self, path, timeout=30):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)        # blocking: waits while the backlog is full
        self.sock.settimeout(timeout)
        self.buf = b""

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, request):
        self.send_raw(json.dumps(request).encode() + b"\n")

    def recv(self):
        """The next reply as a dict, or None at end of file."""
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def request(self, request):
        self.send(request)
        return self.recv()

    def close(self):
        self.sock.close()
