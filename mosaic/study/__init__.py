"""Study (seed 004): notes with full-text search, quizzes generated from text, PDFs and notes,
attempts, spaced review, sessions, analytics in the user's time zone, a study planner.

Permission model: everything here is the caller's own (notes, quizzes, attempts, review cards,
study sessions, plans); ownership is the check and another user's id answers 404, so no route
needs a permission. The `study:*` permissions are declared for admin tooling and held by
`admin`. Quiz generation counts against the plan limit `ai_generations_per_day` (uncached
generations since 00:00 UTC).
"""

from mosaic.core.domain import Domain, PermissionSpec
from mosaic.study.analytics.router import router as analytics_router
from mosaic.study.notes.router import router as notes_router
from mosaic.study.planner.router import router as planner_router
from mosaic.study.quizzes.router import note_quiz_router
from mosaic.study.quizzes.router import router as quizzes_router
from mosaic.study.quizzes.service import LIMIT_RESOURCE, generate_quiz_job, generations_today
from mosaic.study.reviews.router import router as reviews_router
from mosaic.study.sessions.router import router as sessions_router
from mosaic.study.sessions.service import ONE_OPEN_INDEX

PERMISSIONS = [
    PermissionSpec("study", "read", "Read any user's study data (support)"),
    PermissionSpec("study", "delete", "Delete any user's study data (support)"),
]

domain = Domain(
    name="study",
    routers=(
        notes_router,
        note_quiz_router,
        quizzes_router,
        reviews_router,
        sessions_router,
        analytics_router,
        planner_router,
    ),
    permissions=PERMISSIONS,
    default_roles={"admin": ["*"]},
    jobs=(generate_quiz_job,),
    limit_counters={LIMIT_RESOURCE: generations_today},
    constraint_errors={
        ONE_OPEN_INDEX: (409, "SESSION_CONFLICT", "Another study session was started at the same time")
    },
)
