"""Payme Merchant API error codes with the messages Payme shows (merchant-api.md §3).

The messages are Payme's protocol text in three languages, sent as they are: they are not
translated through gettext, because Payme picks the language itself."""

from enum import IntEnum


class PaymeError(IntEnum):
    PARSE_ERROR = -32700
    INVALID_REQUEST = -32600
    METHOD_NOT_FOUND = -32601
    INSUFFICIENT_PRIVILEGE = -32504
    SYSTEM_ERROR = -32400
    NOT_POST = -32300
    INCORRECT_AMOUNT = -31001
    TRANSACTION_NOT_FOUND = -31003
    CANNOT_CANCEL = -31007
    CANNOT_PERFORM = -31008
    ORDER_NOT_FOUND = -31050
    ORDER_PAID = -31051
    ORDER_CLOSED = -31052
    ORDER_BUSY = -31053

    @property
    def message(self) -> dict[str, str]:
        ru, uz, en = ERROR_MESSAGES[self]
        return {"ru": ru, "uz": uz, "en": en}

    @property
    def is_account_error(self) -> bool:
        return -31099 <= self <= -31050


ERROR_MESSAGES: dict[PaymeError, tuple[str, str, str]] = {
    PaymeError.PARSE_ERROR: ("Ошибка разбора JSON", "JSON tahlilida xatolik", "JSON parse error"),
    PaymeError.INVALID_REQUEST: ("Неверный RPC-запрос", "Noto'g'ri RPC so'rov", "Invalid RPC request"),
    PaymeError.METHOD_NOT_FOUND: ("Метод не найден", "Metod topilmadi", "Method not found"),
    PaymeError.INSUFFICIENT_PRIVILEGE: (
        "Недостаточно привилегий для выполнения метода",
        "Metodni bajarish uchun huquqlar yetarli emas",
        "Insufficient privileges to perform the method",
    ),
    PaymeError.SYSTEM_ERROR: ("Системная ошибка", "Tizim xatosi", "System error"),
    PaymeError.NOT_POST: (
        "Метод запроса должен быть POST",
        "So'rov usuli POST bo'lishi kerak",
        "Request method must be POST",
    ),
    PaymeError.INCORRECT_AMOUNT: ("Неверная сумма", "Noto'g'ri summa", "Incorrect amount"),
    PaymeError.TRANSACTION_NOT_FOUND: ("Транзакция не найдена", "Tranzaksiya topilmadi", "Transaction not found"),
    PaymeError.CANNOT_CANCEL: (
        "Невозможно отменить: аукцион уже начался",
        "Bekor qilib bo'lmaydi: auksion boshlangan",
        "Cannot cancel: the auction has already started",
    ),
    PaymeError.CANNOT_PERFORM: (
        "Невозможно выполнить операцию",
        "Ushbu amalni bajarib bo'lmaydi",
        "Unable to perform the operation",
    ),
    PaymeError.ORDER_NOT_FOUND: ("Заказ не найден", "Buyurtma topilmadi", "Order not found"),
    PaymeError.ORDER_PAID: ("Заказ уже оплачен", "Buyurtma allaqachon to'langan", "Order is already paid"),
    PaymeError.ORDER_CLOSED: (
        "Платёж отменён, начните новый платёж",
        "To'lov bekor qilingan, yangi to'lov boshlang",
        "Payment cancelled, start a new payment",
    ),
    PaymeError.ORDER_BUSY: (
        "Заказ ожидает оплаты по другой транзакции",
        "Buyurtma boshqa tranzaksiya bo'yicha to'lovni kutmoqda",
        "Order is awaiting payment in another transaction",
    ),
}

# The account field our errors -31050…-31099 name (the cashbox's only field).
ACCOUNT_FIELD = "order_id"


class PaymeRpcError(Exception):
    """A call answered with a Payme error object. `data` is sent as given (account errors:
    the account field; -32601: the method's name); `detail` is for our logs only."""

    def __init__(self, code: PaymeError, *, data: object = None, detail: str = "") -> None:
        super().__init__(detail or code.message["en"])
        self.code = code
        self.data = ACCOUNT_FIELD if data is None and code.is_account_error else data
        self.detail = detail
