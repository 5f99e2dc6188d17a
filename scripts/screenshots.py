"""Screenshots of the main pages at desktop and phone widths, for a visual check.

    DEBUG=1 .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 test-artifacts/screens

Needs a running site with demo data (`make run`) and Debian's /usr/bin/chromium.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser import CHROMIUM, CHROMIUM_ARGS

PAGES = {
    "home": "/",
    "search": "/listings/?region=tashkent_city&sort=price",
    "listing": None,  # the first result of the search
    "phone-login": "/login/phone/",
}
WIDTHS = {"desktop": (1280, 900), "mobile": (390, 844)}


def main(base: str, folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for language in ("ru", "uz", "en"):
            for label, (width, height) in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                context.add_cookies([{"name": "django_language", "value": language, "url": base}])
                page = context.new_page()
                for name, path in PAGES.items():
                    if path is None:
                        page.goto(base + PAGES["search"])
                        path = page.locator("[data-testid=listing-card]").first.get_attribute("href")
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    target = out / f"{name}-{label}-{language}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target)
                context.close()
        browser.close()


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000",
        sys.argv[2] if len(sys.argv) > 2 else "test-artifacts/screens",
    )
