"""Study (seed 004): notes with full-text search (this branch); quizzes, attempts, reviews,
sessions, planner and analytics join `routers` from their own modules.

Notes are owner-scoped: no permission guards them, ownership is the check and another user's
id answers 404.
"""

from mosaic.core.domain import Domain
from mosaic.study.notes.router import router as notes_router

domain = Domain(name="study", routers=(notes_router,))
