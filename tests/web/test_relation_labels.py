"""Relation to head and sex share Chinese words (女); English must still tell them apart."""

from django.utils import translation

from gridgov.registry.choices import RelationToHead, Sex


def test_a_daughter_is_not_called_female_in_english():
    with translation.override("en"):
        assert str(RelationToHead.DAUGHTER.label) == "Daughter"
        assert str(Sex.FEMALE.label) == "Female"
    with translation.override("zh-hans"):
        assert str(RelationToHead.DAUGHTER.label) == "女"
