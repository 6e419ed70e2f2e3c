"""The SDK's PEP 517 build backend: standard library only, so `pip install ./sdk/python` (or of
the sdist) needs no download and no `wheel`/`setuptools` — the SDK is stdlib-only, its build too.

Builds a pure-Python wheel (the `layers` package, `py.typed` included) and an sdist; an
editable install is a wheel holding a .pth that points at this folder.
"""

import base64
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "layers"


def _project():
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("[project]", 1)[1].split("\n[", 1)[0]
    fields = dict(re.findall(r'^([\w-]+)\s*=\s*"([^"]*)"', section, re.M))
    return fields["name"], fields["version"], fields.get("description", ""), fields.get("requires-python", "")


def _dist(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata():
    name, version, summary, python = _project()
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", f"Summary: {summary}"]
    if python:
        lines.append(f"Requires-Python: {python}")
    readme = os.path.join(ROOT, "README.md")
    if os.path.exists(readme):
        with open(readme, encoding="utf-8") as f:
            lines += ["Description-Content-Type: text/markdown", "", f.read()]
    return "\n".join(lines) + "\n"


def _package_files():
    """(path in the archive, path on disk) of the package: sources and the py.typed marker."""
    out = []
    for folder, dirs, files in os.walk(os.path.join(ROOT, PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for f in sorted(files):
            if f.endswith(".py") or f == "py.typed":
                disk = os.path.join(folder, f)
                out.append((os.path.relpath(disk, ROOT).replace(os.sep, "/"), disk))
    return out


def _wheel(directory, entries):
    name, version, _, _ = _project()
    info = f"{_dist(name)}-{version}.dist-info"
    filename = f"{_dist(name)}-{version}-py3-none-any.whl"
    entries = entries + [
        (f"{info}/METADATA", _metadata().encode("utf-8")),
        (f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: layers_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ]
    record = []
    with zipfile.ZipFile(os.path.join(directory, filename), "w", zipfile.ZIP_DEFLATED) as whl:
        for arcname, data in entries:
            whl.writestr(zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0)), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{arcname},sha256={digest},{len(data)}")
        record.append(f"{info}/RECORD,,")
        whl.writestr(zipfile.ZipInfo(f"{info}/RECORD", date_time=(2020, 1, 1, 0, 0, 0)), "\n".join(record) + "\n")
    return filename


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, [(arc, _read(disk)) for arc, disk in _package_files()])


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, [(f"_{_dist(_project()[0])}_editable.pth", (ROOT + "\n").encode("utf-8"))])


def build_sdist(sdist_directory, config_settings=None):
    name, version, _, _ = _project()
    base = f"{_dist(name)}-{version}"
    files = [(arc, disk) for arc, disk in _package_files()]
    for extra in ("pyproject.toml", "README.md", "_build/layers_build.py"):
        if os.path.exists(os.path.join(ROOT, extra)):
            files.append((extra, os.path.join(ROOT, extra)))
    with tarfile.open(os.path.join(sdist_directory, f"{base}.tar.gz"), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        def add(arcname, data):
            member = tarfile.TarInfo(f"{base}/{arcname}")
            member.size, member.mtime, member.mode = len(data), int(time.time()), 0o644
            tar.addfile(member, io.BytesIO(data))

        for arc, disk in files:
            add(arc, _read(disk))
        add("PKG-INFO", _metadata().encode("utf-8"))
    return f"{base}.tar.gz"
