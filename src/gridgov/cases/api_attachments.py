"""Photos and documents attached to events, over HTTP."""

from ninja import Router

attachments_router = Router(tags=["events 附件"])
