"""An HTTP listener for the notifier tests. Appends each POST's body, one a
line, to OUT and its Content-Type to OUT.types; answers the status written
in STATUS_FILE when that file exists, else 200. Prints its port once it
listens, then serves until killed.

    python3 webhook_sink.py OUT STATUS_FILE
"""
import http.server
import os
import sys

out, status_file = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(out, "ab") as f:
            f.write(body + b"\n")
        with open(out + ".types", "a") as f:
            f.write(self.headers.get("Content-Type", "") + "\n")
        status = 200
        if os.path.exists(status_file):
            with open(status_file) as f:
                status = int(f.read().strip())
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
