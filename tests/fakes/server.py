"""A threaded local HTTP(S) server on 127.0.0.1, a free port, for the fake vendor APIs."""

from __future__ import annotations

import datetime as dt
import json
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


@dataclass
class Fault:
    """Answer the `nth` request whose path matches the regex `path` (and has these `query`
    items) with `status` and `headers`, once."""

    path: str
    status: int
    nth: int = 1
    query: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    seen: int = 0

    def hits(self, path: str, query: dict) -> bool:
        if not re.fullmatch(self.path, path.rstrip("/")):
            return False
        if any(query.get(k) != v for k, v in self.query.items()):
            return False
        self.seen += 1
        return self.seen == self.nth


@dataclass
class Request:
    path: str
    query: dict  # flat: "created[gt]" -> "123"
    headers: dict
    at: float = field(default_factory=time.monotonic)
    status: int = 0


class FakeApi:
    """Subclasses implement `answer(request) -> (status, body, headers)`."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self.before_answer: Callable[[Request], None] | None = None  # e.g. a kill switch
        self._server: ThreadingHTTPServer | None = None

    def answer(self, request: Request) -> tuple[int, object, dict]:
        raise NotImplementedError

    def error_body(self, status: int) -> object:
        """The vendor's error document for an injected failure."""
        raise NotImplementedError

    def start(self, tls: tuple[Path, Path] | None = None) -> str:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                request = Request(
                    parts.path, query, {k.lower(): v for k, v in self.headers.items()}
                )
                api.requests.append(request)
                if api.before_answer:
                    api.before_answer(request)
                fault = next((f for f in api.faults if f.hits(parts.path, query)), None)
                if fault:
                    status, body, headers = (
                        fault.status,
                        api.error_body(fault.status),
                        fault.headers,
                    )
                else:
                    status, body, headers = api.answer(request)
                request.status = status
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            scheme = "https"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (Salesforce is only spoken over https)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
