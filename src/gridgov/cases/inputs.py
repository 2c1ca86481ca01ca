"""What each workflow action asks of the person taking it: one list, read by the API (to
validate a request body) and by the web (to draw the action's form).

The effects in `cases.effects` take these values by name; a value the action does not take
is refused by `transition()`, and every action of the table has its inputs here (a test
keeps it so).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

TEXT = "text"  # free text, up to 2,000 characters
LEVEL = "level"  # one of the levels above the event (escalate)
DEPARTMENT = "department"  # a department id
DEPARTMENTS = "departments"  # several department ids
EVENT = "event"  # another event, by its UUID (merge)
DAYS = "days"  # a whole number, 1–365, in the event's deadline unit (extension)
SCORE = "score"  # 1–5 (rating)

TEXT_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Input:
    """One value an action takes."""

    name: str
    kind: str
    label: str
    required: bool = False


NOTE = Input("note", TEXT, _("说明"))
REASON = Input("reason", TEXT, _("理由"), required=True)
RESULT = Input("result", TEXT, _("办理结果"), required=True)

ACTION_INPUTS: dict[str, tuple[Input, ...]] = {
    "accept": (NOTE,),
    "reject": (REASON,),
    "merge": (Input("into", EVENT, _("并入事件"), required=True), NOTE),
    "resolve": (Input("evidence", TEXT, _("解决情况"), required=True),),
    "escalate": (Input("to_level", LEVEL, _("上报到")), NOTE),
    "dispatch": (
        Input("lead", DEPARTMENT, _("主办部门"), required=True),
        Input("assisting", DEPARTMENTS, _("协办部门")),
        NOTE,
    ),
    "department_accept": (NOTE,),
    "assist_accept": (NOTE,),
    "report_part": (RESULT,),
    "report": (RESULT,),
    "request_return": (REASON,),
    "approve_return": (Input("department", DEPARTMENT, _("回退部门")), NOTE),
    "refuse_return": (Input("department", DEPARTMENT, _("回退部门")), NOTE),
    "request_extension": (Input("amount", DAYS, _("延期时长"), required=True), REASON),
    "approve_extension": (NOTE,),
    "refuse_extension": (NOTE,),
    "request_suspension": (REASON,),
    "approve_suspension": (NOTE,),
    "refuse_suspension": (NOTE,),
    "resume": (NOTE,),
    "verify": (NOTE,),
    "rework": (REASON,),
    "close": (NOTE,),
    "rate": (Input("score", SCORE, _("满意度"), required=True), Input("comment", TEXT, _("评价"))),
    "reopen": (REASON,),
}
