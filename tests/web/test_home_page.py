"""The home page: "what is mine to do", one section per role, for every persona."""

import pytest

from gridgov.testing import personas


@pytest.mark.parametrize(
    ("username", "role", "region"),
    [
        ("worker_a", "网格员", "十八洞村第一网格"),
        ("worker_b", "网格员", "十八洞村第二网格"),
        ("cadre", "村（社区）干部", "十八洞村"),
        ("township", "乡镇综治中心", "双龙镇"),
        ("handler", "职能部门", "花垣县"),
        ("leader", "领导", "湘西土家族苗族自治州"),
        ("outsider", "县综治中心", "吉首市"),
        ("admin", "系统管理员", "湘西土家族苗族自治州"),
    ],
)
def test_home_shows_the_persona_role_and_region(client_of, username, role, region):
    code = personas.PERSONAS[username][1]
    response = client_of(username).get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="role-{personas.PERSONAS[username][0]}"' in page
    assert role in page
    assert region in page
    assert f'href="/regions/{code}/"' in page


def test_home_shows_child_counts_and_the_department(client_of):
    page = client_of("handler").get("/").content.decode()
    assert "花垣县公安局" in page
    assert "个下级区划" in page


def test_header_names_the_user_and_role(client_of):
    page = client_of("township").get("/").content.decode()
    assert '<span class="who-name">township</span>' in page
    assert '<span class="who-role">乡镇综治中心</span>' in page


def test_user_without_role_is_told_so(client_of, django_user_model):
    django_user_model.objects.create_user(username="newcomer", password="x")
    page = client_of("newcomer").get("/").content.decode()
    assert "您还没有被分配角色" in page
