"""gridgov's URLs plus `POST /bench/bare-insert`: no authentication, no validation, no
timeline, no audit; it INSERTs one event row and answers its id. What the real intake costs
beyond this is the price of doing it properly."""

import uuid

from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from gridgov.cases.models import Category, Event
from gridgov.regions.models import Region
from gridgov.urls import urlpatterns as gridgov_urlpatterns

_fixed: dict = {}


@csrf_exempt
def bare_insert(request):
    if not _fixed:
        _fixed["category"] = Category.objects.filter(parent__isnull=False).first()
        _fixed["grid"] = Region.objects.filter(level="grid").first()
    grid = _fixed["grid"]
    event = Event.objects.create(
        uuid=uuid.uuid4(),
        title="bare",
        category=_fixed["category"],
        grid=grid,
        region_code=grid.code,
        holder_code=grid.code,
        reported_at=timezone.now(),
    )
    return JsonResponse({"id": event.pk}, status=201)


urlpatterns = [path("bench/bare-insert", bare_insert), *gridgov_urlpatterns]
