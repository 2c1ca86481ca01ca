"""Helpers for events tests (and demos): report an event, act on it as a persona, and walk
it through the workflow to any state the usual way.

The personas (personas.py) play their usual parts: worker_a reports in grid 1 of 十八洞村,
the cadre holds it at the village, the 双龙镇 township centre accepts and dispatches, the
花垣县公安局 handler leads, and a handler of 花垣县民政局 assists.
"""

import uuid
from datetime import datetime

from gridgov.cases import actions, workflow
from gridgov.cases.calendar import SHANGHAI
from gridgov.cases.channels import Channel, OutboundMessage
from gridgov.cases.choices import Level
from gridgov.regions.models import Region
from gridgov.testing import personas

# A plain working Monday, 10:00 in Xiangxi.
MONDAY = datetime(2025, 9, 15, 10, 0, tzinfo=SHANGHAI)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0):
    """A moment in Asia/Shanghai time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def user(name):
    """A persona by name (a user passes through)."""
    if not isinstance(name, str):
        return name
    return personas.persona(name)


def report(actor="worker_a", *, category="dispute.neighbour", grid_code=personas.GRID_1, **fields):
    """A new event reported by `actor` (a persona name or a user)."""
    actor = user(actor)
    grid = Region.objects.get(code=grid_code)
    fields.setdefault("title", "邻里因排水沟发生争执")
    if "latitude" not in fields:
        fields["grid"] = grid
    event, _created = actions.report_event(
        actor=actor, uuid=fields.pop("uuid", None) or uuid.uuid4(), category=category, **fields
    )
    return event


def act(event, action: str, actor, **details):
    actor = user(actor)
    return workflow.transition(event, action, actor=actor, **details)


class Story:
    """Walks one event through the workflow the usual way, stopping at a state."""

    def __init__(self, police, civil_affairs, civil):
        self.police, self.civil_affairs, self.civil = police, civil_affairs, civil

    def reported(self, level: str = Level.TOWNSHIP, **fields):
        event = report(**fields)
        if level in (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY):
            act(event, "escalate", "worker_a", to_level=Level.VILLAGE)
        if level in (Level.TOWNSHIP, Level.COUNTY):
            act(event, "escalate", "cadre", to_level=Level.TOWNSHIP)
        if level == Level.COUNTY:
            act(event, "escalate", "township", to_level=Level.COUNTY)
        return event

    def accepted(self, **fields):
        event = self.reported(**fields)
        act(event, "accept", "township")
        return event

    def dispatched(self, *, assisting: bool = True, **fields):
        event = self.accepted(**fields)
        act(
            event,
            "dispatch",
            "township",
            lead=self.police,
            assisting=[self.civil_affairs] if assisting else [],
        )
        return event

    def in_progress(self, **fields):
        event = self.dispatched(**fields)
        act(event, "department_accept", "handler")
        return event

    def handled(self, **fields):
        event = self.in_progress(**fields)
        act(event, "report_part", self.civil, result="已核实困难情况并纳入临时救助")
        act(event, "report", "handler", result="已调解，双方签订协议")
        return event

    def verified(self, **fields):
        event = self.handled(**fields)
        act(event, "verify", "worker_a", note="现场回访属实")
        return event

    def closed(self, **fields):
        event = self.verified(**fields)
        act(event, "close", "township")
        return event

    def suspended(self, **fields):
        event = self.in_progress(**fields)
        act(event, "request_suspension", "handler", reason="等待法院判决")
        act(event, "approve_suspension", "township")
        return event

    def at_state(self, state: str, **fields):
        return getattr(self, state)(**fields)


class UnreachableGatewayChannel(Channel):
    """A gateway at the edge of the world that is down: every send fails."""

    name = "unreachable"

    def send(self, message: OutboundMessage) -> None:
        raise ConnectionError("the gateway did not answer")
