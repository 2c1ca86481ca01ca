"""The import page: upload a file, read the dry-run report, then commit it.

The uploaded file waits in a private folder under a random name; the browser's session
holds that name (never the URL, which ends up in logs and history), so only the person who
uploaded it can commit it. Committing checks every row again and saves all or nothing.
"""

import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gridgov.accounts.scope import has_permission
from gridgov.registry.imports import PERMISSION, import_file

SESSION_KEY = "registry_import"
SUFFIXES = (".csv", ".xlsx")
KEEP_SECONDS = 24 * 3600
SHOWN_PROBLEMS = 1000


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("登记表文件"),
        help_text=_("CSV（UTF-8 或 GB18030）或 Excel .xlsx 文件，第一行是表头。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in SUFFIXES:
            raise forms.ValidationError(
                _("请上传 .csv 或 .xlsx 文件（旧版 .xls 请先另存为 .xlsx）。")
            )
        if upload.size > settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("文件太大：最多 %(mb)d MB。") % {"mb": settings.IMPORT_MAX_UPLOAD_MB}
            )
        return upload


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    """Uploads hold personal data: none stays longer than a day."""
    limit = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def _pending(request) -> tuple[dict, Path] | None:
    pending = request.session.get(SESSION_KEY)
    if not pending:
        return None
    path = _folder() / f"{pending['token']}{pending['suffix']}"
    return (pending, path) if path.is_file() else None


def _forget(request) -> None:
    found = _pending(request)
    if found:
        found[1].unlink(missing_ok=True)
    request.session.pop(SESSION_KEY, None)


def _require_import(request) -> None:
    if not has_permission(request.user, PERMISSION):
        raise PermissionDenied


def _report_context(report) -> dict:
    return {
        "report": report,
        "problems": report.problems[:SHOWN_PROBLEMS],
        "more_problems": report.problem_count - min(len(report.problems), SHOWN_PROBLEMS),
    }


@login_required
def upload(request):
    """The form; a posted file is kept for the commit and checked at once (a dry run)."""
    _require_import(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        _forget(request)
        folder = _folder()
        _sweep(folder)
        uploaded = form.cleaned_data["file"]
        token = secrets.token_urlsafe(24)
        suffix = Path(uploaded.name).suffix.lower()
        path = folder / f"{token}{suffix}"
        with path.open("wb") as stream:
            for chunk in uploaded.chunks():
                stream.write(chunk)
        path.chmod(0o600)
        name = Path(uploaded.name).name[:200]
        request.session[SESSION_KEY] = {"token": token, "suffix": suffix, "name": name}
        report = import_file(path, actor=request.user, file_name=name)
        if not report.ok:
            _forget(request)  # nothing to commit: the office fixes the file and uploads again
        context = {**_report_context(report), "token": token if report.ok else ""}
        return render(request, "registry/import_report.html", context)
    return render(request, "registry/import_upload.html", {"form": form})


@login_required
@require_POST
def commit(request):
    """Save the file checked a moment ago, all or nothing."""
    _require_import(request)
    found = _pending(request)
    if found is None or not secrets.compare_digest(
        found[0]["token"], request.POST.get("token", "")
    ):
        return redirect("registry:import")
    pending, path = found
    try:
        report = import_file(path, actor=request.user, commit=True, file_name=pending["name"])
    finally:
        _forget(request)
    return render(request, "registry/import_report.html", _report_context(report))
