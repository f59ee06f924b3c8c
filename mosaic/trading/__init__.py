"""Trading: wallet, agent and prompt catalogues; a user's wallets, trades and custom prompts.

Permission model: permissions guard catalogue administration only. Any authenticated user reads
the active catalogue entries and public prompt templates; `wallets:read` / `agents:read` also
show inactive and soft-deleted entries (admin views); writes need `<resource>:write` / `:delete`.
The `admin` role holds every trading permission; `user` holds none. A user's own resources
(connected wallets, trades, custom and private prompts) need no permission: ownership is the
check, and another user's id answers 404. `prompts:read`, `trades:*`, `agents:execute` and
`flows:*` are declared as seed 003 lists them, for the admin role. A user's flows and their runs
need none of them either: `flows:execute` is not required to run one's own flow (ownership is
the check, the plan's `flows` and `agents` limits are the quota).
"""

from mosaic.core.domain import Domain, PermissionSpec
from mosaic.trading.agents.router import router as agents_router
from mosaic.trading.flows.jobs import run_flow
from mosaic.trading.flows.router import router as flows_router
from mosaic.trading.flows.router import runs_router as flow_runs_router
from mosaic.trading.flows.service import count_flow_agents, count_live_flows
from mosaic.trading.prompts.router import router as prompts_router
from mosaic.trading.seed import seed
from mosaic.trading.trades.router import router as trades_router
from mosaic.trading.trades.service import trades_opened_today
from mosaic.trading.user_prompts.router import router as user_prompts_router
from mosaic.trading.user_wallets.router import router as user_wallets_router
from mosaic.trading.user_wallets.service import CREDENTIALS_COLUMN, count_live_connections
from mosaic.trading.wallets.router import router as wallets_router

_ACTIONS = {
    "wallets": ("read", "write", "delete"),
    "agents": ("read", "write", "delete", "execute"),
    "prompts": ("read", "write", "delete"),
    "trades": ("read", "write"),
    "flows": ("read", "write", "execute"),
}

PERMISSIONS = [
    PermissionSpec(resource, action, f"{action.capitalize()} {resource}")
    for resource, actions in _ACTIONS.items()
    for action in actions
]

domain = Domain(
    name="trading",
    routers=(
        wallets_router,
        agents_router,
        prompts_router,
        user_wallets_router,
        trades_router,
        user_prompts_router,
        flows_router,
        flow_runs_router,
    ),
    permissions=PERMISSIONS,
    default_roles={"admin": ["*"]},
    seed=seed,
    jobs=(run_flow,),
    encrypted_columns=(CREDENTIALS_COLUMN,),
    limit_counters={
        "wallets": count_live_connections,
        "trades_per_day": trades_opened_today,
        "flows": count_live_flows,
        "agents": count_flow_agents,
    },
)
