"""How a gateway's doctor command (click_doctor, payme_doctor) prints its findings: one line each,
what to do under a warning or an error, a summary, and exit status 1 when something is wrong."""

from typing import Protocol

from django.core.management.base import BaseCommand

from core.formatting import plural_en, plural_ru

OK, INFO, WARNING, ERROR = "ok", "info", "warning", "error"

LABELS = {
    "ru": {OK: "OK", INFO: "инфо", WARNING: "ВНИМАНИЕ", ERROR: "ОШИБКА"},
    "en": {OK: "OK", INFO: "info", WARNING: "WARNING", ERROR: "ERROR"},
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
    command.stdout.write(_summary(lang, errors, warnings))
    if errors or (strict and warnings):
        raise SystemExit(1)


def _summary(lang: str, errors: int, warnings: int) -> str:
    """ "Итог: 2 ошибки, 1 предупреждение." / "Summary: 2 errors, 1 warning."."""
    if lang == "ru":
        counted = [plural_ru(errors, "ошибка", "ошибки", "ошибок"), plural_ru(warnings, *_WARNINGS_RU)]
        return f"Итог: {', '.join(counted)}."
    return f"Summary: {plural_en(errors, 'error', 'errors')}, {plural_en(warnings, 'warning', 'warnings')}."


_WARNINGS_RU = ("предупреждение", "предупреждения", "предупреждений")
