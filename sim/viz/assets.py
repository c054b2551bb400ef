"""Solara's browser assets without the internet.

Solara's server fetches its JavaScript and CSS from a CDN (jsdelivr) the first
time a page needs them and keeps them in a cache folder. A classroom, like these
build machines, may have no internet: this fills that cache from the npm registry
(`npm pack`), once, so the app works offline afterwards.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# package@version -> why: what the classroom page loads (read off the server log
# of a first page load without a network)
PACKAGES = (
    "@widgetti/solara-vuetify-app@10.1.1",  # the app shell (Vuetify 2: see pyproject.toml on ipyvue)
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",  # SolaraViz lays its components out on a grid
    "font-awesome@4.5.0",
    "requirejs@2.3.6",
    "katex@0.16.9",  # maths in Markdown
    # the charts: Solara's VegaLite widget asks for these exact paths (vega@5/build/vega.min.js, ...)
    "vega@5",
    "vega-lite@5",
    "vega-embed@6",
)


def cache_dir() -> Path:
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing(cache: Path | None = None) -> list[str]:
    cache = cache or cache_dir()
    return [p for p in PACKAGES if not (cache / p).is_dir()]


def ensure(cache: Path | None = None, quiet: bool = False) -> list[str]:
    """Fetch missing packages with npm into the cache; returns those still missing
    (npm absent or the registry unreachable: Solara will then try the CDN itself)."""
    cache = cache or cache_dir()
    todo = missing(cache)
    npm = shutil.which("npm")
    if not todo or npm is None:
        return todo
    for spec in todo:
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run(
                [npm, "pack", spec, "--silent", "--pack-destination", tmp],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            tarballs = list(Path(tmp).glob("*.tgz"))
            if done.returncode != 0 or not tarballs:
                if not quiet:
                    print(f"migsim: could not fetch {spec} with npm: {done.stderr.strip()[:200]}", file=sys.stderr)
                continue
            target = cache / spec
            unpacked = Path(tmp) / "unpacked"
            with tarfile.open(tarballs[0]) as tar:
                tar.extractall(unpacked, filter="data")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(unpacked / "package", target, dirs_exist_ok=True)
    return missing(cache)


if __name__ == "__main__":
    left = ensure()
    print("assets ready" if not left else f"still missing: {', '.join(left)}")
