"""Read logic for the division tree: search, children with counts, map features."""

from django.db.models import Count, Q, QuerySet

from gridgov.regions.models import Region
from gridgov.regions.pinyin import pinyin_keys


def search(regions: QuerySet, text: str) -> QuerySet:
    """Match by Hanzi (substring), full pinyin or pinyin initials (prefix), or code prefix."""
    text = text.strip()
    if not text:
        return regions
    if text.isdigit():
        return regions.filter(code__startswith=text)
    lowered = text.lower().replace(" ", "")
    condition = Q(name__contains=text)
    if lowered.isascii():
        condition |= Q(name_pinyin__startswith=lowered) | Q(name_initials__startswith=lowered)
    else:
        full, _initials = pinyin_keys(text)
        if full:
            condition |= Q(name_pinyin__contains=full)
    return regions.filter(condition)


def children_of(region: Region, user) -> QuerySet:
    """The children of a region that `user` may see, each with how many of its own
    children the user may see (a worker sees one township of their county, not fifteen)."""
    from gridgov.accounts.scope import scope_q

    visible_children = scope_q(user, "regions.view", field="children__code", with_ancestors=True)
    return (
        Region.objects.visible_to(user)
        .select_related("parent")
        .filter(parent=region)
        .annotate(child_count=Count("children", filter=visible_children))
        .order_by("code")
    )


def map_features(regions) -> dict:
    """A GeoJSON FeatureCollection of the regions that have a boundary."""
    features = [
        {
            "type": "Feature",
            "geometry": region.geometry,
            "properties": {
                "code": region.code,
                "name": region.name,
                "level": region.level,
                "centroid": [region.centroid_lat, region.centroid_lon],
            },
        }
        for region in regions
        if region.geometry
    ]
    return {"type": "FeatureCollection", "features": features}


def path_to(region: Region, visible: QuerySet) -> list[Region]:
    """The visible regions above `region`, top first: the breadcrumb from the prefecture down."""
    return list(visible.filter(code__in=region.ancestor_codes).order_by("code"))
