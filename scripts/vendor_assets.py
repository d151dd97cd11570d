"""Vendor Herald's front-end libraries from npm into app/static/vendor and record their versions.

Run after changing package.json:  python scripts/vendor_assets.py
It installs the exact versions from package-lock.json, copies only the files the templates use,
and writes app/static/vendor/VERSIONS.json (package, version, file hashes) so upgrades are visible.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "app" / "static" / "vendor"

# package -> files (relative to the package) that the templates load, plus its licence.
ASSETS: dict[str, tuple[str, ...]] = {
    "@tabler/core": ("dist/css/tabler.min.css", "dist/js/tabler.min.js"),
    "@tabler/icons-webfont": (
        "dist/tabler-icons.min.css",
        "dist/fonts/tabler-icons.woff2",
        "dist/fonts/tabler-icons.woff",
        "LICENSE",
    ),
    "chart.js": ("dist/chart.umd.min.js", "LICENSE.md"),
    "htmx.org": ("dist/htmx.min.js", "LICENSE"),
    "htmx-ext-sse": ("dist/sse.min.js", "LICENSE"),
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor(node_modules: Path, target: Path) -> dict[str, dict[str, object]]:
    """Copy the listed files of each package into `target`; return the version record."""
    record: dict[str, dict[str, object]] = {}
    for package, files in ASSETS.items():
        source = node_modules / package
        version = json.loads((source / "package.json").read_text())["version"]
        hashes: dict[str, str] = {}
        for name in files:
            relative = name.removeprefix("dist/")
            destination = target / package / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, destination)
            hashes[relative] = _sha256(destination)
        record[package] = {"version": version, "files": hashes}
    return record


def main() -> int:
    """Install from the lock file and refresh app/static/vendor."""
    npm = shutil.which("npm")
    if npm is None:
        print("npm is needed to vendor assets (Debian: apt-get install npm)", file=sys.stderr)
        return 1
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=ROOT, check=True)
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    record = vendor(ROOT / "node_modules", VENDOR)
    (VENDOR / "VERSIONS.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    for package, info in record.items():
        print(f"{package:24} {info['version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
