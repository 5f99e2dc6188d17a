"""Click SHOP API error codes with their notes, verbatim from Click's docs."""

from enum import IntEnum


class ClickError(IntEnum):
    SUCCESS = 0
    SIGN_CHECK_FAILED = -1
    INCORRECT_AMOUNT = -2
    ACTION_NOT_FOUND = -3
    ALREADY_PAID = -4
    USER_NOT_FOUND = -5
    TRANSACTION_NOT_FOUND = -6
    FAILED_TO_UPDATE = -7
    BAD_REQUEST = -8
    TRANSACTION_CANCELLED = -9

    @property
    def note(self) -> str:
        return ERROR_NOTES[self]


ERROR_NOTES: dict[ClickError, str] = {
    ClickError.SUCCESS: "Success",
    ClickError.SIGN_CHECK_FAILED: "SIGN CHECK FAILED!",
    ClickError.INCORRECT_AMOUNT: "Incorrect parameter amount",
    ClickError.ACTION_NOT_FOUND: "Action not found",
    ClickError.ALREADY_PAID: "Already paid",
    ClickError.USER_NOT_FOUND: "User does not exist",
    ClickError.TRANSACTION_NOT_FOUND: "Transaction does not exist",
    ClickError.FAILED_TO_UPDATE: "Failed to update user",
    ClickError.BAD_REQUEST: "Error in request from click",
    ClickError.TRANSACTION_CANCELLED: "Transaction cancelled",
}


class ClickProtocolError(Exception):
    """A request that must be answered with a Click error code."""

    def __init__(self, code: ClickError, detail: str = "") -> None:
        super().__init__(detail or code.note)
        self.code = code
        self.detail = detail
