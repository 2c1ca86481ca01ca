"""Outbound channels: copies of inbox notifications sent outside the application.

The in-app inbox (`Notification`) is the record; a channel only carries a copy, so a
failing gateway never loses a notification or blocks a case. The channels in use are
named in the setting `GRIDGOV_CASES_CHANNELS` (dotted paths; default: the logging channel,
which is also what tests use). Nothing here touches the network.

To add a channel, subclass `Channel`, implement `send()`, and list the class in the
setting. Two are expected in deployments and left as documented extension points:

- SMS (短信): the province's government SMS platform or a carrier gateway. Send to the
  phone number of the user's account, at most 70 characters per segment; keep case titles
  out of messages for key-population cases.
- WeChat Work (企业微信) group robot: POST `{"msgtype": "text", "text": {"content": …}}`
  as JSON to the robot's webhook URL (one per unit), with a short timeout.
"""

import abc
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("gridgov.cases.notifications")

DEFAULT_CHANNELS = ("gridgov.cases.channels.LoggingChannel",)


@dataclass(frozen=True)
class OutboundMessage:
    """What a channel sends: who to, what kind, and the text (no personal data beyond the
    recipient's own account)."""

    notification_id: int
    user_id: int
    username: str
    kind: str
    text: str
    tracking_code: str


class Channel(abc.ABC):
    """One way of reaching people outside the application."""

    name = "channel"

    @abc.abstractmethod
    def send(self, message: OutboundMessage) -> None:
        """Deliver one message, or raise: the caller logs the failure and carries on."""


class LoggingChannel(Channel):
    """Writes each message to the log: the default, and the channel tests read."""

    name = "log"
    sent: list[OutboundMessage] = []  # the last messages, for tests and the demo

    def send(self, message: OutboundMessage) -> None:
        logger.info(
            "notification %s to %s (%s): %s",
            message.notification_id,
            message.username,
            message.kind,
            message.text,
        )
        LoggingChannel.sent.append(message)
        del LoggingChannel.sent[:-1000]


def configured_channels() -> list[Channel]:
    paths = getattr(settings, "GRIDGOV_CASES_CHANNELS", DEFAULT_CHANNELS)
    return [import_string(path)() for path in paths]


def deliver(notification_ids: list[int]) -> int:
    """Send copies of these notifications through every configured channel; returns how
    many messages went out. A channel that fails is logged and skipped: the inbox already
    holds the notification."""
    from gridgov.cases.models import Notification

    sent = 0
    channels = configured_channels()
    rows = Notification.objects.filter(pk__in=notification_ids).select_related("user", "event")
    for row in rows:
        message = OutboundMessage(
            notification_id=row.pk,
            user_id=row.user_id,
            username=row.user.get_username(),
            kind=row.kind,
            text=row.text,
            tracking_code=row.event.tracking_code,
        )
        for channel in channels:
            try:
                channel.send(message)
                sent += 1
            except Exception:
                logger.exception("channel %s could not send notification %s", channel.name, row.pk)
    return sent
