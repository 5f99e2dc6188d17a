"""Uzbekistan's regions and districts, shipped as data (listings/data/uzbekistan.json)."""

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "uzbekistan.json"


def geo_data() -> dict[str, list[dict[str, Any]]]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def geo_load(region_model: Any, district_model: Any) -> None:
    """Create or update every region and district (idempotent); takes the (historical) models."""
    data = geo_data()
    for row in data["regions"]:
        region_model.objects.update_or_create(
            code=row["code"],
            defaults={"position": row["position"], "name_ru": row["ru"], "name_uz": row["uz"], "name_en": row["en"]},
        )
    for row in data["districts"]:
        district_model.objects.update_or_create(
            slug=row["slug"],
            defaults={"region_id": row["region"], "name_ru": row["ru"], "name_uz": row["uz"], "name_en": row["en"]},
        )


def geo_ensure() -> None:
    """Load the data when the tables are empty (a flushed test database)."""
    from listings.models import District, Region

    if not Region.objects.exists():
        geo_load(Region, District)
