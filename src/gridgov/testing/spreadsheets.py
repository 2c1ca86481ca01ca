"""Real register spreadsheets for tests: rows as a township office types them, written as
CSV (in any encoding) or as XLSX with openpyxl, cells typed the way Excel types them."""

import csv
from datetime import date
from pathlib import Path

from gridgov.registry import idnumbers

HEADERS = [
    "网格代码",
    "户编号",
    "地址",
    "门牌号",
    "户别",
    "住房安全等级",
    "姓名",
    "身份证号码",
    "性别",
    "出生日期",
    "民族",
    "联系电话",
    "与户主关系",
    "居住状态",
    "文化程度",
    "医疗保险",
    "残疾等级",
    "人群标签",
    "备注",
]


def id_number(born: date, serial: int, county: str = "433124") -> str:
    """A valid ID number (serial odd for men, even for women)."""
    return idnumbers.make(county, born, serial)


def person(**cells) -> dict:
    """One row with sensible defaults; keys are the Chinese headers (or their field names
    for brevity: grid, household, name, id, phone, born, relation …)."""
    aliases = {
        "grid": "网格代码",
        "household": "户编号",
        "address": "地址",
        "house_number": "门牌号",
        "household_type": "户别",
        "safety": "住房安全等级",
        "name": "姓名",
        "id": "身份证号码",
        "sex": "性别",
        "born": "出生日期",
        "ethnicity": "民族",
        "phone": "联系电话",
        "relation": "与户主关系",
        "status": "居住状态",
        "education": "文化程度",
        "insurance": "医疗保险",
        "disability": "残疾等级",
        "tags": "人群标签",
        "notes": "备注",
    }
    row = {
        "网格代码": "433124110226001",
        "户编号": "1",
        "民族": "苗族",
        "与户主关系": "户主",
        "居住状态": "在家居住",
    }
    for key, value in cells.items():
        row[aliases.get(key, key)] = value
    return row


def write_csv(path: Path, rows: list[dict], *, encoding="utf-8", headers=None) -> Path:
    headers = headers or HEADERS
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if row.get(h) is None else row.get(h, "") for h in headers])
    return path


def write_xlsx(path: Path, rows: list[dict], *, headers=None) -> Path:
    """Cells keep their Python type: a date is a date cell, a number a number cell."""
    from openpyxl import Workbook

    headers = headers or HEADERS
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    workbook.save(path)
    return path
