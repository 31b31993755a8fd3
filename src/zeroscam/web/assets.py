"""Front-end assets: which files of which npm packages the pages serve.

The packages are named in the repository's `package.json` and installed from
the npm registry at setup (`make setup` runs `npm ci`); this module copies the
few files the pages need into `static/vendor/`, which git ignores (DESIGN.md
principle 7: assets come from the registries at install time and are not
committed as copied source; nothing is fetched at run time).

    python -m zeroscam.web.assets [--node-modules DIR]

The app starts without them (charts and the graph degrade to tables); the web
tests assert they are present after setup.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"

# served name (under /static/vendor/) -> path inside node_modules
VENDOR_FILES: dict[str, str] = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
    "chart.umd.min.js.map": "chart.js/dist/chart.umd.min.js.map",
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
    "fonts/sarabun-thai-400-normal.woff2": "@fontsource/sarabun/files/sarabun-thai-400-normal.woff2",
    "fonts/sarabun-thai-700-normal.woff2": "@fontsource/sarabun/files/sarabun-thai-700-normal.woff2",
    "fonts/sarabun-latin-400-normal.woff2": "@fontsource/sarabun/files/sarabun-latin-400-normal.woff2",
    "fonts/sarabun-latin-700-normal.woff2": "@fontsource/sarabun/files/sarabun-latin-700-normal.woff2",
    # licences travel with the files we serve
    "licenses/htmx.org.txt": "htmx.org/LICENSE",
    "licenses/chart.js.txt": "chart.js/LICENSE.md",
    "licenses/cytoscape.txt": "cytoscape/LICENSE",
    "licenses/fontsource-sarabun.txt": "@fontsource/sarabun/LICENSE",
}

# The files a page cannot do without; a missing source map is not worth a warning.
REQUIRED = [name for name in VENDOR_FILES if not name.endswith(".map") and not name.startswith("licenses/")]


def default_node_modules() -> Path:
    """`node_modules` at the repository root (three levels above this package)."""
    return Path(__file__).resolve().parents[3] / "node_modules"


def missing(vendor_dir: Path | None = None) -> list[str]:
    """Required asset names not present in the served folder."""
    vendor_dir = vendor_dir or VENDOR_DIR
    return [name for name in REQUIRED if not (vendor_dir / name).is_file()]


def available(name: str, vendor_dir: Path | None = None) -> bool:
    """Whether the served folder has this vendor file (pages leave out what is missing)."""
    return ((vendor_dir or VENDOR_DIR) / name).is_file()


def install(node_modules: Path | None = None, vendor_dir: Path | None = None) -> list[str]:
    """Copy the vendor files out of node_modules; returns the names copied.

    Raises FileNotFoundError naming the first required file that is missing
    (npm ci did not run, or package.json lost a package).
    """
    node_modules = node_modules or default_node_modules()
    vendor_dir = vendor_dir or VENDOR_DIR
    copied = []
    for name, source in VENDOR_FILES.items():
        src = node_modules / source
        if not src.is_file():
            if name in REQUIRED:
                raise FileNotFoundError(f"{src}: not found; run `npm ci --omit=dev` at the repository root")
            continue
        dst = vendor_dir / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        copied.append(name)
    return copied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Copy front-end assets from node_modules into the served folder.")
    parser.add_argument("--node-modules", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        copied = install(args.node_modules)
    except FileNotFoundError as exc:
        print(f"zeroscam: error: {exc}", file=sys.stderr)
        return 2
    print(f"web assets: {len(copied)} files in {VENDOR_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
