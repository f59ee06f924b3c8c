"""The deterministic planner: topics weighted by importance and weakness, laid out day by day.

Each day gets at most its hours (in 15-minute units), nothing falls on or after the deadline.
About 80% of the available time is shared among the topics in proportion to their weights;
a topic whose study time is used up gets a 15-minute quiz on the next day with room, and when
there are cards to review a 15-minute review opens every third study day (the first one too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

UNIT = 15
MAX_BLOCK = 60
STUDY_SHARE = 0.8


@dataclass(frozen=True, slots=True)
class TopicWeight:
    subject: str
    topic: str
    weight: float


@dataclass(frozen=True, slots=True)
class PlannedTask:
    date: date
    kind: str
    subject: str | None
    topic: str | None
    minutes: int


def capacities(start: date, deadline: date, hours_per_weekday: dict[str, float]) -> list[tuple[date, int]]:
    """(day, minutes available, whole 15-minute units) for every day before the deadline."""
    days = []
    for offset in range((deadline - start).days):
        day = start + timedelta(days=offset)
        minutes = int(hours_per_weekday.get(str(day.weekday()), 0) * 60) // UNIT * UNIT
        days.append((day, minutes))
    return days


def build_plan(
    topics: list[TopicWeight],
    start: date,
    deadline: date,
    hours_per_weekday: dict[str, float],
    *,
    reviews: bool,
) -> list[PlannedTask]:
    days = capacities(start, deadline, hours_per_weekday)
    total = sum(minutes for _, minutes in days)
    weight_sum = sum(t.weight for t in topics) or 1.0
    remaining = {
        index: max(UNIT, int(total * STUDY_SHARE * t.weight / weight_sum) // UNIT * UNIT)
        for index, t in enumerate(topics)
    }
    pending_quizzes: list[int] = []
    tasks: list[PlannedTask] = []
    study_days = 0
    for day, capacity in days:
        if capacity < UNIT:
            continue
        left = capacity
        if reviews and study_days % 3 == 0:
            tasks.append(PlannedTask(day, "review", None, None, UNIT))
            left -= UNIT
        study_days += 1
        while pending_quizzes and left >= UNIT:
            index = pending_quizzes.pop(0)
            tasks.append(PlannedTask(day, "quiz", topics[index].subject, topics[index].topic, UNIT))
            left -= UNIT
        today: dict[int, int] = {}
        while left >= UNIT:
            open_topics = [i for i, minutes in remaining.items() if minutes > 0]
            if not open_topics:
                break
            index = max(open_topics, key=lambda i: (remaining[i], -i))
            block = min(MAX_BLOCK, left, remaining[index])
            today[index] = today.get(index, 0) + block
            remaining[index] -= block
            left -= block
            if remaining[index] <= 0:
                pending_quizzes.append(index)
        for index, minutes in today.items():
            tasks.append(PlannedTask(day, "study", topics[index].subject, topics[index].topic, minutes))
    return tasks
