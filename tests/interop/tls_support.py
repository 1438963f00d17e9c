"""TLS for the interop tests: a self-signed certificate for 127.0.0.1 and localhost, made
by the openssl command in the test's own folder (no key is kept in the repository)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


class Certificate:
    def __init__(self, folder: Path):
        self.cert = folder / "cert.pem"
        self.key = folder / "key.pem"


def make_certificate(folder: Path) -> Certificate:
    openssl = shutil.which("openssl") or pytest.fail(
        "openssl not found (apt-get install openssl)", pytrace=False)
    made = Certificate(folder)
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(made.key),
                    "-out", str(made.cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return made
