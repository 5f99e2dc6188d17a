"""How a flat's room count is written, the same on every card and page.

One wording per language: ru "2-комнатная", uz "2 xonali", en "2-room"; a studio (0 rooms)
is "Студия" / "Studiya" / "Studio". The Russian adjective does not change with the number,
so this is one gettext string, not a plural.
"""

from django.utils.translation import gettext


def rooms_label(rooms: int | None) -> str:
    if rooms is None:
        return ""
    if rooms == 0:
        return gettext("Студия")
    # Translators: a flat's room count on cards and pages: ru "2-комнатная", uz "2 xonali", en "2-room".
    return gettext("%(rooms)s-комнатная") % {"rooms": rooms}
