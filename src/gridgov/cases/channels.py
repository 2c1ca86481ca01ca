"""Outbound channels: copies of inbox notifications sent outside the application.

The in-app inbox (`Notification`) is the record; a channel only carries a copy, so a
failing gateway never loses a notification or blocks a case. The channels in use are
named in the setting `GRIDGOV_CASES_CHANNELS` (dotted paths; default: the logging channel,
which is also what tests use). docs/operations/channels.md says how to configure them.

Three channels come with gridgov:

- `LoggingChannel`: writes each message to the log (the default).
- `WeComRobotChannel` (企业微信群机器人): posts to the group robot of the unit holding the
  event, chosen by the longest region-code prefix in `GRIDGOV_WECOM_WEBHOOKS`.
- `SmsGatewayChannel` (短信): posts to a generic HTTP SMS gateway, one message of at most
  70 characters to each recipient whose account has a mobile number.

Neither of the two real channels sends the title of an event that concerns a key population
(重点人群): the copy then says only the kind of message and the tracking code, and the reader
signs in to see more. To add a channel, subclass `Channel`, implement `send()`, and list the
class in the setting.
"""

import abc
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils.module_loading import import_string

logger = logging.getLogger("gridgov.cases.notifications")

DEFAULT_CHANNELS = ("gridgov.cases.channels.LoggingChannel",)
DEFAULT_TIMEOUT_SECONDS = 5
# One SMS segment holds 70 Chinese characters; a longer text would be billed and delivered as
# several messages, in any order, so the copy is cut to one.
SMS_MAX_CHARACTERS = 70


@dataclass(frozen=True)
class OutboundMessage:
    """What a channel sends: who to, what kind, the text, and where the event is (no
    personal data beyond the recipient's own account)."""

    notification_id: int
    user_id: int
    username: str
    kind: str
    text: str
    tracking_code: str
    # The event's grid code, the code of the unit holding it, and the code of the recipient's
    # own unit for this event (their role's region; the holder's when they have none there).
    region_code: str = ""
    holder_code: str = ""
    unit_code: str = ""
    # The recipient's own mobile number, empty when their account has none.
    mobile: str = ""
    # The event concerns a key population: its title must not leave the application.
    key_population: bool = False

    @property
    def kind_label(self) -> str:
        from gridgov.cases.choices import NotificationKind

        try:
            return str(NotificationKind(self.kind).label)
        except ValueError:
            return self.kind

    @property
    def generic_text(self) -> str:
        """The copy without anything about the matter itself: the kind and the code."""
        return f"{self.kind_label}：事件 {self.tracking_code}，请登录系统查看"

    @property
    def outside_text(self) -> str:
        """The text a copy outside the application may carry: the inbox text with the
        tracking code, or only the generic text for a key-population matter."""
        if self.key_population:
            return self.generic_text
        if self.tracking_code in self.text:
            return self.text
        return f"{self.text}（{self.tracking_code}）"


class ChannelError(Exception):
    """A gateway refused a message or did not answer; `deliver()` logs it and carries on.
    The message never contains a webhook key or a token."""


class ChannelUnreachable(ChannelError):
    """The gateway did not answer at all (timeout, connection refused): the rest of the
    batch is not tried against it, so one dead gateway costs one timeout, not one each."""


class Channel(abc.ABC):
    """One way of reaching people outside the application. An instance lives for one call of
    `deliver()` (one batch of notifications, usually about one event), so it may remember
    what it has sent in that batch."""

    name = "channel"

    @abc.abstractmethod
    def send(self, message: OutboundMessage) -> bool | None:
        """Deliver one message, or raise: the caller logs the failure and carries on.
        Return False when there was nothing to send (no mobile number, the group already
        had this message); anything else counts as sent."""


class LoggingChannel(Channel):
    """Writes each message to the log: the default, and the channel tests read."""

    name = "log"
    sent: list[OutboundMessage] = []  # the last messages, for tests and the demo

    def send(self, message: OutboundMessage) -> bool:
        logger.info(
            "notification %s to %s (%s): %s",
            message.notification_id,
            message.username,
            message.kind,
            message.text,
        )
        LoggingChannel.sent.append(message)
        del LoggingChannel.sent[:-1000]
        return True


def _timeout() -> float:
    return float(getattr(settings, "GRIDGOV_CHANNEL_TIMEOUT", DEFAULT_TIMEOUT_SECONDS))


def post_json(url: str, body: dict, *, headers: dict | None = None, what: str) -> dict:
    """POST `body` as JSON and return the JSON answer ({} if the answer is not JSON). Raises
    ChannelError on a non-2xx status, a timeout or a refused connection; `what` names the
    gateway in the error (never the URL: a robot's URL carries its key)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=_timeout()) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as error:
        error.close()
        raise ChannelError(f"{what} answered HTTP {error.code}") from None
    except OSError as error:  # refused, unreachable, timed out (URLError is an OSError)
        reason = getattr(error, "reason", error)
        raise ChannelUnreachable(f"{what} did not answer: {reason}") from None
    try:
        answer = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        return {}
    return answer if isinstance(answer, dict) else {}


class WeComRobotChannel(Channel):
    """A WeChat Work group robot (企业微信群机器人) per unit. A message goes to the robot of
    the longest prefix in `GRIDGOV_WECOM_WEBHOOKS` that the recipient's unit code starts
    with (so a village without a robot of its own is heard in its township's group); with
    no match it is not sent. A group sees each message once, however many of its members
    the notification went to."""

    name = "wecom"

    def __init__(self) -> None:
        webhooks = getattr(settings, "GRIDGOV_WECOM_WEBHOOKS", {})
        if not webhooks:
            raise ImproperlyConfigured(
                "WeComRobotChannel needs GRIDGOV_WECOM_WEBHOOKS (region-code prefix=URL, …)"
            )
        # Longest first, so the first match is the most specific unit.
        self.webhooks = sorted(webhooks.items(), key=lambda item: -len(item[0]))
        self.posted: set[tuple] = set()
        self.unreachable: set[str] = set()

    def robot_for(self, code: str) -> tuple[str, str] | None:
        """The (prefix, URL) of the robot for the unit `code`, or None."""
        for prefix, url in self.webhooks:
            if code.startswith(prefix):
                return prefix, url
        return None

    def send(self, message: OutboundMessage) -> bool:
        robot = self.robot_for(message.unit_code or message.holder_code)
        if robot is None:
            return False
        prefix, url = robot
        key = (prefix, message.tracking_code, message.kind, message.outside_text)
        if key in self.posted:
            return False
        what = f"WeCom robot for {prefix}"
        if prefix in self.unreachable:
            raise ChannelUnreachable(f"{what} did not answer earlier in this batch")
        body = {"msgtype": "text", "text": {"content": message.outside_text}}
        try:
            answer = post_json(url, body, what=what)
        except ChannelUnreachable:
            self.unreachable.add(prefix)
            raise
        # The robot answers HTTP 200 even when it refuses: {"errcode": 93000, "errmsg": …}.
        errcode = answer.get("errcode", 0)
        if errcode not in (0, "0", None):
            raise ChannelError(
                f"{what} refused the message: errcode {errcode} {answer.get('errmsg', '')}"
            )
        self.posted.add(key)
        return True


def sms_text(message: OutboundMessage, limit: int = SMS_MAX_CHARACTERS) -> str:
    """The text of the SMS: the outside text cut to one segment. When the inbox text is cut,
    the tracking code is kept at the end: it is what the reader needs to find the case."""
    text = message.outside_text
    if len(text) <= limit:
        return text
    if message.key_population or message.tracking_code in message.text:
        return text[: limit - 1] + "…"
    suffix = f"…（{message.tracking_code}）"
    return message.text[: limit - len(suffix)] + suffix


class SmsGatewayChannel(Channel):
    """A generic HTTP SMS gateway (the province's government SMS platform, a carrier's
    gateway or a small adapter in front of either): POST {"mobile", "content"} as JSON to
    `GRIDGOV_SMS_GATEWAY_URL` with `Authorization: Bearer <GRIDGOV_SMS_GATEWAY_TOKEN>`.
    Recipients without a mobile number on their account are skipped."""

    name = "sms"

    def __init__(self) -> None:
        self.url = getattr(settings, "GRIDGOV_SMS_GATEWAY_URL", "")
        self.token = getattr(settings, "GRIDGOV_SMS_GATEWAY_TOKEN", "")
        if not self.url:
            raise ImproperlyConfigured("SmsGatewayChannel needs GRIDGOV_SMS_GATEWAY_URL")
        self.unreachable = False

    def send(self, message: OutboundMessage) -> bool:
        if not message.mobile:
            return False
        if self.unreachable:
            raise ChannelUnreachable("the SMS gateway did not answer earlier in this batch")
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        body = {"mobile": message.mobile, "content": sms_text(message)}
        try:
            answer = post_json(self.url, body, headers=headers, what="the SMS gateway")
        except ChannelUnreachable:
            self.unreachable = True
            raise
        errcode = answer.get("errcode", answer.get("code", 0))
        if errcode not in (0, "0", None):
            raise ChannelError(f"the SMS gateway refused the message: code {errcode}")
        return True


def configured_channels() -> list[Channel]:
    paths = getattr(settings, "GRIDGOV_CASES_CHANNELS", DEFAULT_CHANNELS)
    return [import_string(path)() for path in paths]


def key_population_events(event_ids: set[int]) -> set[int]:
    """Which of these events concern a key population (重点人群): linked to a resident in a
    key population or to a household with such a member (a tag, ended or not, still says
    it), or opened from a key-population follow-up visit. One query."""
    from gridgov.cases.models import Event, EventLink
    from gridgov.registry.choices import SENSITIVE_TAGS
    from gridgov.visits.choices import SENSITIVE_KINDS
    from gridgov.visits.models import Visit

    if not event_ids:
        return set()
    links = EventLink.objects.filter(event_id__in=event_ids)
    by_resident = links.filter(resident__tags__tag__in=SENSITIVE_TAGS).values("event_id")
    by_household = links.filter(household__members__tags__tag__in=SENSITIVE_TAGS).values("event_id")
    by_visit = Visit.objects.filter(event_id__in=event_ids, kind__in=SENSITIVE_KINDS).values(
        "event_id"
    )
    found = Event.objects.filter(pk__in=event_ids).filter(
        Q(pk__in=by_resident) | Q(pk__in=by_household) | Q(pk__in=by_visit)
    )
    return set(found.values_list("pk", flat=True))


def recipient_units(rows) -> dict[int, str]:
    """Notification id → the code of the recipient's unit for its event: the narrowest region
    of their current roles that contains the event's grid (a department handler: their
    department's county or township), else the unit holding the event. Read at delivery,
    so it does not depend on where the event has moved since."""
    from gridgov.accounts.models import RoleAssignment

    regions: dict[int, list[str]] = {}
    assignments = RoleAssignment.objects.filter(
        user_id__in={row.user_id for row in rows}, ended_at__isnull=True
    ).values_list("user_id", "region_code")
    for user_id, code in assignments:
        regions.setdefault(user_id, []).append(code)
    units = {}
    for row in rows:
        containing = [
            code for code in regions.get(row.user_id, []) if row.event.region_code.startswith(code)
        ]
        units[row.pk] = max(containing, key=len) if containing else row.event.holder_code
    return units


def deliver(notification_ids: list[int]) -> int:
    """Send copies of these notifications through every configured channel; returns how
    many messages went out. A channel that fails is logged and skipped: the inbox already
    holds the notification."""
    from gridgov.cases.models import Notification

    sent = 0
    channels = configured_channels()
    rows = list(
        Notification.objects.filter(pk__in=notification_ids).select_related("user", "event")
    )
    sensitive = key_population_events({row.event_id for row in rows})
    units = recipient_units(rows)
    for row in rows:
        message = OutboundMessage(
            notification_id=row.pk,
            user_id=row.user_id,
            username=row.user.get_username(),
            kind=row.kind,
            text=row.text,
            tracking_code=row.event.tracking_code,
            region_code=row.event.region_code,
            holder_code=row.event.holder_code,
            unit_code=units[row.pk],
            mobile=row.user.mobile,
            key_population=row.event_id in sensitive,
        )
        for channel in channels:
            try:
                if channel.send(message) is not False:
                    sent += 1
            except Exception:
                logger.exception("channel %s could not send notification %s", channel.name, row.pk)
    return sent
