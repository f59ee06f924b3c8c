"""Every booking router, in mount order (fixed paths before parameterised ones)."""

from fastapi import APIRouter

ROUTERS: tuple[APIRouter, ...] = ()
