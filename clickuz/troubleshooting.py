"""What each Click error code in the callback log means, and what the operator should do.

Shared by `click_doctor` and the admin's callback log (shop-api.md §5).
"""

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"
OK = "ok"
INFO = "info"


@dataclass(frozen=True)
class ErrorHelp:
    level: str
    ru: str
    en: str
    fix_ru: str = ""
    fix_en: str = ""


# What each Click error code in the callback log means, and what to do (shop-api.md §5).
CALLBACK_ERRORS: dict[int, ErrorHelp] = {
    -1: ErrorHelp(
        ERROR,
        "подпись не сошлась: секретный ключ отличается от ключа в кабинете Click (или чужой service_id)",
        "the signature does not match: the secret differs from the one in the Click cabinet (or a foreign service_id)",
        "сравните CLICK_SECRET_KEY и CLICK_SERVICE_ID с кабинетом Click и перезапустите сервер",
        "compare CLICK_SECRET_KEY and CLICK_SERVICE_ID with the Click cabinet, then restart the server",
    ),
    -2: ErrorHelp(
        WARNING,
        "сумма не равна сумме сбора",
        "the amount differs from the fee",
        "AUCTION_FEE должен совпадать с суммой, которую платят в Click; не меняйте его при открытых оплатах",
        "AUCTION_FEE must equal the amount paid in Click; do not change it while payments are open",
    ),
    -3: ErrorHelp(
        ERROR,
        "Prepare пришёл на адрес Complete или наоборот",
        "Prepare reached the Complete URL or the other way round",
        "в кабинете Click: Prepare URL …/click/prepare/, Complete URL …/click/complete/",
        "in the Click cabinet: Prepare URL …/click/prepare/, Complete URL …/click/complete/",
    ),
    -4: ErrorHelp(INFO, "оплата уже проведена (повтор от Click)", "already paid (a repeat from Click)", "", ""),
    -5: ErrorHelp(
        WARNING,
        "оплаты с таким merchant_trans_id нет",
        "no payment with this merchant_trans_id",
        "платёж открывается кнопкой оплаты на странице аукциона (или при его создании); проверьте номер, "
        "введённый в Click",
        "the payment is opened by the pay button on the auction page (or when the auction is created); "
        "check the number typed in Click",
    ),
    -6: ErrorHelp(
        WARNING,
        "Complete без нашей Prepare (merchant_prepare_id неизвестен)",
        "a Complete without our Prepare (unknown merchant_prepare_id)",
        "проверьте, что оплата была открыта кнопкой «Инициировать оплату» и merchant_trans_id верный; "
        "Prepare и Complete URL должны вести на один и тот же сервер и базу",
        'check that the payment was opened with "Initiate payment" and that the merchant_trans_id is right; '
        "the Prepare and Complete URLs must reach the same server and database",
    ),
    -7: ErrorHelp(
        ERROR,
        "сбой на нашей стороне при записи оплаты (Click повторит)",
        "our side failed to record the payment (Click retries)",
        "смотрите логи clickuz.callbacks и поле «причина» callback в админке",
        "read the clickuz.callbacks log and the callback's reason in the admin",
    ),
    -8: ErrorHelp(
        WARNING,
        "запрос не от Click или неполный (например, проверка curl)",
        "a request not from Click or incomplete (a curl check, for example)",
        "если это не ваши проверки — посмотрите тело запроса и адрес в админке",
        "unless these are your own checks, read the body and address in the admin",
    ),
    -9: ErrorHelp(
        INFO,
        "оплата отменена: аукцион отменён, срок оплаты истёк или Click сообщил об ошибке платежа",
        "payment cancelled: the auction was cancelled, the fee expired, or Click reported a failed payment",
        "",
        "",
    ),
}
