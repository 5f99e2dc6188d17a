"""Check the Click setup end to end and explain what is wrong, in Russian or English."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from core.commands import int_between
from fees.doctor_report import doctor_report
from fees_click.doctor import doctor_run

HEADER = {
    "ru": "click_doctor: проверка настройки Click (kvartirabar)",
    "en": "click_doctor: checking the Click setup (kvartirabar)",
}


class Command(BaseCommand):
    help = (
        "Check migrations, the Click configuration, the callback URLs (in process and over HTTP at SITE_URL and "
        "--upstream), a signed self-test round trip, the Merchant API credentials, recent callback errors and "
        "payment/auction consistency. Exits 1 when something is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lang", choices=["ru", "en"], default=None, help="output language (default: ru)")
        parser.add_argument(
            "--since-hours", type=int_between(1, 24 * 366), default=24, help="callbacks to explain: the last N hours"
        )
        parser.add_argument("--no-self-test", action="store_true", help="skip the signed round trip")
        parser.add_argument(
            "--no-http", action="store_true", help="skip the signed HTTP self-test at SITE_URL and the upstreams"
        )
        parser.add_argument(
            "--upstream",
            action="append",
            default=[],
            metavar="URL",
            help="also probe the application behind nginx directly, e.g. http://127.0.0.1:8001 (repeatable)",
        )
        parser.add_argument("--no-merchant-api", action="store_true", help="skip the Merchant API credentials check")
        parser.add_argument("--strict", action="store_true", help="also exit 1 on warnings")

    def handle(self, *args: object, **options: Any) -> None:
        lang = str(options["lang"] or ("en" if settings.LANGUAGE_CODE.startswith("en") else "ru"))
        findings = doctor_run(
            since_hours=int(options["since_hours"]),
            self_test=not options["no_self_test"],
            http=not options["no_http"],
            upstreams=list(options["upstream"]),
            merchant_api=not options["no_merchant_api"],
        )
        doctor_report(self, findings=list(findings), lang=lang, header=HEADER[lang], strict=bool(options["strict"]))
