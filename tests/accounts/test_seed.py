"""Default data: idempotent seeding and the CLI commands that run it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from mosaic.accounts.rbac.models import Permission, Role
from mosaic.accounts.users.models import User
from mosaic.cli import app as cli
from mosaic.core.config import get_settings
from mosaic.core.database import Database
from mosaic.core.migrations import run_alembic
from mosaic.main import load_domains, seed_domains
from tests.conftest import fresh_database_url, make_settings


async def counts(database: Database) -> tuple[int, int, int]:
    async with database.transaction() as session:
        return (
            (await session.execute(select(func.count()).select_from(Permission))).scalar_one(),
            (await session.execute(select(func.count()).select_from(Role))).scalar_one(),
            (await session.execute(select(func.count()).select_from(User))).scalar_one(),
        )


async def test_seed_is_idempotent_and_keeps_a_changed_superadmin_password(tmp_path: Path):
    async with fresh_database_url(tmp_path, "seed") as url:
        settings = make_settings(DATABASE_URL=url)
        await run_alembic(settings, "upgrade")
        database = Database(settings)
        try:
            await seed_domains(database, settings, load_domains(settings))
            first = await counts(database)
            async with database.transaction() as session:
                admin = (await session.execute(select(User))).scalar_one()
                admin.password_hash = "changed-by-the-owner"
            await seed_domains(database, settings, load_domains(settings))
            assert await counts(database) == first
            async with database.transaction() as session:
                admin = (await session.execute(select(User))).scalar_one()
                assert admin.password_hash == "changed-by-the-owner" and admin.is_verified
        finally:
            await database.dispose()
    assert first[1] == 4 and first[2] == 1  # superadmin, admin, user and booking's studio_owner


def test_cli_migrate_seed_and_create_superadmin(tmp_path: Path, monkeypatch):
    db = tmp_path / "cli.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.setenv("LOG_FILE_PATH", "")
    monkeypatch.setenv("SUPERADMIN_EMAIL", "owner@example.com")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli, ["migrate"]).exit_code == 0
        created = runner.invoke(cli, ["create-superadmin"])
        assert created.exit_code == 0, created.output
        assert "superadmin created" in created.output
        again = runner.invoke(cli, ["create-superadmin"])
        assert "already exists" in again.output
        assert runner.invoke(cli, ["seed"]).exit_code == 0
        assert runner.invoke(cli, ["migrate", "base", "--downgrade"]).exit_code == 0
        assert runner.invoke(cli, ["version"]).output.strip()
    finally:
        get_settings.cache_clear()
