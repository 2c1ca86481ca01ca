"""Visits, the work log and visit plans over HTTP."""

from ninja import Router

visits_router = Router(tags=["visits 走访"])
