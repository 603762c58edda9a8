"""Solara's page assets (JavaScript, CSS, fonts) for machines that cannot reach Solara's CDN.

A Solara page loads its front end through the server's ``/_solara/cdn/`` route, which serves
files from a cache folder and fetches missing ones from a public CDN. Where only package
registries are reachable (CI here), the cache must be filled beforehand: the CDN serves npm
packages, so ``npm pack`` fetches the same files from the npm registry. Which packages (and
versions) are needed is read from the installed Solara's page template, so an upgrade of Solara
asks for its own versions.

    python -m iei_sim.dashboard.assets      # or: make dashboard-assets
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from iei_sim.extras import MissingExtraError, needs_extra

# `{{cdn}}/@scope/name@1.2.3/...` in the page template, `${this.getCdn()}/name@1.2.3/...` in a
# widget that imports a module at run time.
_CDN_REF = re.compile(
    r"(?:\{\{\s*cdn\s*\}\}|\$\{this\.getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+)@([\w.-]+)/"
)
_PATH_REF = re.compile(r"^/?((?:@[\w.-]+/)?[\w.-]+)@([\w.-]+)/")


def cache_dir() -> Path:
    """The folder Solara's server serves ``/_solara/cdn/`` from."""
    with needs_extra("dashboard"):
        from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def _uses_vue3() -> bool:
    with needs_extra("dashboard"):
        import ipyvue

    return ipyvue.__version__.startswith("3")


def required_packages() -> list[str]:
    """``name@version`` of every npm package the installed Solara's page loads from its CDN."""
    with needs_extra("dashboard"):
        import solara.server
        from solara.server import settings

    vue3 = _uses_vue3()
    solara_root = Path(solara.server.__file__).parents[1]
    # The page itself; widgets that import modules at run time (``getCdn()``) are not used by
    # the dashboard, and their packages are large (charts, editors), so they are not listed.
    sources = [solara_root / "server" / "templates" / "solara.html.j2"]
    # The template names both front ends; only the one for the installed ipyvue is loaded.
    skip = "solara-vuetify-app" if vue3 else "solara-vuetify3-app"
    found: dict[str, None] = {}
    for source in sources:
        for name, version in _CDN_REF.findall(source.read_text(encoding="utf-8")):
            if not name.endswith(f"/{skip}"):
                found[f"{name}@{version}"] = None
    if settings.assets.fontawesome_enabled:
        match = _PATH_REF.match(settings.assets.fontawesome_path)
        if match:
            found[f"{match.group(1)}@{match.group(2)}"] = None
    return list(found)


def is_cached(package: str, root: Path | None = None) -> bool:
    return ((root or cache_dir()) / package / "package.json").is_file()


def missing_packages(root: Path | None = None) -> list[str]:
    return [p for p in required_packages() if not is_cached(p, root)]


def install(packages: list[str], root: Path | None = None, npm: str = "npm") -> list[Path]:
    """Fetch ``packages`` with ``npm pack`` and unpack each into ``<cache>/<name>@<version>/``."""
    root = root or cache_dir()
    npm_path = shutil.which(npm)
    if npm_path is None:
        raise RuntimeError(
            "npm not found: install it (Debian: apt-get install npm) to fetch Solara's page "
            "assets from the npm registry"
        )
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for package in packages:
            out = subprocess.run(
                [npm_path, "pack", package, "--pack-destination", tmp, "--silent"],
                check=True,
                capture_output=True,
                text=True,
            )
            tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
            target = root / package
            staging = Path(tempfile.mkdtemp(dir=tmp))
            with tarfile.open(tarball) as archive:
                archive.extractall(staging, filter="data")
            unpacked = staging / "package"  # npm tarballs keep their files under package/
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(unpacked), target)
            written.append(target)
    return written


def main() -> int:
    try:
        root = cache_dir()
    except MissingExtraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    missing = missing_packages(root)
    if not missing:
        print(f"Solara's page assets are all in {root}")
        return 0
    print(f"Fetching {', '.join(missing)} into {root} …")
    try:
        install(missing, root)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or exc
        print(f"error: {detail}", file=sys.stderr)
        return 1
    print("done")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
