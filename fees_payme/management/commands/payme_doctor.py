"""Check the Payme setup end to end and explain what is wrong, in Russian or English."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from core.commands import http_url, int_between
from fees.doctor_report import doctor_report
from fees_payme.doctor import doctor_run

HEADER = {
    "ru": "payme_doctor: проверка настройки Payme (kvartirabar)",
    "en": "payme_doctor: checking the Payme setup (kvartirabar)",
}


class Command(BaseCommand):
    help = (
        "Check the Payme configuration, the endpoint (a rolled-back self-test in process, and over HTTP at SITE_URL "
        "or --base-url), recent Payme calls, stale transactions and Payme refunds waiting for an operator. "
        "Exits 1 when something is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lang", choices=["ru", "en"], default=None)
        parser.add_argument("--since-hours", type=int_between(1, 24 * 366), default=24)
        parser.add_argument("--no-self-test", action="store_true")
        parser.add_argument("--no-http", action="store_true", help="skip the HTTP check at SITE_URL")
        parser.add_argument(
            "--base-url",
            default="",
            type=lambda text: http_url(text) if text else text,
            help="check this address instead of SITE_URL",
        )
        parser.add_argument("--strict", action="store_true", help="also exit 1 on warnings")

    def handle(self, *args: object, **options: Any) -> None:
        lang = str(options["lang"] or ("en" if settings.LANGUAGE_CODE.startswith("en") else "ru"))
        findings = doctor_run(
            since_hours=int(options["since_hours"]),
            self_test=not options["no_self_test"],
            http=not options["no_http"],
            base_url=str(options["base_url"]),
        )
        doctor_report(self, findings=list(findings), lang=lang, header=HEADER[lang], strict=bool(options["strict"]))
