"""Event categories and deadline rules as each process holds them: read on every report and
every deadline, changed a few times a year by county centre administrators (see
`gridgov.process_cache` for how a change reaches every process)."""

from django.db.models.signals import post_delete, post_save

from gridgov.process_cache import ProcessCache


def _load_categories() -> dict:
    from gridgov.cases.models import Category

    return {category.code: category for category in Category.objects.select_related("parent")}


def _load_rules() -> list:
    from gridgov.cases.models import DeadlineRule

    return list(DeadlineRule.objects.all())


categories = ProcessCache("cases.categories", _load_categories)
deadline_rules = ProcessCache("cases.deadline-rules", _load_rules)


def category(code: str):
    """The category with this code (active or not), or None."""
    return categories.get().get(code)


def rules_for(category_ids: list[int], level: str, urgency: str) -> list:
    """The deadline rules at this level and urgency for these categories or for every
    category (category None), in the order of `category_ids` with the default rule last."""
    order = [*category_ids, None]
    found = [
        rule
        for rule in deadline_rules.get()
        if rule.level == level and rule.urgency == urgency and rule.category_id in order
    ]
    return sorted(found, key=lambda rule: order.index(rule.category_id))


def connect_signals() -> None:
    """Every save or delete of a category or rule, from the admin or anywhere, tells every
    process. (Bulk updates bypass signals: none are made of these tables.)"""
    from gridgov.cases.models import Category, DeadlineRule

    for model, held in ((Category, categories), (DeadlineRule, deadline_rules)):
        for signal in (post_save, post_delete):
            signal.connect(
                lambda sender, held=held, **kwargs: held.changed(),
                sender=model,
                weak=False,
                dispatch_uid=f"gridgov.cases.configuration.{model.__name__}.{signal}",
            )
