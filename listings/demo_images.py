"""Pleasant placeholder apartment pictures for demo data, drawn with Pillow."""

import io
import random

from PIL import Image, ImageDraw

PALETTES = [
    ((94, 160, 255), (196, 224, 255), (246, 211, 160)),
    ((255, 166, 120), (255, 226, 196), (200, 214, 232)),
    ((120, 200, 170), (214, 244, 230), (240, 226, 200)),
    ((170, 150, 240), (230, 222, 255), (250, 232, 214)),
]


def demo_photo(seed: int, width: int = 960, height: int = 720) -> bytes:
    rng = random.Random(seed)  # noqa: S311 - pictures, not secrets
    sky, sky_light, wall = PALETTES[seed % len(PALETTES)]
    img = Image.new("RGB", (width, height), sky_light)
    draw = ImageDraw.Draw(img)
    for y in range(height):  # sky gradient
        t = y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(sky, sky_light, strict=True)))
    ground = int(height * 0.82)
    draw.rectangle([0, ground, width, height], fill=(126, 186, 110))
    x = 60
    while x < width - 80:  # a row of apartment blocks
        w = rng.randint(150, 240)
        h = rng.randint(int(height * 0.35), int(height * 0.7))
        shade = tuple(max(0, c - rng.randint(0, 40)) for c in wall)
        draw.rectangle([x, ground - h, x + w, ground], fill=shade)
        for wy in range(ground - h + 18, ground - 30, 34):
            for wx in range(x + 14, x + w - 24, 30):
                lit = rng.random() < 0.35
                draw.rectangle([wx, wy, wx + 16, wy + 20], fill=(255, 226, 140) if lit else (120, 150, 190))
        x += w + rng.randint(16, 40)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=82)
    return out.getvalue()
