"""Named people for tests, one per role, placed around 十八洞村 (花垣县 双龙镇).

| persona    | role               | region                                  |
|------------|--------------------|-----------------------------------------|
| worker_a   | grid worker        | grid 1 of 十八洞村 (433124110226001)     |
| worker_b   | grid worker        | grid 2 of 十八洞村 (433124110226002)     |
| cadre      | village cadre      | 十八洞村 (433124110226)                  |
| township   | township centre    | 双龙镇 (433124110)                       |
| handler    | department handler | 花垣县 (433124), 花垣县公安局            |
| leader     | leader             | 湘西州 (4331)                            |
| outsider   | county centre      | 吉首市 (433101), another county          |
| admin      | administrator      | 湘西州 (4331)                            |
"""

from gridgov.accounts import actions
from gridgov.accounts.models import Department, User
from gridgov.accounts.roles import Role
from gridgov.regions import actions as region_actions
from gridgov.regions.loader import XIANGXI_FILE, load_divisions
from gridgov.regions.models import Region

PASSWORD = "grid-test-password"
VILLAGE = "433124110226"
GRID_1 = VILLAGE + "001"
GRID_2 = VILLAGE + "002"
TOWNSHIP = "433124110"
COUNTY = "433124"
OTHER_COUNTY = "433101"
OTHER_GRID = "433101100001001"  # a grid in 吉首市, outside everyone's scope but outsider's

PERSONAS = {
    "worker_a": (Role.GRID_WORKER, GRID_1),
    "worker_b": (Role.GRID_WORKER, GRID_2),
    "cadre": (Role.VILLAGE_CADRE, VILLAGE),
    "township": (Role.TOWNSHIP_CENTRE, TOWNSHIP),
    "handler": (Role.DEPARTMENT_HANDLER, COUNTY),
    "leader": (Role.LEADER, "4331"),
    "outsider": (Role.COUNTY_CENTRE, OTHER_COUNTY),
    "admin": (Role.ADMINISTRATOR, "4331"),
}


def load_world() -> None:
    """The real Xiangxi tree, a few grids, the county police bureau and every persona."""
    load_divisions(XIANGXI_FILE, within="4331")
    for code, name in ((GRID_1, "十八洞村第一网格"), (GRID_2, "十八洞村第二网格")):
        region_actions.save_grid(
            actor=None, village=Region.objects.get(code=VILLAGE), name=name, code=code
        )
    other_village = Region.objects.get(code=OTHER_GRID[:12])
    region_actions.save_grid(actor=None, village=other_village, name="第一网格", code=OTHER_GRID)
    police = Department.objects.create(
        name="花垣县公安局", kind="public_security", region=Region.objects.get(code=COUNTY)
    )
    for username, (role, code) in PERSONAS.items():
        user = actions.create_user(
            actor=None, username=username, password=PASSWORD, full_name=username
        )
        actions.assign_role(
            actor=None,
            user=user,
            role=role,
            region=Region.objects.get(code=code),
            department=police if role == Role.DEPARTMENT_HANDLER else None,
        )


def persona(username: str) -> User:
    return User.objects.get(username=username)
