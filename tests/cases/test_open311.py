"""Open311 GeoReport v2 (/open311/v2/): the services, a request posted by an app, its status
by id, the error shape; the same answers for everyone, signed in or not, and never a name,
a phone or an exact doorstep."""

import io
import uuid

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from gridgov.cases import links, public
from gridgov.cases.choices import Source, State
from gridgov.cases.models import Event
from gridgov.regions.models import Region
from gridgov.testing import personas

BASE = "/open311/v2"
PERSONA_ORDER = ("worker_a", "worker_b", "cadre", "township", "handler", "leader", "outsider")
PERSONA_ORDER += ("admin",)


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def app() -> Client:
    """A resident's app: no account, no cookies it relies on."""
    return Client(enforce_csrf_checks=True)


def _post(client, **fields):
    grid = Region.objects.get(code=personas.GRID_2)
    data = {
        "service_code": "safety.road",
        "lat": str(grid.centroid_lat),
        "long": str(grid.centroid_lon),
        "description": "桥边护栏断了一截，晚上看不清",
        "first_name": "先生",
        "last_name": "龙",
        "phone": "13812341234",
        "email": "long@example.com",
    }
    data.update(fields)
    headers = {}
    if "idempotency_key" in data:
        headers["HTTP_IDEMPOTENCY_KEY"] = data.pop("idempotency_key")
    return client.post(
        f"{BASE}/requests.json", {k: v for k, v in data.items() if v is not None}, **headers
    )


def _resident_request(story, state: str = "closed"):
    event = story.at_state(state)
    event.reporter, event.source = None, Source.RESIDENT_OPEN311
    event.reporter_name, event.reporter_phone = "龙先生", "13812341234"
    event.save()
    return event


@pytest.mark.django_db
def test_services_are_the_leaf_categories_grouped_by_their_parent(app):
    response = app.get(f"{BASE}/services.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    services = {row["service_code"]: row for row in response.json()}
    neighbour = services["dispute.neighbour"]
    assert neighbour == {
        "service_code": "dispute.neighbour",
        "service_name": "邻里纠纷",
        "description": "Neighbour dispute",
        "metadata": False,
        "type": "realtime",
        "keywords": "dispute",
        "group": "矛盾纠纷",
    }
    assert "dispute" not in services
    assert not any(code.startswith("emergency") for code in services)


@pytest.mark.django_db
def test_an_app_posts_a_request_at_a_point_and_gets_its_tracking_code(app, clock):
    response = _post(app)
    assert response.status_code == 201
    [answer] = response.json()
    event = Event.objects.get(tracking_code=answer["service_request_id"])
    assert event.source == Source.RESIDENT_OPEN311 and event.reporter_id is None
    assert event.grid.code == personas.GRID_2 and event.state == State.REPORTED
    assert event.reporter_name == "龙先生" and event.reporter_phone == "13812341234"
    assert event.tracking_code in answer["service_notice"]
    assert "long@example.com" not in str(Event.objects.filter(pk=event.pk).values().get())


@pytest.mark.django_db
def test_an_address_string_alone_finds_the_village(app, clock):
    response = _post(app, lat=None, long=None, address_string="花垣县双龙镇十八洞村村部旁")
    assert response.status_code == 201
    event = Event.objects.get(tracking_code=response.json()[0]["service_request_id"])
    assert event.grid.code == personas.GRID_1


@pytest.mark.django_db
def test_the_same_idempotency_key_gives_the_first_request_back(app, clock):
    first = _post(app, idempotency_key="app-42-request-7").json()[0]
    again = _post(app, idempotency_key="app-42-request-7").json()[0]
    assert first["service_request_id"] == again["service_request_id"]
    assert Event.objects.filter(source=Source.RESIDENT_OPEN311).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"service_code": None}, "service_code"),
        ({"service_code": "no.such"}, "service_code"),
        ({"description": ""}, "description"),
        ({"phone": "110"}, "phone"),
        ({"lat": "north", "long": "109.5"}, "lat"),
        ({"lat": None, "long": None}, "address_string"),
    ],
)
def test_errors_are_a_list_of_code_and_description_naming_the_field(app, clock, fields, named):
    before = Event.objects.count()
    response = _post(app, **fields)
    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == 400 and error["description"].startswith(f"{named}: ")
    assert Event.objects.count() == before


@pytest.mark.django_db
def test_over_the_limit_the_app_gets_429_and_nothing_is_stored(app, clock, settings):
    settings.PUBLIC_REQUESTS_PER_HOUR = 1
    assert _post(app).status_code == 201
    response = _post(app)
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert response.json()[0]["code"] == 429
    assert Event.objects.filter(source=Source.RESIDENT_OPEN311).count() == 1


@pytest.mark.django_db
def test_a_request_by_id_says_where_it_stands_without_names_phones_or_doorstep(app, story):
    event = _resident_request(story)
    response = app.get(f"{BASE}/requests/{event.tracking_code.lower()}.json")
    assert response.status_code == 200
    [row] = response.json()
    assert row["service_request_id"] == event.tracking_code
    assert row["status"] == "closed"
    assert (
        row["status_notes"].startswith("已办结") and "已调解，双方签订协议" in row["status_notes"]
    )
    assert row["service_code"] == "dispute.neighbour" and row["service_name"] == "邻里纠纷"
    assert row["agency_responsible"] == "花垣县公安局"
    assert row["requested_datetime"].endswith("+08:00") and row["updated_datetime"]
    assert row["lat"] == round(event.latitude, 3) and row["long"] == round(event.longitude, 3)
    text = response.content.decode()
    assert "13812341234" not in text and "龙先生" not in text
    for staff in ("worker_a", "handler", "township", "cadre"):
        assert staff not in text


@pytest.mark.django_db
def test_an_open_request_is_open(app, story):
    event = _resident_request(story, "in_progress")
    [row] = app.get(f"{BASE}/requests/{event.tracking_code}.json").json()
    assert row["status"] == "open" and row["status_notes"] == public.STATE_WORDS[State.IN_PROGRESS]


@pytest.mark.django_db
def test_an_unknown_id_is_404_in_the_error_shape(app):
    response = app.get(f"{BASE}/requests/ZZZZZZZZZZZZ.json")
    assert response.status_code == 404
    [error] = response.json()
    assert error["code"] == 404 and error["description"].startswith("service_request_id: ")


@pytest.mark.django_db
def test_several_ids_at_once_and_unknown_ones_left_out(app, story, django_assert_num_queries):
    first = _resident_request(story)
    second = _resident_request(story, "in_progress")
    ids = f"{first.tracking_code},ZZZZZZZZZZZZ, {second.tracking_code.lower()}"
    # The events, their steps, their photos, the unit names.
    with django_assert_num_queries(5):
        response = app.get(f"{BASE}/requests.json", {"service_request_id": ids})
    assert response.status_code == 200
    assert [row["service_request_id"] for row in response.json()] == [
        first.tracking_code,
        second.tracking_code,
    ]


@pytest.mark.django_db
def test_requests_are_never_listed(app, story):
    _resident_request(story)
    response = app.get(f"{BASE}/requests.json")
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith("service_request_id: ")
    response = app.get(f"{BASE}/requests.json", {"status": "open"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_guessing_ids_stops_lookups_for_the_hour(app, story, settings):
    settings.PUBLIC_WRONG_CODES_PER_HOUR = 2
    event = _resident_request(story)
    app.get(f"{BASE}/requests.json", {"service_request_id": "ZZZZZZZZZZZZ,YYYYYYYYYYYY"})
    response = app.get(f"{BASE}/requests/{event.tracking_code}.json")
    assert response.status_code == 429 and response.json()[0]["code"] == 429


# Open311 is not scoped: every persona, signed in or not, gets the same answer, and a
# signed-in session never adds names or phones. (These routes are outside the main API, so
# they are not rows of the scope matrix.)
ROUTE_STATUSES = {
    ("GET", "/services.json"): 200,
    ("GET", "/requests/{code}.json"): 200,
    ("GET", "/requests/ZZZZZZZZZZZZ.json"): 404,
    ("GET", "/requests.json?service_request_id={code}"): 200,
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [*PERSONA_ORDER, None])
def test_every_persona_gets_the_same_answer_as_a_resident(persona, client_of, app, story):
    event = _resident_request(story)
    client = client_of(persona) if persona else app
    for (_method, route), expected in ROUTE_STATUSES.items():
        url = BASE + route.format(code=event.tracking_code)
        response = client.get(url)
        assert response.status_code == expected, url
        assert response.content == app.get(url).content
        assert b"13812341234" not in response.content


def _photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 10)).save(out, "JPEG")
    return SimpleUploadedFile("bridge.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.mark.django_db
def test_a_request_with_a_photo_lists_its_media_url_unless_it_is_a_key_population_matter(
    app, clock, settings, tmp_path, register
):
    settings.MEDIA_ROOT = tmp_path / "media"
    event, _created = public.submit(
        uuid=uuid.uuid4(),
        category="safety.road",
        description="桥边护栏断了一截",
        village=personas.VILLAGE,
        photos=[_photo()],
        source=Source.RESIDENT_OPEN311,
    )
    (row,) = app.get(f"{BASE}/requests/{event.tracking_code}.json").json()
    photo = event.attachments.get()
    assert row["media_url"] == (
        f"http://testserver/public/track/{event.tracking_code}/photos/{photo.uuid}"
    )
    picture = app.get(row["media_url"])
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"

    # A request without a photo has no media_url.
    plain = _post(app).json()[0]["service_request_id"]
    assert "media_url" not in app.get(f"{BASE}/requests/{plain}.json").json()[0]

    # Linked to a person in a key population: no media_url, and the URL stops working.
    links.link(
        actor=personas.persona("worker_a"), event=event, target=register.residents["adult_1"]
    )
    (row,) = app.get(f"{BASE}/requests.json", {"service_request_id": event.tracking_code}).json()
    assert "media_url" not in row
    assert app.get(f"/public/track/{event.tracking_code}/photos/{photo.uuid}").status_code == 404
