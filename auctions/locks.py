"""The auction row lock: every write to an auction takes it first, inside transaction.atomic().
A fee's payment rows are locked before it (auctions.lifecycle runs the fee's lock hook first)."""

from functools import cache

from django.db import connection
from django.db.transaction import TransactionManagementError

from auctions.models import Auction
from core.rows import ModelColumns, for_update

# Written out (core.rows): the lock is taken on every bid, and compiling it cost more CPU than running it.
_AUCTION = ModelColumns(Auction, "a")


@cache
def _auction_lock_sql() -> str:
    # Names come from the model, the id is a parameter (S608); the text is built once.
    return (
        f"SELECT {_AUCTION.select_list()} FROM {_AUCTION.table()} WHERE {_AUCTION.column('id')} = %s"  # noqa: S608
        + for_update()
    )


def auction_lock(*, auction_id: int) -> Auction:
    """Lock and return the auction row; call inside transaction.atomic() (a lock taken outside
    one would end with its statement). Raises Auction.DoesNotExist."""
    if connection.get_autocommit():
        raise TransactionManagementError("auction_lock() needs transaction.atomic()")
    with connection.cursor() as cursor:
        cursor.execute(_auction_lock_sql(), [auction_id])
        row = cursor.fetchone()
    if row is None:
        raise Auction.DoesNotExist(f"Auction {auction_id} does not exist.")
    return _AUCTION.build(row)
