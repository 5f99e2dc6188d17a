"""payme_doctor: the Payme setup end to end — configuration, the endpoint (in process and over
HTTP at SITE_URL), a self-test round trip, recent calls, transactions and refunds waiting for
an operator. Every finding in Russian and English, with what to do."""

import json
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.http.request import validate_host
from django.test import Client
from django.utils import timezone

from accounts.models import User
from core.formatting import plural_en, plural_ru
from fees.demo import test_fee_payment_create
from fees.models import FeeRefund, Gateway, PaymentAttempt, RefundState
from fees_payme.models import PaymeState, PaymeTransaction
from fees_payme.paylink import fee_amount_tiyin
from paymeuz.credentials import payme_settings_problems
from paymeuz.keys import configured_key, current_key
from paymeuz.models import PaymeCall, PaymeKeyChange
from paymeuz.protocol import TIMEOUT_MS, authorization_header
from paymeuz.views import PROBE_HEADER

OK, INFO, WARNING, ERROR = "ok", "info", "warning", "error"
SELF_TEST_PHONE = "+998000000097"
HTTP_TIMEOUT = 10.0


@dataclass(frozen=True)
class Finding:
    code: str
    level: str
    ru: str
    en: str
    fix_ru: str = ""
    fix_en: str = ""

    def text(self, lang: str) -> tuple[str, str]:
        return (self.en, self.fix_en) if lang == "en" else (self.ru, self.fix_ru)


def _endpoint_url() -> str:
    return settings.SITE_URL.rstrip("/") + settings.PAYME_ENDPOINT_PATH if settings.SITE_URL else ""


def _config_findings() -> Iterator[Finding]:
    if not settings.PAYME_MERCHANT_ID:
        yield Finding(
            "config.off",
            INFO,
            "Payme выключен (PAYME_MERCHANT_ID не задан): продавцы платят только через Click",
            "Payme is off (PAYME_MERCHANT_ID is not set): sellers pay through Click only",
            "задайте PAYME_MERCHANT_ID и PAYME_KEY из кабинета Payme",
            "set PAYME_MERCHANT_ID and PAYME_KEY from the Payme merchant cabinet",
        )
        return
    problems = payme_settings_problems(
        merchant_id=settings.PAYME_MERCHANT_ID,
        key=settings.PAYME_KEY,
        test_key=settings.PAYME_TEST_KEY,
        test_mode=settings.PAYME_TEST_MODE,
    )
    level = WARNING if settings.DEBUG else ERROR
    for problem in problems:
        yield Finding(
            "config.setting", level, problem, problem, "исправьте .env и перезапустите", "fix .env and restart"
        )
    if not problems:
        yield Finding(
            "config.ok",
            OK,
            f"настройки Payme: касса {settings.PAYME_MERCHANT_ID}",
            f"Payme settings: cashbox {settings.PAYME_MERCHANT_ID}",
        )
    if settings.PAYME_TEST_MODE:
        yield Finding(
            "config.test_mode",
            WARNING,
            "тестовый режим Payme: плательщики идут на test.paycom.uz, принимается PAYME_TEST_KEY",
            "Payme test mode: payers go to test.paycom.uz and PAYME_TEST_KEY is accepted",
            "в боевом режиме выключите PAYME_TEST_MODE",
            "turn PAYME_TEST_MODE off in production",
        )
    if settings.PAYME_SANDBOX:
        yield Finding(
            "config.sandbox",
            WARNING,
            "включена песочница Payme: ссылка ведёт на локальную страницу оплаты, деньги не списываются",
            "the Payme sandbox is on: the pay link opens the local pay page, no money moves",
            "в боевом режиме выключите PAYME_SANDBOX",
            "turn PAYME_SANDBOX off in production",
        )
    if PaymeKeyChange.objects.exists() and current_key() != configured_key():
        yield Finding(
            "config.key_changed",
            INFO,
            "ключ сменён через ChangePassword от Payme: действует ключ из базы, а не из .env",
            "the key was changed by Payme's ChangePassword: the stored key applies, not the one in .env",
            "запишите новый ключ из кабинета Payme в .env",
            "put the new key from the Payme cabinet into .env",
        )
    url = _endpoint_url()
    if url.startswith("https://"):
        yield Finding(
            "config.endpoint",
            INFO,
            f"Endpoint URL для кабинета Payme: {url}",
            f"Endpoint URL for the Payme cabinet: {url}",
        )
    else:
        yield Finding(
            "config.endpoint",
            WARNING if settings.DEBUG else ERROR,
            f"SITE_URL не https ({settings.SITE_URL!r}): Payme вызывает только https-адрес",
            f"SITE_URL is not https ({settings.SITE_URL!r}): Payme calls an https address only",
            "задайте SITE_URL=https://ваш-домен",
            "set SITE_URL=https://your-domain",
        )


def _probe_host() -> str:
    """A Host header the server accepts: SITE_URL's, or the first allowed host."""
    host = urlsplit(settings.SITE_URL or "").hostname
    if host and validate_host(host, settings.ALLOWED_HOSTS):
        return host
    for allowed in settings.ALLOWED_HOSTS:
        if allowed not in ("*", ""):
            return allowed.lstrip(".")
    return "localhost"


class _Rollback(Exception):
    pass


def _in_throwaway_transaction(work: Callable[[], list[Finding]]) -> list[Finding]:
    found: list[Finding] = []
    try:
        with transaction.atomic():
            found = work()
            raise _Rollback
    except _Rollback:
        pass
    return found


def _rpc(client: Client, method: str, params: dict[str, Any], key: str) -> Any:
    body = json.dumps({"method": method, "params": params, "id": 1})
    response = client.post(
        settings.PAYME_ENDPOINT_PATH,
        data=body,
        content_type="text/json; charset=UTF-8",
        HTTP_AUTHORIZATION=authorization_header(key),
        headers={PROBE_HEADER: "1"},
    )
    try:
        return json.loads(response.content)
    except ValueError:
        return {"http": response.status_code, "body": response.content[:200].decode(errors="replace")}


def _self_test_findings() -> list[Finding]:
    """CheckPerform, Create, Perform and a wrong key on a throw-away fee through the real URL, rolled back."""

    def work() -> list[Finding]:
        now = timezone.now()
        seller, _created = User.objects.get_or_create(
            phone=SELF_TEST_PHONE, defaults={"first_name": "payme_doctor", "phone_verified_at": now}
        )
        payment = test_fee_payment_create(
            seller=seller,
            title="payme_doctor self-test",
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(days=1),
        )
        client = Client(HTTP_HOST=_probe_host(), raise_request_exception=False)
        key = current_key()
        account = {"order_id": payment.merchant_trans_id}
        amount = fee_amount_tiyin(payment)
        refused = _rpc(client, "CheckPerformTransaction", {"amount": amount, "account": account}, key + "-wrong")
        steps = [
            _rpc(client, "CheckPerformTransaction", {"amount": amount, "account": account}, key),
        ]
        tid = secrets.token_hex(12)
        params = {"id": tid, "time": int(now.timestamp() * 1000), "amount": amount, "account": account}
        steps.append(_rpc(client, "CreateTransaction", params, key))
        steps.append(_rpc(client, "PerformTransaction", {"id": tid}, key))
        payment.auction.refresh_from_db()
        if refused.get("error", {}).get("code") != -32504:
            return [
                Finding(
                    "selftest.auth",
                    ERROR,
                    f"самопроверка: неверный ключ не отклонён: {refused}",
                    f"self-test: a wrong key was not refused: {refused}",
                )
            ]
        if steps[-1].get("result", {}).get("state") == 2 and payment.auction.is_paid:
            return [
                Finding(
                    "selftest.ok",
                    OK,
                    "самопроверка: CheckPerform, Create и Perform оплатили тестовый сбор, "
                    "неверный ключ отклонён (всё отменено)",
                    "self-test: CheckPerform, Create and Perform paid a throw-away fee, "
                    "a wrong key was refused (rolled back)",
                )
            ]
        return [
            Finding(
                "selftest.failed",
                ERROR,
                f"самопроверка не прошла: ответы {steps}",
                f"the self-test failed: answers {steps}",
                "смотрите ответы и лог paymeuz.calls",
                "read the answers and the paymeuz.calls log",
            )
        ]

    try:
        return _in_throwaway_transaction(work)
    except Exception as exc:
        return [
            Finding(
                "selftest.failed",
                ERROR,
                f"самопроверка упала: {type(exc).__name__}: {exc}",
                f"the self-test crashed: {type(exc).__name__}: {exc}",
            )
        ]


def _http_findings(base_url: str) -> list[Finding]:
    """What Payme sees at the public address: JSON, HTTP 200, our key accepted, a wrong one refused."""
    url = base_url.rstrip("/") + settings.PAYME_ENDPOINT_PATH
    body = json.dumps({"method": "CheckTransaction", "params": {"id": "0" * 24}, "id": 1})
    answers = {}
    try:
        with httpx.Client(timeout=HTTP_TIMEOUT) as client:
            for name, key in (("ours", current_key()), ("wrong", secrets.token_hex(8))):
                response = client.post(
                    url,
                    content=body,
                    headers={
                        "Authorization": authorization_header(key),
                        "Content-Type": "text/json; charset=UTF-8",
                        PROBE_HEADER: "1",
                    },
                )
                answers[name] = (response.status_code, response.json())
                # nginx's stand-in when the app does not answer (deploy/nginx: @payme_busy).
                nginx_answered = response.headers.get("X-Kvartirabar-Fallback") == "busy"
    except (httpx.HTTPError, ValueError) as exc:
        return [
            Finding(
                "http.unreachable",
                ERROR,
                f"{url}: нет JSON-ответа ({type(exc).__name__}: {exc})",
                f"{url}: no JSON answer ({type(exc).__name__}: {exc})",
                "проверьте DNS, TLS, nginx (proxy_pass на приложение) и что сервер запущен",
                "check DNS, TLS, nginx (proxy_pass to the app) and that the server runs",
            )
        ]
    if nginx_answered:
        return [
            Finding(
                "http.upstream",
                ERROR,
                f"{url}: ответил nginx (-32400), приложение не ответило",
                f"{url}: nginx answered (-32400), the application did not",
                "systemctl status kvartirabar-web, адрес в upstream kvartirabar_app",
                "systemctl status kvartirabar-web, the address in upstream kvartirabar_app",
            )
        ]
    ours, wrong = answers["ours"], answers["wrong"]
    code = ours[1].get("error", {}).get("code") if isinstance(ours[1], dict) else None
    wrong_code = wrong[1].get("error", {}).get("code") if isinstance(wrong[1], dict) else None
    if ours[0] == 200 and code == -31003 and wrong_code == -32504:
        return [
            Finding(
                "http.ok",
                OK,
                f"{url}: отвечает как ждёт Payme (HTTP 200, наш ключ принят, чужой отклонён)",
                f"{url}: answers as Payme expects (HTTP 200, our key accepted, a wrong one refused)",
            )
        ]
    if code == -32504:
        return [
            Finding(
                "http.key",
                ERROR,
                f"{url}: наш ключ отклонён (-32504): сервер по этому адресу работает с другим ключом",
                f"{url}: our key was refused (-32504): the server at this address runs with another key",
                "сверьте PAYME_KEY (или PAYME_TEST_KEY) на сервере и в кабинете Payme",
                "compare PAYME_KEY (or PAYME_TEST_KEY) on the server with the Payme cabinet",
            )
        ]
    return [
        Finding(
            "http.unexpected",
            ERROR,
            f"{url}: неожиданный ответ {ours}",
            f"{url}: unexpected answer {ours}",
            "смотрите лог paymeuz.calls",
            "read the paymeuz.calls log",
        )
    ]


def _call_findings(since_hours: int) -> Iterator[Finding]:
    since = timezone.now() - timedelta(hours=since_hours)
    calls = PaymeCall.objects.filter(created_at__gte=since, is_probe=False)
    counts = Counter(calls.values_list("error", flat=True))
    if not counts:
        yield Finding(
            "calls.none",
            INFO,
            f"за {since_hours} ч Payme не вызывал endpoint",
            f"Payme has not called the endpoint in the last {since_hours} h",
        )
        return
    summary = ", ".join(f"{'ok' if code is None else code}: {n}" for code, n in sorted(counts.items(), key=str))
    yield Finding(
        "calls.summary",
        INFO,
        f"вызовы Payme за {since_hours} ч: {summary}",
        f"Payme calls in {since_hours} h: {summary}",
    )
    if counts.get(-32400):
        yield Finding(
            "calls.system_error",
            ERROR,
            plural_ru(counts[-32400], "вызов", "вызова", "вызовов") + " Payme с ответом -32400 (наш сбой)",
            plural_en(counts[-32400], "Payme call", "Payme calls") + " got -32400 (our failure)",
            "смотрите трассировки в логе paymeuz.calls",
            "read the tracebacks in the paymeuz.calls log",
        )


def _transaction_findings() -> Iterator[Finding]:
    now_ms = int(timezone.now().timestamp() * 1000)
    stale = PaymeTransaction.objects.filter(state=PaymeState.CREATED, time__lt=now_ms - TIMEOUT_MS)
    for txn in stale[:20]:
        yield Finding(
            "txn.stale",
            WARNING,
            f"транзакция Payme {txn.payme_id} создана более 12 ч назад и не завершена (заказ уже свободен)",
            f"Payme transaction {txn.payme_id} was created over 12 hours ago and never finished (the order is free)",
            "её отменяет задача payme-jobs (причина 4) и сам Payme: проверьте, что Celery beat запущен",
            "the payme-jobs task cancels it (reason 4), and so does Payme: check that Celery beat runs",
        )
    waiting = FeeRefund.objects.filter(gateway=Gateway.PAYME).exclude(state=RefundState.DONE).select_related("payment")
    for refund in waiting[:20]:
        payme_id = (
            PaymeTransaction.objects.filter(attempt_id=refund.attempt_id).values_list("payme_id", flat=True).first()
        )
        yield Finding(
            "refund.payme",
            ERROR,
            f"сбор {refund.payment.merchant_trans_id} нужно вернуть плательщику ({refund.reason}): "
            f"транзакция Payme {payme_id}",
            f"fee {refund.payment.merchant_trans_id} must go back to the payer ({refund.reason}): "
            f"Payme transaction {payme_id}",
            "отмените эту транзакцию в кабинете Payme: Payme вызовет CancelTransaction, и возврат закроется сам",
            "cancel this transaction in the Payme cabinet: Payme calls CancelTransaction and the refund settles itself",
        )
    holders = PaymentAttempt.objects.filter(gateway=Gateway.PAYME, status="prepared", payme__isnull=True).count()
    if holders:
        yield Finding(
            "txn.orphan",
            ERROR,
            plural_ru(holders, "попытка", "попытки", "попыток") + " Payme без транзакции Payme",
            plural_en(holders, "Payme attempt", "Payme attempts") + " without a Payme transaction",
        )


def doctor_run(
    *, since_hours: int = 24, self_test: bool = True, http: bool = True, base_url: str = ""
) -> list[Finding]:
    findings = list(_config_findings())
    if not settings.PAYME_MERCHANT_ID:
        return findings
    if self_test:
        findings += _self_test_findings()
    if http:
        target = base_url or settings.SITE_URL
        if target:
            findings += _http_findings(target)
    findings += list(_call_findings(since_hours))
    findings += list(_transaction_findings())
    return findings
