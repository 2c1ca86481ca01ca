"""Outbound channels against a real HTTP server: the WeChat Work group robots chosen by
region-code prefix, the SMS gateway with its token and its 70 characters, key-population
matters kept generic, and failing gateways that lose nothing and stop nothing.

The server (http.server in a thread on 127.0.0.1) stands in for the robot and the gateway:
it records what it received and answers as each path is told to."""

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from gridgov.accounts.models import User
from gridgov.cases import links, tasks
from gridgov.cases.channels import LoggingChannel
from gridgov.cases.choices import Level
from gridgov.cases.models import Notification
from gridgov.testing import personas
from gridgov.testing.cases import act, report

WECOM = "gridgov.cases.channels.WeComRobotChannel"
SMS = "gridgov.cases.channels.SmsGatewayChannel"
LOG = "gridgov.cases.channels.LoggingChannel"
TOKEN = "sms-test-token-7f3a"


class Gateway:
    """A local HTTP server: `answers[path]` is (status, JSON body) or "slow" (answers after
    `slow_seconds`); every request is kept in `received`."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.answers: dict[str, object] = {}
        self.slow_seconds = 1.5
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length).decode("utf-8"))
                gateway.received.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                answer = gateway.answers.get(self.path.split("?")[0], (200, {"errcode": 0}))
                if answer == "slow":
                    time.sleep(gateway.slow_seconds)
                    answer = (200, {"errcode": 0})
                status, payload = answer
                data = json.dumps(payload).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: that is the point of "slow"

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def to(self, path: str) -> list[dict]:
        return [request for request in self.received if request["path"].split("?")[0] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    server = Gateway()
    yield server
    server.close()


@pytest.fixture
def channels(db, settings, gateway):
    """Configure the channels: `channels(WECOM, SMS)`; robots for the county (花垣县) and
    the 双龙镇 township, and the prefecture as the catch-all."""

    def configure(*paths: str, timeout: float = 5):
        settings.GRIDGOV_CASES_CHANNELS = list(paths)
        settings.GRIDGOV_WECOM_WEBHOOKS = {
            "4331": f"{gateway.url}/prefecture?key=prefecture-key",
            personas.COUNTY: f"{gateway.url}/county?key=county-key",
            personas.TOWNSHIP: f"{gateway.url}/township?key=secret-township-key",
        }
        settings.GRIDGOV_SMS_GATEWAY_URL = f"{gateway.url}/sms"
        settings.GRIDGOV_SMS_GATEWAY_TOKEN = TOKEN
        settings.GRIDGOV_CHANNEL_TIMEOUT = timeout

    return configure


def at_township(**fields):
    """An event escalated to the 双龙镇 centre: its staff are notified (a new case)."""
    event = report(**fields)
    act(event, "escalate", "worker_a", to_level=Level.VILLAGE)
    act(event, "escalate", "cadre", to_level=Level.TOWNSHIP)
    return event


def township_notifications(event) -> list[int]:
    return list(
        Notification.objects.filter(event=event, user__username__startswith="township")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def give_mobile(username: str, mobile: str) -> None:
    User.objects.filter(username=username).update(mobile=mobile)


def test_the_units_robot_gets_the_message_once_after_commit(
    channels, gateway, township_b, django_capture_on_commit_callbacks
):
    channels(WECOM)
    event = report(title="村道边坡落石")
    act(event, "escalate", "worker_a", to_level=Level.VILLAGE)
    with django_capture_on_commit_callbacks(execute=True):
        act(event, "escalate", "cadre", to_level=Level.TOWNSHIP)
    posts = gateway.to("/township")
    # Two people of the 双龙镇 centre were notified; their group sees the message once.
    assert len(township_notifications(event)) == 2
    assert len(posts) == 1
    assert posts[0]["path"] == "/township?key=secret-township-key"
    body = posts[0]["body"]
    assert body["msgtype"] == "text"
    assert "村道边坡落石" in body["text"]["content"]
    assert event.tracking_code in body["text"]["content"]
    assert posts[0]["headers"]["Content-Type"].startswith("application/json")
    # The longer prefix won: neither the county's robot nor the prefecture's got it.
    assert not gateway.to("/county")
    assert not gateway.to("/prefecture")


def test_a_unit_without_its_own_robot_falls_back_to_the_longest_prefix(channels, gateway, settings):
    channels(WECOM)
    del settings.GRIDGOV_WECOM_WEBHOOKS[personas.TOWNSHIP]
    event = at_township()
    assert tasks.deliver_notifications.call_local(township_notifications(event)) == 1
    assert [post["path"] for post in gateway.received] == ["/county?key=county-key"]


def test_no_robot_for_the_unit_sends_nothing(channels, gateway, settings):
    channels(WECOM)
    settings.GRIDGOV_WECOM_WEBHOOKS = {personas.OTHER_COUNTY: f"{gateway.url}/jishou"}
    event = at_township()
    assert tasks.deliver_notifications.call_local(township_notifications(event)) == 0
    assert gateway.received == []


def test_sms_goes_to_each_mobile_with_the_token_and_skips_accounts_without_one(
    channels, gateway, township_b
):
    channels(SMS)
    give_mobile("township", "13874310001")
    event = at_township(title="排水沟堵塞")
    ids = township_notifications(event)
    assert len(ids) == 2
    # township_b has no mobile: skipped, not an error, not counted.
    assert tasks.deliver_notifications.call_local(ids) == 1
    (sms,) = gateway.to("/sms")
    assert sms["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert sms["body"]["mobile"] == "13874310001"
    assert "排水沟堵塞" in sms["body"]["content"]
    assert event.tracking_code in sms["body"]["content"]
    assert set(sms["body"]) == {"mobile", "content"}


def test_a_long_sms_is_cut_to_70_characters_keeping_the_tracking_code(channels, gateway):
    channels(SMS)
    give_mobile("township", "13874310001")
    title = "十八洞村梨子寨组村道边坡在连续降雨后出现裂缝和落石，影响村民和学生出行安全，请尽快派人查看处置"
    event = at_township(title=title)
    tasks.deliver_notifications.call_local(township_notifications(event))
    content = gateway.to("/sms")[0]["body"]["content"]
    # The escalation's text names the code early; the title is what gets cut.
    assert len(content) == 70
    assert content.startswith(f"上报待受理 Escalated to you: {event.tracking_code}「十八洞村")
    assert content.endswith("…")


def test_a_key_population_matter_leaves_without_its_title(
    channels, gateway, register, django_capture_on_commit_callbacks
):
    channels(WECOM, SMS)
    give_mobile("township", "13874310001")
    event = report(title="刑满释放人员龙某某与邻居纠纷")
    # Linked to a resident in a key population (released prisoner): a sensitive matter.
    links.link(
        actor=personas.persona("worker_a"), event=event, target=register.residents["adult_1"]
    )
    act(event, "escalate", "worker_a", to_level=Level.VILLAGE)
    with django_capture_on_commit_callbacks(execute=True):
        act(event, "escalate", "cadre", to_level=Level.TOWNSHIP)
    sent = [post["body"] for post in gateway.received]
    contents = [body.get("content") or body["text"]["content"] for body in sent]
    assert len(contents) == 2  # the township's robot and the township's phone
    for content in contents:
        assert "龙某某" not in content and "刑满" not in content
        assert content == f"新任务：事件 {event.tracking_code}，请登录系统查看"
    # The inbox keeps the full text: it is inside the application.
    assert "龙某某" in Notification.objects.filter(event=event).last().text


def test_a_matter_linked_to_a_household_with_a_key_population_member_is_generic(
    channels, gateway, register
):
    channels(SMS)
    give_mobile("township", "13874310001")
    event = report(title="梨子寨某户家庭矛盾")
    links.link(
        actor=personas.persona("worker_a"), event=event, target=register.households["household_1"]
    )
    act(event, "escalate", "worker_a", to_level=Level.VILLAGE)
    act(event, "escalate", "cadre", to_level=Level.TOWNSHIP)
    tasks.deliver_notifications.call_local(township_notifications(event))
    content = gateway.to("/sms")[0]["body"]["content"]
    assert "家庭矛盾" not in content
    assert event.tracking_code in content


@pytest.mark.parametrize(
    "answer",
    [(500, {"error": "internal"}), (200, {"errcode": 93000, "errmsg": "invalid webhook url"})],
    ids=["http-500", "errcode"],
)
def test_a_failing_robot_loses_nothing_and_the_other_channels_carry_on(
    channels, gateway, answer, caplog
):
    channels(WECOM, SMS, LOG)
    gateway.answers["/township"] = answer
    give_mobile("township", "13874310001")
    LoggingChannel.sent.clear()
    event = at_township()
    ids = township_notifications(event)
    # The robot failed; the SMS and the log copy went out.
    assert tasks.deliver_notifications.call_local(ids) == 2
    assert len(gateway.to("/township")) == 1
    assert len(gateway.to("/sms")) == 1
    assert [m.notification_id for m in LoggingChannel.sent] == ids
    assert Notification.objects.filter(pk__in=ids, read_at__isnull=True).count() == 1
    assert "channel wecom could not send" in caplog.text
    assert "WeCom robot for 433124110" in caplog.text
    # The robot's key is a secret: it never reaches the log.
    assert "secret-township-key" not in caplog.text


def test_a_gateway_that_does_not_answer_costs_one_timeout_per_batch(
    channels, gateway, township_b, caplog
):
    channels(WECOM, SMS, timeout=0.5)
    gateway.answers["/sms"] = "slow"
    give_mobile("township", "13874310001")
    give_mobile("township_b", "13874310002")
    event = at_township()
    ids = township_notifications(event)
    started = time.monotonic()
    # The robot posts once; the SMS gateway times out on the first and is not tried again.
    assert tasks.deliver_notifications.call_local(ids) == 1
    assert time.monotonic() - started < 1.4
    assert len(gateway.to("/sms")) == 1
    assert len(gateway.to("/township")) == 1
    assert caplog.text.count("channel sms could not send") == 2
    assert "did not answer" in caplog.text
    assert Notification.objects.filter(pk__in=ids).count() == 2


def test_the_sms_gateway_refusing_a_number_is_logged_not_raised(channels, gateway, caplog):
    channels(SMS)
    gateway.answers["/sms"] = (400, {"code": 40001, "message": "bad mobile"})
    give_mobile("township", "13874310001")
    event = at_township()
    assert tasks.deliver_notifications.call_local(township_notifications(event)) == 0
    assert "SMS gateway answered HTTP 400" in caplog.text
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    "mobile", ["1387431000", "138743100011", "23874310001", "1387431000a", "+8613874310001"]
)
def test_a_mobile_number_must_be_11_mainland_digits(db, mobile):
    user = User(username="someone", mobile=mobile)
    user.set_unusable_password()
    with pytest.raises(ValidationError) as raised:
        user.full_clean()
    assert (
        "手机号须为 11 位中国大陆手机号码 The mobile number must be 11 digits (mainland China)."
        in raised.value.message_dict["mobile"]
    )


def test_an_empty_or_valid_mobile_is_accepted(db):
    for mobile in ("", "13874310001", "19912345678"):
        user = User(username=f"someone{mobile}", mobile=mobile)
        user.set_unusable_password()
        user.full_clean()


def test_the_admins_user_list_shows_mobiles_masked(db, client):
    give_mobile("township", "13874310001")
    client.force_login(User.objects.create_superuser("root", password="x-test-password"))
    page = client.get("/admin/accounts/user/").content.decode()
    assert "138****0001" in page
    assert "13874310001" not in page


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"GRIDGOV_WECOM_WEBHOOKS": "huayuan=https://qyapi.example/send?key=k"},
            "not a region code",
        ),
        ({"GRIDGOV_WECOM_WEBHOOKS": "433124=qyapi.example/send"}, "needs an http(s) URL"),
        ({"GRIDGOV_CASES_CHANNELS": SMS}, "set GRIDGOV_SMS_GATEWAY_URL"),
        ({"GRIDGOV_CHANNEL_TIMEOUT": "0"}, "GRIDGOV_CHANNEL_TIMEOUT"),
    ],
    ids=["prefix", "url", "sms-without-url", "timeout"],
)
def test_a_malformed_channel_setting_stops_the_start(variables, message, tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GRIDGOV_")}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "gridgov.settings",
        "GRIDGOV_ENV": "test",
        "GRIDGOV_VAR_DIR": str(tmp_path),
        **variables,
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_a_batch_costs_three_queries_however_many_recipients(
    channels, gateway, township_b, django_assert_num_queries
):
    channels(WECOM, SMS, LOG)
    give_mobile("township", "13874310001")
    event = at_township()
    ids = township_notifications(event)
    # The notifications with their users and event, key-population or not, the units.
    with django_assert_num_queries(3):
        assert tasks.deliver_notifications.call_local(ids) == 4  # 1 group + 1 SMS + 2 log
