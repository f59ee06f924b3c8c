"""Route importers for Express, NestJS and Laravel backends, and the parity report (SPEC §7)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from mosaic.legacy.model import Inventory, LegacyRoute, Param, Progress, ScanWarning
from mosaic.legacy.syntax import IGNORED_DIRS

Scanner = Callable[[Path, Progress | None], Inventory]


def scanners() -> dict[str, Scanner]:
    from mosaic.legacy.express import scan_express
    from mosaic.legacy.laravel import scan_laravel
    from mosaic.legacy.nestjs import scan_nestjs

    return {"express": scan_express, "nestjs": scan_nestjs, "laravel": scan_laravel}


def scan(framework: str, root: Path, progress: Progress | None = None) -> Inventory:
    """The routes of the legacy project at `root`, read statically (no Node, PHP or running app).

    A scan that finds nothing in a folder that looks like another framework says so, since the
    usual cause is the wrong framework argument rather than an app without routes.
    """
    inventory = scanners()[framework](root, progress)
    if not inventory.routes:
        detected = [f for f in detect_frameworks(root) if f != framework]
        if detected:
            inventory.warnings.append(
                ScanWarning(
                    ".",
                    0,
                    f"no {framework} routes found, but this looks like a {' or '.join(detected)} project; "
                    f"try `mosaic legacy scan {detected[0]} {root}`",
                    True,
                )
            )
    return inventory


def _dependencies(manifest: Path, *keys: str) -> set[str]:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    found: set[str] = set()
    for key in keys:
        section = data.get(key) if isinstance(data, dict) else None
        if isinstance(section, dict):
            found |= set(section)
    return found


def detect_frameworks(root: Path) -> list[str]:
    """Which frameworks the project at `root` uses, from its manifests (and PHP route files)."""
    if not root.is_dir():
        return []
    found: list[str] = []
    composer = _dependencies(root / "composer.json", "require")
    if (root / "artisan").is_file() or "laravel/framework" in composer:
        found.append("laravel")
    node = set()
    for manifest in root.rglob("package.json"):
        if not IGNORED_DIRS & set(manifest.relative_to(root).parts):
            node |= _dependencies(manifest, "dependencies", "devDependencies")
    if "@nestjs/core" in node:
        found.append("nestjs")
    if "express" in node and "@nestjs/core" not in node:
        found.append("express")
    if "laravel" not in found and (root / "routes").is_dir() and any((root / "routes").glob("*.php")):
        found.append("laravel")
    return found


__all__ = ["Inventory", "LegacyRoute", "Param", "ScanWarning", "detect_frameworks", "scan"]
