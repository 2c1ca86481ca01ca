"""Events over HTTP."""

from ninja import Router

events_router = Router(tags=["events 事件"])
