"""`guiyan import FILE`: an office's roll imported through the HTTP API, as the upload page does it,
under an official's own account (so that the same jurisdiction and checks apply): the check's report
first; with `--start`, the import and its progress until done."""

from __future__ import annotations

import getpass
import os
import sys
import time
from pathlib import Path

import requests


def login(url: str, username: str) -> requests.Session:
    http = requests.Session()
    token = os.environ.get("GUIYAN_API_TOKEN")
    if not token:
        password = os.environ.get("GUIYAN_PASSWORD") or getpass.getpass(f"{username} 的密码：")
        answer = http.post(f"{url}/api/v1/auth/login", json={"username": username, "password": password}, timeout=30)
        if answer.status_code != 200:
            sys.exit(f"登录失败：{_message(answer)}")
        token = answer.json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def _message(answer: requests.Response) -> str:
    try:
        return answer.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return f"HTTP {answer.status_code}"


def run(path: str, url: str, username: str, start: bool, out=print) -> dict:
    file = Path(path)
    if not file.is_file():
        sys.exit(f"没有这个文件：{path}")
    url = url.rstrip("/")
    http = login(url, username)
    answer = http.post(f"{url}/api/v1/imports", files={"file": (file.name, file.read_bytes())},
                       data={"dry_run": "true"}, timeout=600)
    if answer.status_code != 201:
        sys.exit(f"未能导入：{_message(answer)}")
    report = answer.json()
    out(f"核对完毕：共 {report['total_rows']} 行，有误 {report['invalid_rows']} 行，"
        f"已登记过 {report['already_registered']} 人，可导入 {report['to_import']} 行")
    for error in report["errors"][:50]:
        out(f"  第{error['line']}行 {error['column']}：{error['message']}")
    if report["error_count"] > 50:
        out(f"  ……共 {report['error_count']} 处，完整清单：{url}/api/v1/imports/{report['id']}/errors.csv")
    if not start:
        out(f"未导入。核对无误后：guiyan import {path} --start，或在页面 {url}/records/imports/{report['id']} 开始导入")
        return report
    http.post(f"{url}/api/v1/imports/{report['id']}/start", timeout=30).raise_for_status()
    while report["status"] != "done":
        time.sleep(1)
        report = http.get(f"{url}/api/v1/imports/{report['id']}", timeout=30).json()
        out(f"  导入中 {report['processed_rows']}/{report['to_import']}")
    out(f"导入完成：新登记 {report['created_people']} 人、{report['created_firms']} 个经营主体")
    return report
