"""Run Alembic from code: `mosaic migrate`, start-up checks and tests share one entry point."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from mosaic.core.config import Settings
from mosaic.core.database import create_engine

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(settings: Settings, connection: Connection | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["settings"] = settings
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def run_alembic(settings: Settings, action: str, revision: str = "head") -> None:
    """`action` is `upgrade`, `downgrade` or `check`; runs on one connection in one transaction."""
    engine = create_engine(settings)

    def run(connection: Connection) -> None:
        config = alembic_config(settings, connection)
        if action == "upgrade":
            command.upgrade(config, revision)
        elif action == "downgrade":
            command.downgrade(config, revision)
        elif action == "check":
            command.check(config)
        else:
            raise ValueError(f"unknown alembic action {action!r}")

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()
