"""The event pages, through the web client as each person uses them: a grid worker reports,
the township centre dispatches, the police handler reports the result, the worker verifies;
deadlines shown relative to now; conflicts, double submits, refusals; masked phones; the
inbox; and lists that cost the same number of queries for 2 rows or 12."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.accounts.models import Department
from gridgov.cases import notifications, supervision
from gridgov.cases.choices import Level, Source, State
from gridgov.cases.models import Event, EventStep, Notification
from gridgov.regions.models import Region
from gridgov.testing import personas
from gridgov.testing.cases import act, at, report, user

CALLER_PHONE = "13812345678"


def _page_url(event) -> str:
    return f"/events/{event.uuid}/"


def _act_url(event, action: str) -> str:
    return f"/events/{event.uuid}/act/{action}/"


def _form_values(page: str, action: str) -> dict:
    """The hidden values of an action's form as the page drew them."""
    values = {}
    for name in ("version", "idempotency_key"):
        found = re.search(rf'name="{action}-{name}" value="([^"]+)"', page)
        assert found, f"no {action} form on the page"
        values[f"{action}-{name}"] = found.group(1)
    return values


def web_act(client, event, action: str, **inputs):
    """Open the event page, fill the action's form as drawn, send it; returns the response."""
    page = client.get(_page_url(event))
    assert page.status_code == 200
    content = page.content.decode()
    assert f'action="{_act_url(event, action)}"' in content, f"{action} is not offered"
    data = _form_values(content, action)
    data.update({f"{action}-{name}": value for name, value in inputs.items()})
    return client.post(_act_url(event, action), data)


def _intake(**fields) -> dict:
    data = {
        "uuid": str(uuid.uuid4()),
        "category": "dispute.neighbour",
        "title": "邻里因排水沟发生争执",
        "description": "两户因排水沟改道争吵",
        "urgency": "medium",
        "grid": personas.GRID_1,
        "address": "梨子寨 3 号旁",
    }
    data.update(fields)
    return data


# --- The whole way through the web ---------------------------------------------------------


@pytest.mark.django_db
def test_reported_dispatched_handled_and_verified_through_the_pages(client_of, police, clock):
    worker, cadre, township, handler = (
        client_of(name) for name in ("worker_a", "cadre", "township", "handler")
    )
    assert worker.get("/events/new/").status_code == 200
    response = worker.post("/events/new/", _intake())
    event = Event.objects.get(title="邻里因排水沟发生争执")
    assert response.status_code == 302
    assert response["Location"] == _page_url(event)
    assert event.reporter == user("worker_a")
    assert event.source == Source.GRID_WORKER

    assert (
        web_act(worker, event, "escalate", to_level="village", note="需村里协调").status_code == 302
    )
    assert web_act(cadre, event, "escalate", to_level="township").status_code == 302
    assert web_act(township, event, "accept", note="").status_code == 302
    response = web_act(township, event, "dispatch", lead=str(police.pk), note="请公安处理")
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.state, event.lead_department) == (State.DISPATCHED, police)

    assert web_act(handler, event, "department_accept").status_code == 302
    assert web_act(handler, event, "report", result="已调解，双方签订协议").status_code == 302
    page = worker.get(_page_url(event)).content.decode()
    assert "已调解，双方签订协议" in page  # the timeline shows the handler's report
    assert web_act(worker, event, "verify", note="回访属实").status_code == 302

    event.refresh_from_db()
    assert event.state == State.VERIFIED
    steps = list(EventStep.objects.filter(event=event).values_list("action", flat=True))
    assert steps == [
        "report",
        "escalate",
        "escalate",
        "accept",
        "dispatch",
        "department_accept",
        "report",
        "verify",
    ]
    # The timeline, newest last, with who did it.
    page = township.get(_page_url(event)).content.decode()
    timeline = page[page.index('class="timeline"') :]
    assert timeline.index("部门签收") < timeline.index("核查通过")
    assert "worker_a" in timeline and "handler" in timeline


@pytest.mark.django_db
def test_each_person_is_offered_only_their_own_actions(client_of, story):
    event = story.dispatched()
    handler_page = client_of("handler").get(_page_url(event)).content.decode()
    assert 'action="' + _act_url(event, "department_accept") + '"' in handler_page
    assert _act_url(event, "dispatch") not in handler_page
    leader_page = client_of("leader").get(_page_url(event))
    assert leader_page.status_code == 200
    assert "/act/" not in leader_page.content.decode()


@pytest.mark.django_db
def test_the_dispatch_form_offers_the_departments_of_the_events_county(client_of, story):
    event = story.accepted()
    page = client_of("township").get(_page_url(event)).content.decode()
    assert "花垣县公安局" in page and "花垣县民政局" in page
    other = Department.objects.create(
        name="吉首市公安局", kind="public_security", region=Region.objects.get(code="433101")
    )
    page = client_of("township").get(_page_url(event)).content.decode()
    assert other.name not in page


@pytest.mark.django_db
def test_a_missing_required_input_is_shown_next_to_its_field(client_of, story):
    event = story.in_progress()
    response = web_act(client_of("handler"), event, "report", result="")
    assert response.status_code == 200
    page = response.content.decode()
    assert "has-error" in page and 'id="action-report" open' in page
    event.refresh_from_db()
    assert event.state == State.IN_PROGRESS


@pytest.mark.django_db
def test_the_workflows_refusal_lands_on_the_field_in_both_languages(client_of, story, police):
    event = story.accepted()
    response = web_act(
        client_of("township"), event, "dispatch", lead=str(police.pk), assisting=[str(police.pk)]
    )
    assert response.status_code == 200
    page = response.content.decode()
    field = page[page.index('id="action-dispatch"') :]
    assert "主办和协办部门不能重复 A department is named twice." in field
    event.refresh_from_db()
    assert event.state == State.ACCEPTED


# --- Refusals, conflicts, double submits ---------------------------------------------------------


@pytest.mark.django_db
def test_an_event_out_of_scope_is_not_found(client_of, clock):
    event = report("worker_a")
    for name in ("worker_b", "outsider"):
        assert client_of(name).get(_page_url(event)).status_code == 404
        assert client_of(name).post(_act_url(event, "accept")).status_code == 404
    assert client_of("worker_a").get(f"/events/{uuid.UUID(int=7)}/").status_code == 404
    assert client_of("worker_a").post(_act_url(event, "fly_away")).status_code == 404


@pytest.mark.django_db
def test_an_action_that_is_not_yours_is_forbidden_with_a_clear_message(client_of, story):
    event = story.dispatched()
    page = client_of("township").get(_page_url(event)).content.decode()
    data = {"department_accept-version": str(event.version), "department_accept-note": ""}
    response = client_of("leader").post(_act_url(event, "department_accept"), data)
    assert response.status_code == 403
    assert "无权执行此操作" in response.content.decode()
    response = client_of("township").post(_act_url(event, "department_accept"), data)
    assert response.status_code == 403
    assert "department_accept" not in page
    event.refresh_from_db()
    assert event.state == State.DISPATCHED


@pytest.mark.django_db
def test_an_action_not_possible_now_says_what_is_possible(client_of, story):
    event = story.reported()  # held by the township, not accepted yet
    data = {"dispatch-version": str(event.version), "dispatch-idempotency_key": "k1"}
    response = client_of("township").post(_act_url(event, "dispatch"), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "不能执行“派遣”" in page and "现在可以：受理" in page
    event.refresh_from_db()
    assert event.state == State.REPORTED


@pytest.mark.django_db
def test_a_change_by_someone_else_in_between_is_not_overwritten(client_of, story):
    event = story.in_progress()
    civil_client = client_of("civil")
    first_page = civil_client.get(_page_url(event)).content.decode()
    stale = _form_values(first_page, "report_part")
    # The case is suspended while the assisting handler is still typing.
    act(event, "request_suspension", "handler", reason="等待法院判决")
    act(event, "approve_suspension", "township")
    data = dict(stale, **{"report_part-result": "已核实困难"})
    response = civil_client.post(_act_url(event, "report_part"), data)
    assert response.status_code == 409
    assert "该事件已被他人更新" in response.content.decode()
    assert not EventStep.objects.filter(event=event, action="report_part").exists()


@pytest.mark.django_db
def test_a_stale_form_of_an_action_still_possible_is_refused_too(client_of, story):
    event = story.in_progress()
    civil_client = client_of("civil")
    stale = _form_values(civil_client.get(_page_url(event)).content.decode(), "assist_accept")
    act(event, "request_extension", "handler", amount=2, reason="等待鉴定")
    response = civil_client.post(_act_url(event, "assist_accept"), stale)
    assert response.status_code == 409
    assert "该事件已被他人更新" in response.content.decode()
    assert not EventStep.objects.filter(event=event, action="assist_accept").exists()


@pytest.mark.django_db
def test_a_double_submit_acts_once(client_of, clock):
    event = report("worker_a")
    client = client_of("worker_a")
    data = _form_values(client.get(_page_url(event)).content.decode(), "accept")
    first = client.post(_act_url(event, "accept"), data)
    second = client.post(_act_url(event, "accept"), data)
    assert first.status_code == second.status_code == 302
    assert EventStep.objects.filter(event=event, action="accept").count() == 1


# --- Intake and the hotline -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_resubmitted_intake_form_does_not_create_a_twin(client_of, clock):
    client = client_of("worker_a")
    data = _intake()
    first = client.post("/events/new/", data)
    second = client.post("/events/new/", data)
    assert first["Location"] == second["Location"]
    assert Event.objects.filter(uuid=data["uuid"]).count() == 1


@pytest.mark.django_db
def test_the_location_on_the_map_decides_the_grid(client_of, clock):
    grid = Region.objects.get(code=personas.GRID_1)
    data = _intake(grid="", latitude=grid.centroid_lat, longitude=grid.centroid_lon)
    response = client_of("worker_a").post("/events/new/", data)
    assert response.status_code == 302
    event = Event.objects.get(uuid=data["uuid"])
    assert event.region_code == personas.GRID_1
    assert event.latitude == pytest.approx(grid.centroid_lat)


@pytest.mark.django_db
def test_intake_errors_are_shown_next_to_the_field(client_of, clock):
    client = client_of("worker_a")
    response = client.post("/events/new/", _intake(grid=""))
    assert response.status_code == 200
    assert "请选择网格或给出位置 Choose a grid or give the location." in response.content.decode()
    response = client.post("/events/new/", _intake(category="emergency.natural_disaster"))
    page = response.content.decode()
    assert "突发事件须定级" in page
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_the_intake_form_groups_categories_and_offers_the_map(client_of):
    page = client_of("worker_a").get("/events/new/").content.decode()
    assert '<optgroup label="矛盾纠纷">' in page
    assert 'value="dispute.neighbour"' in page
    assert "event-pick-map" in page and "使用我的位置" in page
    assert f"/api/regions/{personas.GRID_1}/map" in page


@pytest.mark.django_db
def test_a_duplicate_nearby_is_offered_for_merging(client_of, clock):
    grid = Region.objects.get(code=personas.GRID_1)
    point = {"latitude": grid.centroid_lat, "longitude": grid.centroid_lon}
    first = report("worker_a", title="排水沟堵塞", **point)
    client = client_of("worker_a")
    response = client.post("/events/new/", _intake(grid="", title="排水沟又堵了", **point))
    second = Event.objects.get(title="排水沟又堵了")
    page = client.get(response["Location"]).content.decode()
    assert "可能重复" in page and "排水沟堵塞" in page
    data = {
        "merge-into": str(first.uuid),
        "merge-version": str(second.version),
        "merge-idempotency_key": "merge-1",
    }
    assert client.post(_act_url(second, "merge"), data).status_code == 302
    second.refresh_from_db()
    assert (second.state, second.merged_into) == (State.MERGED, first)


@pytest.mark.django_db
def test_an_operator_records_a_hotline_call_and_the_callers_phone_stays_masked(client_of, clock):
    client = client_of("township")
    search = client.get("/events/hotline/", {"q": "十八洞"}).content.decode()
    assert f'value="{personas.GRID_1}"' in search
    data = _intake(
        reporter_name="龙老伯", reporter_phone=CALLER_PHONE, q="十八洞", title="路灯坏了"
    )
    response = client.post("/events/hotline/", data)
    assert response.status_code == 302
    event = Event.objects.get(title="路灯坏了")
    assert (event.source, event.level) == (Source.HOTLINE, Level.TOWNSHIP)
    assert event.reporter_phone == CALLER_PHONE
    for page_url in (_page_url(event), "/work/", "/events/"):
        page = client.get(page_url).content.decode()
        assert CALLER_PHONE not in page, page_url
    page = client.get(_page_url(event)).content.decode()
    assert "138****5678" in page and "龙老伯" in page


@pytest.mark.django_db
def test_only_centres_take_hotline_calls_and_only_staff_report(client_of):
    assert client_of("worker_a").get("/events/hotline/").status_code == 403
    assert client_of("township").get("/events/hotline/").status_code == 200
    for name in ("handler", "leader", "admin"):
        response = client_of(name).get("/events/new/")
        assert response.status_code == 403, name
        assert "没有上报事件的权限" in response.content.decode()


# --- Worklist and list --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_worklist_has_a_tab_per_bucket_with_counts(client_of, story):
    story.accepted()
    story.reported(title="待受理的一件")
    page = client_of("township").get("/work/").content.decode()
    assert re.search(r'data-bucket="accept">待受理 <span class="count">1</span>', page)
    assert re.search(r'data-bucket="dispatch">待派遣 <span class="count">1</span>', page)
    one_tab = client_of("township").get("/work/", {"bucket": "accept"}).content.decode()
    assert "待受理的一件" in one_tab and "邻里因排水沟发生争执" not in one_tab


@pytest.mark.django_db
def test_a_tab_the_user_does_not_have_shows_every_bucket(client_of, clock):
    report("worker_a", title="待受理的一件")
    client = client_of("worker_a")  # a grid worker accepts, handles and verifies
    for bucket in ("dispatch", "nonsense"):
        page = client.get("/work/", {"bucket": bucket}).content.decode()
        assert "待受理的一件" in page, bucket
        assert 'aria-current="page" data-bucket="all"' in page, bucket
        assert 'data-bucket="dispatch"' not in page


@pytest.mark.django_db
def test_the_worklist_shows_deadlines_relative_to_now_overdue_first_in_red(client_of, clock):
    late = report("worker_a", title="周一报的")  # to accept by Tuesday night (1 working day)
    clock(at(2025, 9, 16, 10))
    soon = report("worker_a", title="周二报的")  # by Wednesday night
    clock(at(2025, 9, 17, 3))
    later = report("worker_a", title="周三报的")  # by Thursday night
    page = client_of("worker_a").get("/work/").content.decode()
    assert page.index(late.title) < page.index(soon.title) < page.index(later.title)
    rows = page.split('class="record event-row')[1:]
    assert "event-overdue" in rows[0] and "已超期 3 小时" in rows[0] and "due-overdue" in rows[0]
    assert "20 小时后到期" in rows[1] and "due-overdue" not in rows[1]
    assert "1 个工作日后到期" in rows[2]


@pytest.mark.django_db
def test_the_worklist_costs_the_same_for_two_rows_or_twelve(client_of, clock):
    client = client_of("worker_a")
    for number in range(2):
        report("worker_a", title=f"第 {number} 件")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/work/").status_code == 200
    for number in range(10):
        report("worker_a", title=f"又一件 {number}")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/work/").content.decode()
    assert page.count('class="record event-row') == 12
    assert len(many) == len(few)


@pytest.mark.django_db
def test_the_event_list_filters_and_costs_the_same_for_two_rows_or_twelve(client_of, story):
    story.accepted(title="已受理的一件")
    report("worker_a", title="新报的一件")
    client = client_of("township")
    page = client.get("/events/", {"state": "accepted"}).content.decode()
    assert "已受理的一件" in page and "新报的一件" not in page
    page = client.get("/events/", {"q": "新报"}).content.decode()
    assert "新报的一件" in page and "已受理的一件" not in page
    page = client.get("/events/", {"within": personas.GRID_2}).content.decode()
    assert "新报的一件" not in page
    with CaptureQueriesContext(connection) as few:
        client.get("/events/", {"category": "dispute"})
    for number in range(10):
        report("worker_a", title=f"又一件 {number}")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/events/", {"category": "dispute"}).content.decode()
    assert page.count('class="record event-row') == 12
    assert len(many) == len(few)


@pytest.mark.django_db
def test_the_event_list_shows_overdue_and_carded_events(client_of, clock):
    late = report("worker_a", title="超期的")
    clock(at(2025, 9, 17, 9))
    report("worker_a", title="按时的")
    supervision.apply_cards()
    client = client_of("worker_a")
    page = client.get("/events/", {"overdue": "on"}).content.decode()
    assert "超期的" in page and "按时的" not in page
    page = client.get("/events/", {"card": "any"}).content.decode()
    assert late.title in page and "按时的" not in page
    assert "黄牌" in page


@pytest.mark.django_db
def test_a_person_without_a_role_sees_no_events(client_of, django_user_model, clock):
    report("worker_a")
    django_user_model.objects.create_user(username="nobody", password="x")
    client = client_of("nobody")
    assert "event-row" not in client.get("/events/").content.decode()
    assert "event-row" not in client.get("/work/").content.decode()


# --- Inbox --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_inbox_lists_unread_first_and_marks_read(client_of, story):
    event = story.reported()  # escalated to the village, then to the township
    later = story.reported(title="后来的一件")
    township = user("township")
    client = client_of("township")
    unread = Notification.objects.filter(user=township, read_at__isnull=True)
    assert unread.count() == 2
    first = unread.get(event=event)
    assert client.post("/inbox/read/", {"notification": first.pk}).status_code == 302
    page = client.get("/inbox/").content.decode()
    assert page.index(later.title) < page.index(event.title)  # unread first
    assert f'href="{_page_url(event)}"' in page
    assert 'class="unread-count"' in page  # the navigation shows the count
    assert client.post("/inbox/read/", {"all": "1"}).status_code == 302
    assert not unread.exists()
    assert 'class="unread-count"' not in client.get("/inbox/").content.decode()


@pytest.mark.django_db
def test_nobody_marks_someone_elses_notifications(client_of, story):
    story.reported()
    notification = Notification.objects.get(user=user("township"))
    client_of("worker_a").post("/inbox/read/", {"notification": notification.pk})
    client_of("worker_a").post("/inbox/read/", {"all": "1"})
    notification.refresh_from_db()
    assert notification.read_at is None
    assert "event-row" not in client_of("worker_a").get("/inbox/").content.decode()


@pytest.mark.django_db
def test_the_inbox_costs_the_same_for_two_messages_or_twelve(client_of, clock):
    event = report("worker_a")
    township = user("township")
    client = client_of("township")
    for number in range(2):
        notifications.notify([township], event, "warning", f"即将超期 {number}")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/inbox/").status_code == 200
    for number in range(10):
        notifications.notify([township], event, "card", f"黄牌 {number}")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/inbox/").content.decode()
    assert page.count('class="record notification unread"') == 12
    assert '<span class="unread-count"' in page and ">12</span>" in page
    assert len(many) == len(few)


def _photo_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_photo_is_attached_from_the_event_page_once(client_of, clock, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    event = report("worker_a")
    worker = client_of("worker_a")
    page = worker.get(f"/events/{event.uuid}/").content.decode()
    key = re.search(r'name="uuid" value="([0-9a-f-]{36})"', page).group(1)
    for _attempt in range(2):  # the phone sends it again after a lost answer
        upload = SimpleUploadedFile("现场.jpg", _photo_bytes(), content_type="image/jpeg")
        response = worker.post(f"/events/{event.uuid}/attach/", {"uuid": key, "file": upload})
        assert response.status_code == 302
    assert event.attachments.count() == 1
    page = worker.get(f"/events/{event.uuid}/").content.decode()
    assert f"/api/attachments/{event.attachments.get().uuid}/file" in page
    assert "添加附件" in page  # the timeline row


def test_a_refused_file_says_why_and_a_leader_may_not_upload(client_of, clock, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    event = report("worker_a")
    fake = SimpleUploadedFile("photo.jpg", b"<html><script>x</script></html>")
    response = client_of("worker_a").post(f"/events/{event.uuid}/attach/", {"file": fake})
    assert response.status_code == 200  # the page again, saying why
    assert "只能上传 JPEG、PNG、WebP、GIF 图片或 PDF 文档" in response.content.decode()
    assert event.attachments.count() == 0 and not any(media.rglob("*.*"))
    leader = client_of("leader")
    assert (
        'enctype="multipart/form-data"' not in leader.get(f"/events/{event.uuid}/").content.decode()
    )
    photo = SimpleUploadedFile("a.jpg", _photo_bytes())
    assert leader.post(f"/events/{event.uuid}/attach/", {"file": photo}).status_code == 403
