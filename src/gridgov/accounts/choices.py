"""Functional departments (职能部门) that handle dispatched cases."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentKind(models.TextChoices):
    PUBLIC_SECURITY = "public_security", _("公安")
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    HUMAN_RESOURCES = "human_resources", _("人社")
    HEALTH = "health", _("卫健")
    EDUCATION = "education", _("教育")
    HOUSING = "housing", _("住建")
    NATURAL_RESOURCES = "natural_resources", _("自然资源")
    ECOLOGY = "ecology", _("生态环境")
    AGRICULTURE = "agriculture", _("农业农村")
    RURAL_REVITALIZATION = "rural_revitalization", _("乡村振兴")
    JUSTICE = "justice", _("司法")
    EMERGENCY = "emergency", _("应急管理")
    PETITIONS = "petitions", _("信访")
    URBAN_MANAGEMENT = "urban_management", _("城管")
