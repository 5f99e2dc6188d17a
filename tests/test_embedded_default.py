"""The embedded default (`make run`: SQLite, in-memory layers, the demo data) serves every page a
visitor and a seller open.

The rest of the suite runs on PostgreSQL, so code that only PostgreSQL understands (a `SET LOCAL`,
say) would pass it and still break the site for a newcomer: a listing page once answered 503 on
SQLite that way. This runs the pages in a subprocess on a fresh SQLite database seeded by seed_demo.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import json

import django

django.setup()
from django.core.management import call_command

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)

from django.test import Client

from auctions.models import Auction
from listings.models import Listing

listings = list(Listing.objects.order_by("pk")[:3])
auctions = list(Auction.objects.filter(is_paid=True).order_by("pk")[:3])
visitor = [
    "/",
    "/listings/",
    "/listings/?q=%D1%87%D0%B8%D0%BB%D0%B0%D0%BD%D0%B7%D0%B0%D1%80",
    "/listings/?view=map",
    "/login/",
    "/signup/",
    *[listing.get_absolute_url() for listing in listings],
    *[f"{listing.get_absolute_url()}?photo=2" for listing in listings],
    *[auction.get_absolute_url() for auction in auctions],
]
seller_pages = ["/listings/new/", "/favorites/", "/notifications/", "/dashboard/"]
client = Client()
answers = {}
for round_ in ("first", "again"):  # "again": with the seen-listings cookie of the first visit
    for path in visitor:
        answers[f"{round_} {path}"] = client.get(path).status_code
seller = listings[0].seller
client.force_login(seller)
for path in seller_pages + [auction.get_absolute_url() for auction in auctions]:
    answers[f"seller {path}"] = client.get(path).status_code
views = {listing.pk: Listing.objects.get(pk=listing.pk).views_count - listing.views_count for listing in listings}
print(json.dumps({"answers": answers, "views": views}))
"""


def test_the_embedded_default_serves_the_pages(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "-c", SCRIPT],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    failed = {path: status for path, status in found["answers"].items() if status != 200}
    assert not failed, (failed, result.stderr[-3000:])
    # Each listing page opened twice by the same visitor counts once (the page and its ?photo=2 twin too).
    assert set(found["views"].values()) == {1}, found["views"]
