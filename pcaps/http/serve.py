#!/usr/bin/env python3
"""Test HTTP server for pcaps/http/record.sh (HTTP/1.1, keep-alive).
/logo.png       -> the PE file served as image/png (a lying Content-Type and extension)
/chunked/NAME   -> NAME from the served directory with Transfer-Encoding: chunked (4000-byte chunks)
anything else   -> python's SimpleHTTPRequestHandler on the served directory."""
import http.server, os, sys

ROOT = sys.argv[1]
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 80

class H(http.server.SimpleHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def __init__(self, *a, **kw):
        super().__init__(*a, directory=ROOT, **kw)

    def do_GET(self):
        if self.path == '/logo.png':
            data = open(os.path.join(ROOT, 't32.exe'), 'rb').read()
            self.send_response(200)
            self.send_header('Content-Type', 'image/png')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if self.path.startswith('/chunked/'):
            data = open(os.path.join(ROOT, os.path.basename(self.path)), 'rb').read()
            self.send_response(200)
            self.send_header('Content-Type', 'application/octet-stream')
            self.send_header('Transfer-Encoding', 'chunked')
            self.end_headers()
            for i in range(0, len(data), 4000):
                c = data[i:i + 4000]
                self.wfile.write(b'%x\r\n' % len(c) + c + b'\r\n')
            self.wfile.write(b'0\r\n\r\n')
            return
        super().do_GET()

http.server.ThreadingHTTPServer(('0.0.0.0', PORT), H).serve_forever()
