"""Test helpers: a scripted HTTP server on loopback, the committed OpenAPI document, live fixtures."""

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
OPENAPI = REPO / "openapi" / "openapi.json"
SEED_PAGE = REPO.parent / "shared" / "seed" / "revoke-social-account.mdx"


def load_openapi():
    with open(OPENAPI, encoding="utf-8") as f:
        return json.load(f)


def live_fixtures():
    """What test/sdk/python.test.ts prepared on real servers (None when run without it)."""
    raw = os.environ.get("LAYERS_TEST_FIXTURES")
    return json.loads(raw) if raw else None


def ok(body=None):
    return {"status": 200, "body": {"ok": True} if body is None else body}


def err(status, code, details=None, headers=None):
    error = {"code": code, "message": f"{code} from the script", "requestId": "req_SCRIPTED"}
    if details is not None:
        error["details"] = details
    return {"status": status, "body": {"error": error}, "headers": headers or {}}


class ScriptedServer:
    """Answers each request with the next step of ``script``: a response dict, "reset" or "hang"."""

    def __init__(self):
        self.script = []
        self.seen = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def handle_one(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                server.seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                                    "body": body, "at": time.monotonic()})
                step = server.script.pop(0) if server.script else ok()
                if step == "reset":
                    self.close_connection = True
                    self.connection.close()
                    return
                if step == "hang":
                    time.sleep(1.5)
                    self.close_connection = True
                    return
                payload = b"" if step.get("body") is None else json.dumps(step["body"]).encode()
                self.send_response(step["status"])
                headers = {"Content-Type": "application/json", "X-Request-Id": "req_HEADER", **step.get("headers", {})}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = handle_one

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def run(self, steps):
        self.script = list(steps)
        self.seen = []

    def keys(self):
        return [s["headers"].get("Idempotency-Key") for s in self.seen]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
