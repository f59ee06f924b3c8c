"""`legacy import-mongo` on a generated export of seed 003's collections (thousands of documents).

The export is written here, with cross references between every collection, in the three forms
the reader takes (JSON lines in relaxed extended JSON, a canonical-JSON array, mongodump BSON).
It imports, re-imports as a no-op, lets a migrated user log in with their old password, and a
dry run of a broken copy lists each bad document with its reason. Runs on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL (the app's own database).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import bcrypt
import bson
import pytest
from bson import ObjectId, json_util
from sqlalchemy import func, select
from typer.testing import CliRunner

from mosaic.accounts.notifications.models import Notification
from mosaic.accounts.rbac.models import Role, role_permissions
from mosaic.accounts.users.models import User
from mosaic.cli import app as cli
from mosaic.core.config import get_settings
from mosaic.core.secretbox import SecretBox
from mosaic.legacy.models import LegacyId, find_new_id
from mosaic.legacy.mongo.importer import import_dump
from mosaic.legacy.mongo.mapping import MappingError, builtin_mappings, parse_mappings
from mosaic.trading.flows.models import Flow
from mosaic.trading.trades.models import Trade
from mosaic.trading.user_wallets.models import UserWallet
from mosaic.trading.user_wallets.service import associated_data

OLD_PASSWORD = "Old-Moniqo-Passw0rd!"
OLD_HASH = bcrypt.hashpw(OLD_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
NOW = datetime(2025, 11, 2, 10, 30, tzinfo=UTC)


@dataclass
class Export:
    folder: Path
    tag: str
    ids: dict[str, list[ObjectId]] = field(default_factory=dict)
    docs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, collection: str, doc: dict[str, Any]) -> ObjectId:
        doc = {"_id": ObjectId(), "created_at": NOW, "updated_at": NOW, "is_deleted": False, **doc}
        self.docs.setdefault(collection, []).append(doc)
        self.ids.setdefault(collection, []).append(doc["_id"])
        return doc["_id"]

    def write(self) -> None:
        db = self.folder / "moniqo"
        db.mkdir(parents=True, exist_ok=True)
        for collection, docs in self.docs.items():
            if collection == "user_trades":  # mongodump
                (db / f"{collection}.bson").write_bytes(b"".join(bson.encode(d) for d in docs))
            elif collection == "plans":  # mongoexport --jsonArray, canonical extended JSON
                options = json_util.CANONICAL_JSON_OPTIONS
                (db / f"{collection}.json").write_text(json_util.dumps(docs, json_options=options))
            else:  # mongoexport default: one relaxed extended-JSON document per line
                lines = [json_util.dumps(d, json_options=json_util.RELAXED_JSON_OPTIONS) for d in docs]
                (db / f"{collection}.json").write_text("\n".join(lines) + "\n")


def generate(folder: Path, users: int = 500) -> Export:
    """Seed 003's fifteen collections (and `auth`), about 3,200 documents for 500 users."""
    export = Export(folder, uuid.uuid4().hex[:8])
    tag = export.tag
    perms = [export.add("permissions", {"resource": "users", "action": "read", "description": "Read users"})]
    perms += [
        export.add("permissions", {"resource": f"legacy{tag}{i}", "action": a, "description": ""})
        for i in range(4)
        for a in ("read", "write", "delete")
    ]
    admin = export.add("roles", {"name": "Admin", "description": "All", "permissions": perms})
    user_role = export.add("roles", {"name": "User", "description": "Limited", "permissions": perms[:1]})
    trader = export.add("roles", {"name": f"Trader-{tag}", "description": "", "permissions": perms[1:4]})
    plans = [
        export.add(
            "plans",
            {
                "name": f"{name} {tag}",
                "description": name,
                "price": price,
                "features": [{"resource": "agents", "title": "Agents", "description": ""}],
                "limits": [{"resource": "api_calls", "title": "Calls", "description": "", "value": 100}],
            },
        )
        for name, price in (("Free", 0.0), ("Pro", 19.99), ("Enterprise", 99.0))
    ]
    wallets = [
        export.add(
            "wallets",
            {
                "name": f"{name} {tag}",
                "type": kind,
                "provider": name,
                "supported_currencies": ["BTC", "ETH"],
                "config": {"network": "main"},
                "is_active": True,
            },
        )
        for name, kind in (("Binance", "CEX"), ("Uniswap", "DEX"), ("MetaMask", "Wallet"))
    ]
    agents = [
        export.add(
            "agents",
            {
                "name": f"{name} {tag}",
                "provider": provider,
                "model_id": model,
                "capabilities": ["trading"],
                "cost_per_call": 0.01,
                "config": {},
                "is_active": True,
            },
        )
        for name, provider, model in (
            ("GPT-4", "OpenAI", "gpt-4-turbo"),
            ("Claude", "Anthropic", "claude-sonnet-4"),
        )
    ]
    user_ids = []
    for i in range(users):
        auth = export.add(
            "auth",
            {
                "email": f"Moniqo-{tag}-{i}@Example.com",
                "password_hash": OLD_HASH,
                "is_verified": True,
                "is_active": True,
            },
        )
        user_ids.append(
            export.add(
                "users",
                {
                    "auth_id": auth,
                    "first_name": f"First{i}",
                    "last_name": "Legacy",
                    "birthday": {"day": 1 + i % 28, "month": 1 + i % 12, "year": 1990},
                    "avatar_url": None,
                    "phone_number": {"country_code": "+63", "mobile_number": f"9{i:09d}"},
                    "user_role": [admin, user_role, trader][i % 3],
                },
            )
        )
        export.add(
            "user_plans",
            {
                "user_id": user_ids[-1],
                "plan_id": plans[i % 3],
                "status": "active",
                "start_date": NOW,
                "end_date": None,
            },
        )
    for user in user_ids[:250]:
        items = [
            {
                "title": f"Note {n}",
                "description": "d",
                "created_at": NOW + timedelta(minutes=n),
                "is_viewed": n == 0,
            }
            for n in range(3)
        ]
        export.add("notifications", {"user_id": user, "notifications": items})
    prompts = [
        export.add(
            "prompts",
            {
                "title": f"Prompt {i}",
                "description": "",
                "prompt": "Analyse {symbol}",
                "category": "trading",
                "is_public": i % 2 == 0,
                "created_by": user_ids[i] if i % 2 else None,
            },
        )
        for i in range(20)
    ]
    for i, user in enumerate(user_ids[:200]):
        export.add(
            "user_wallets",
            {
                "user_id": user,
                "wallet_id": wallets[i % 3],
                "credentials": {"api_key": f"key-{i}", "api_secret": f"secret-{i}"},
                "balance": 12.5,
                "is_active": True,
            },
        )
        export.add(
            "user_prompts",
            {
                "user_id": user,
                "prompt_id": prompts[i % 20],
                "title": "Mine",
                "description": "",
                "prompt": "Go",
            },
        )
    flows = []
    for i, user in enumerate(user_ids[:100]):
        steps = [
            {"step": 1, "prompt_id": prompts[(i + 1) % 20], "agent_id": agents[1], "config": {}},
            {"step": 0, "prompt_id": prompts[i % 20], "agent_id": agents[0], "config": {"temperature": 0.2}},
        ]
        flows.append(
            export.add(
                "user_flows",
                {
                    "user_id": user,
                    "title": f"Flow {i}",
                    "description": "",
                    "flow": steps,
                    "status": "active",
                    "last_run": None,
                },
            )
        )
    for i in range(600):
        export.add(
            "user_trades",
            {
                "user_id": user_ids[i % len(flows)],
                "flow_id": flows[i % len(flows)] if i % 2 else None,
                "agent_id": agents[i % 2],
                "trade_type": "crypto",
                "symbol": "btc/usdt",
                "side": "buy" if i % 2 else "sell",
                "entry_price": 64000.5,
                "exit_price": None,
                "quantity": 0.01,
                "leverage": 1,
                "profit_loss": None,
                "status": "open",
                "executed_at": NOW,
                "closed_at": None,
            },
        )
    for user in user_ids[:300]:
        export.add(
            "user_settings",
            {
                "user_id": user,
                "preferences": {"chart": "candles"},
                "notifications_enabled": True,
                "email_notifications": False,
                "theme": "dark",
            },
        )
    export.write()
    return export


def counts(report) -> dict[str, tuple[int, int, int, int, int]]:
    return {c.collection: (c.read, c.imported, c.already, c.linked, c.invalid) for c in report.counts}


async def scalar(app, statement) -> Any:
    async with app.state.database.transaction() as session:
        return (await session.execute(statement)).scalar_one()


async def test_seed_003_export_imports_once_and_users_log_in_with_their_old_password(
    app, client, settings, tmp_path
):
    export = generate(tmp_path)
    assert sum(len(d) for d in export.docs.values()) > 3000
    report = await import_dump(app.state.database, settings, builtin_mappings(), tmp_path, batch_size=200)
    assert report.failures == [] and report.committed and report.unmapped == []
    assert counts(report) == {
        "permissions": (13, 12, 0, 1, 0),  # users:read exists in Mosaic: linked, not duplicated
        "roles": (3, 1, 0, 2, 0),  # Admin and User are Mosaic's admin and user roles
        "users": (500, 500, 0, 0, 0),
        "plans": (3, 3, 0, 0, 0),
        "user_plans": (500, 500, 0, 0, 0),
        "notifications": (250, 750, 0, 0, 0),  # one row per nested notification
        "wallets": (3, 3, 0, 0, 0),
        "agents": (2, 2, 0, 0, 0),
        "prompts": (20, 20, 0, 0, 0),
        "user_wallets": (200, 200, 0, 0, 0),
        "user_prompts": (200, 200, 0, 0, 0),
        "user_flows": (100, 100, 0, 0, 0),
        "user_trades": (600, 600, 0, 0, 0),
        "user_settings": (300, 300, 0, 0, 0),
    }

    async with app.state.database.transaction() as session:
        new_ids = {
            (row.collection, row.legacy_id): row.new_id
            for row in (
                await session.execute(
                    select(LegacyId).where(
                        LegacyId.legacy_id.in_([str(i) for ids in export.ids.values() for i in ids])
                    )
                )
            ).scalars()
        }
        first = export.docs["users"][0]
        user = (
            await session.execute(select(User).where(User.id == new_ids[("users", str(first["_id"]))]))
        ).scalar_one()
        admin_role = (await session.execute(select(Role).where(Role.name == "admin"))).scalar_one()
        assert (user.email, user.role_id, user.birthday, user.phone_country_code, user.phone_number) == (
            f"moniqo-{export.tag}-0@example.com",
            admin_role.id,
            date(1990, 1, 1),
            "+63",
            "9000000000",
        )
        assert new_ids[("auth", str(first["auth_id"]))] == user.id  # old auth links resolve to the user
        assert await find_new_id(session, "users", str(first["_id"])) == ("users", user.id)
        assert await find_new_id(session, "users", str(ObjectId())) is None
        trader = new_ids[("roles", str(export.ids["roles"][2]))]
        granted = (
            await session.execute(
                select(func.count()).select_from(role_permissions).where(role_permissions.c.role_id == trader)
            )
        ).scalar_one()
        assert granted == 3
        notes = (
            await session.execute(select(func.count()).where(Notification.user_id == user.id))
        ).scalar_one()
        assert notes == 3
        trade_doc = export.docs["user_trades"][1]
        trade = (
            await session.execute(
                select(Trade).where(Trade.id == new_ids[("user_trades", str(trade_doc["_id"]))])
            )
        ).scalar_one()
        assert (trade.flow_id, trade.agent_id, trade.symbol) == (
            new_ids[("user_flows", str(trade_doc["flow_id"]))],
            new_ids[("agents", str(trade_doc["agent_id"]))],
            "BTC/USDT",
        )
        flow_doc = export.docs["user_flows"][0]
        flow = (
            await session.execute(
                select(Flow).where(Flow.id == new_ids[("user_flows", str(flow_doc["_id"]))])
            )
        ).scalar_one()
        assert [s["step"] for s in flow.steps] == [0, 1]
        assert flow.steps[0]["prompt_id"] == str(new_ids[("prompts", str(flow_doc["flow"][1]["prompt_id"]))])
        wallet_doc = export.docs["user_wallets"][0]
        wallet = (
            await session.execute(
                select(UserWallet).where(UserWallet.id == new_ids[("user_wallets", str(wallet_doc["_id"]))])
            )
        ).scalar_one()
        opened = SecretBox.from_settings(settings).decrypt(
            wallet.credentials_encrypted or "", associated_data(wallet.user_id, wallet.wallet_id, wallet.id)
        )
        assert json.loads(opened) == {"api_key": "key-0", "api_secret": "secret-0"}
        users_before = (await session.execute(select(func.count()).select_from(User))).scalar_one()

    again = await import_dump(app.state.database, settings, builtin_mappings(), tmp_path)
    assert again.committed and again.failures == []
    assert {name: c[1] + c[3] for name, c in counts(again).items()} == dict.fromkeys(counts(report), 0)
    assert counts(again)["users"] == (500, 0, 500, 0, 0)
    assert counts(again)["notifications"] == (250, 0, 750, 0, 0)
    assert await scalar(app, select(func.count()).select_from(User)) == users_before

    email = f"moniqo-{export.tag}-7@example.com"
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": OLD_PASSWORD})
    assert response.status_code == 200, response.text
    assert (await scalar(app, select(User.password_hash).where(User.email == email))).startswith("$argon2id$")
    wrong = await client.post("/api/v1/auth/login", json={"email": email, "password": "not-the-old-one"})
    assert wrong.status_code == 401


def break_export(export: Export) -> dict[str, str]:
    """Damage five documents; returns legacy id -> the reason the report must give.

    The two damaged users (past the first 300) have only a subscription depending on them, which
    must be reported as invalid in turn.
    """
    docs = export.docs
    expected: dict[str, str] = {}
    lost, twin, original = docs["users"][310], docs["users"][315], docs["users"][314]
    del next(a for a in docs["auth"] if a["_id"] == lost["auth_id"])["email"]
    expected[str(lost["_id"])] = "email: required, missing"
    original_email = next(a for a in docs["auth"] if a["_id"] == original["auth_id"])["email"]
    next(a for a in docs["auth"] if a["_id"] == twin["auth_id"])["email"] = original_email.upper()
    expected[str(twin["_id"])] = f'email: "{original_email.lower()}" is also used by users {original["_id"]}'
    for user in (lost, twin):
        plan = next(p for p in docs["user_plans"] if p["user_id"] == user["_id"])
        expected[str(plan["_id"])] = f"user_id: references users {user['_id']}, which is invalid itself"
    docs["user_trades"][10]["side"] = "hold"
    expected[str(docs["user_trades"][10]["_id"])] = 'side: "hold" is not one of buy, sell'
    docs["user_trades"][11]["entry_price"] = "a lot"
    expected[str(docs["user_trades"][11]["_id"])] = 'entry_price: expected a number, got "a lot"'
    lost_plan = ObjectId()
    docs["user_plans"][20]["plan_id"] = lost_plan
    expected[str(docs["user_plans"][20]["_id"])] = f"plan_id: no plans document {lost_plan}"
    return expected


async def test_a_dry_run_of_a_broken_export_lists_each_bad_document_and_writes_nothing(
    app, settings, tmp_path
):
    export = generate(tmp_path, users=320)
    expected = break_export(export)
    export.write()
    with (tmp_path / "moniqo" / "user_prompts.json").open("a") as handle:
        handle.write('{"_id": {"$oid": "not-an-oid"}, "title": \n')
    users_before = await scalar(app, select(func.count()).select_from(User))

    for dry_run in (True, False):
        report = await import_dump(
            app.state.database, settings, builtin_mappings(), tmp_path, dry_run=dry_run
        )
        assert not report.ok and not report.committed
        listed = {f.legacy_id: f.reason for f in report.failures if f.legacy_id}
        assert listed == expected
        [garbage] = [f for f in report.failures if not f.legacy_id]
        assert (garbage.collection, garbage.position) == ("user_prompts", 201)
        assert garbage.reason.startswith("not extended JSON")
        assert counts(report)["users"] == (320, 318, 0, 0, 2)  # what a fixed export would import
        assert await scalar(app, select(func.count()).select_from(User)) == users_before
        recorded = select(func.count()).where(LegacyId.legacy_id.in_([str(i) for i in export.ids["users"]]))
        assert await scalar(app, recorded) == 0


MESSAGES_MAPPING = """
collections:
  - collection: messages
    table: notifications
    fields:
      user_id: {from: recipient, ref: users, required: true}
      title: {from: subject, required: true}
      description: {from: body, default: ""}
      category: {value: legacy-message}
      is_viewed: {from: read, default: false}
"""


def test_cli_imports_with_a_mapping_file_for_another_collection(tmp_path, database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ENVIRONMENT", "test")
    get_settings.cache_clear()
    try:
        export = generate(tmp_path / "dump", users=25)
        runner = CliRunner()
        result = runner.invoke(cli, ["legacy", "import-mongo", str(tmp_path / "dump"), "--dry-run"])
        assert result.exit_code == 0, result.output
        assert "users -> users: 25 read, 25 to import, 0 already imported" in result.stdout
        assert "dry run: nothing written" in result.stdout
        result = runner.invoke(cli, ["legacy", "import-mongo", str(tmp_path / "dump")])
        assert result.exit_code == 0, result.output
        assert "committed" in result.stdout

        messages = tmp_path / "messages"
        messages.mkdir()
        docs = [
            {
                "_id": ObjectId(),
                "recipient": export.ids["users"][i],
                "subject": f"Hi {i}",
                "body": "...",
                "read": False,
            }
            for i in range(5)
        ]
        docs.append({"_id": ObjectId(), "recipient": ObjectId(), "subject": "Lost", "body": ""})
        (messages / "messages.json").write_text("\n".join(json_util.dumps(d) for d in docs) + "\n")
        (messages / "ignored.json").write_text("")
        mapping = tmp_path / "messages.yaml"
        mapping.write_text(MESSAGES_MAPPING)
        args = ["legacy", "import-mongo", str(messages), "--no-builtin", "--mapping", str(mapping)]
        result = runner.invoke(cli, args)
        assert result.exit_code == 1
        lost = f"messages {docs[5]['_id']}: user_id: no users document {docs[5]['recipient']}"
        assert f"invalid: messages.json:6: {lost}" in result.stderr
        assert "warning: ignored.json: no mapping for collection 'ignored'; not imported" in result.stderr
        assert "error: 1 invalid documents; nothing written" in result.stderr
        (messages / "messages.json").write_text("\n".join(json_util.dumps(d) for d in docs[:5]) + "\n")
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "messages -> notifications: 5 read, 5 imported" in result.stdout
        result = runner.invoke(cli, args)
        assert "messages -> notifications: 5 read, 0 imported, 5 already imported" in result.stdout

        mapping.write_text("collections:\n  - collection: messages\n    table: nope\n")
        result = runner.invoke(cli, args)
        assert result.exit_code == 1
        assert result.stderr.strip() == "error: messages: no table 'nope' in Mosaic"
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("collections: [", "m.yaml: line 1 not valid YAML"),
        ("{}", "m.yaml: expected a top-level `collections:` list"),
        ("collections:\n  - table: users\n", "m.yaml: collections[0]: each entry needs `collection: NAME`"),
        (
            "collections:\n  - collection: a\n    fields: {x: {form: y}}\n",
            "m.yaml: collections[0] (a).fields.x: unknown key(s) form",
        ),
        (
            "collections:\n  - collection: a\n    fields: {x: {through: auth}}\n",
            "m.yaml: collections[0] (a).fields.x: `through` and `pick` go together",
        ),
    ],
)
def test_mapping_file_errors_say_where(text, message):
    with pytest.raises(MappingError) as caught:
        parse_mappings(text, "m.yaml")
    assert str(caught.value).startswith(message)
