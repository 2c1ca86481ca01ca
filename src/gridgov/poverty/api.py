"""Poverty-relapse monitoring over HTTP."""

from ninja import Router

poverty_router = Router(tags=["poverty 防返贫监测"])
