"""The auction app's application error: a request the rules refuse (mapped once to HTTP, pages and the API)."""


class AuctionRuleError(Exception):
    """A request the rules refuse; `message` is shown to the user."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
