"""How a gateway's doctor command (click_doctor, payme_doctor) prints its findings: one line each,
what to do under a warning or an error, a summary, and exit status 1 when something is wrong."""

from typing import Protocol

from django.core.management.base import BaseCommand

OK, INFO, WARNING, ERROR = "ok", "info", "warning", "error"

LABELS = {
    "ru": {OK: "OK", INFO: "инфо", WARNING: "ВНИМАНИЕ", ERROR: "ОШИБКА"},
    "en": {OK: "OK", INFO: "info", WARNING: "WARNING", ERROR: "ERROR"},
}
SUMMARY = {
    "ru": "Итог: ошибок {errors}, предупреждений {warnings}.",
    "en": "Summary: {errors} error(s), {warnings} warning(s).",
}
FIX = {"ru": "что сделать", "en": "fix"}


class DoctorFinding(Protocol):
    level: str

    def text(self, lang: str) -> tuple[str, str]: ...


def doctor_report(command: BaseCommand, *, findings: list[DoctorFinding], lang: str, header: str, strict: bool) -> None:
    style = {OK: command.style.SUCCESS, INFO: str, WARNING: command.style.WARNING, ERROR: command.style.ERROR}
    command.stdout.write(header)
    for finding in findings:
        message, fix = finding.text(lang)
        command.stdout.write(style[finding.level](f"[{LABELS[lang][finding.level]}] {message}"))
        if fix and finding.level in (WARNING, ERROR):
            command.stdout.write(f"    → {FIX[lang]}: {fix}")
    errors = sum(f.level == ERROR for f in findings)
    warnings = sum(f.level == WARNING for f in findings)
    command.stdout.write(SUMMARY[lang].format(errors=errors, warnings=warnings))
    if errors or (strict and warnings):
        raise SystemExit(1)
