"""Route importers for Express, NestJS and Laravel backends, and the parity report (SPEC §7)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mosaic.legacy.model import Inventory, LegacyRoute, Param, ScanWarning


def scanners() -> dict[str, Callable[[Path], Inventory]]:
    from mosaic.legacy.express import scan_express
    from mosaic.legacy.laravel import scan_laravel
    from mosaic.legacy.nestjs import scan_nestjs

    return {"express": scan_express, "nestjs": scan_nestjs, "laravel": scan_laravel}


def scan(framework: str, root: Path) -> Inventory:
    """The routes of the legacy project at `root`, read statically (no Node, PHP or running app)."""
    return scanners()[framework](root)


__all__ = ["Inventory", "LegacyRoute", "Param", "ScanWarning", "scan"]
