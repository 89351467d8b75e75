"""Sample media for the walkthrough: drawn originals and edited copies, made here.

Nothing is downloaded and no real extremist media is involved: the "removed" images are
abstract drawings, the "uploads" are the edits re-uploaders make (re-encoding, resizing,
brightening, a caption bar); there is one dark frame PDQ cannot describe, and one
unrelated upload that must not match.
"""

from __future__ import annotations

import random
from pathlib import Path

__all__ = ["write_sample_media"]

_SIZE = (640, 480)


def _original(seed: int):
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", _SIZE, tuple(rng.randrange(40, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x0, y0 = rng.randrange(-100, _SIZE[0]), rng.randrange(-100, _SIZE[1])
        x1, y1 = x0 + rng.randrange(60, 320), y0 + rng.randrange(60, 260)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = rng.choice(("rectangle", "ellipse", "polygon"))
        if shape == "polygon":
            points = [(rng.randrange(_SIZE[0]), rng.randrange(_SIZE[1])) for _ in range(5)]
            draw.polygon(points, fill=colour)
        else:
            getattr(draw, shape)((x0, y0, x1, y1), fill=colour)
    draw.text((24, 24), f"SAMPLE {seed}", fill=(255, 255, 255))
    return image


def _edits(image):
    """The copies a re-uploader makes of one image, by name."""
    from PIL import ImageDraw, ImageEnhance

    w, h = image.size
    captioned = image.copy()
    ImageDraw.Draw(captioned).rectangle((0, h - 40, w, h), fill=(0, 0, 0))
    return {
        "resized": image.resize((w * 3 // 4, h * 3 // 4)),
        "brighter": ImageEnhance.Brightness(image).enhance(1.15),
        "captioned": captioned,
    }


def write_sample_media(directory: str | Path, originals: int = 3) -> dict[str, list[Path]]:
    """Write ``removed/`` (originals) and ``uploads/`` (edited copies and one unrelated
    image) under ``directory``; return the paths written."""
    base = Path(directory)
    removed, uploads = base / "removed", base / "uploads"
    removed.mkdir(parents=True, exist_ok=True)
    uploads.mkdir(parents=True, exist_ok=True)
    written: dict[str, list[Path]] = {"removed": [], "uploads": []}
    for n in range(1, originals + 1):
        image = _original(n)
        path = removed / f"propaganda-{n}.jpg"
        image.save(path, quality=92)
        written["removed"].append(path)
        edit, copy = list(_edits(image).items())[(n - 1) % 3]
        path = uploads / f"reupload-{n}-{edit}.jpg"
        copy.save(path, quality=70)  # every copy is also re-encoded
        written["uploads"].append(path)
    # A dark, flat frame: PDQ cannot describe it (quality 0), so `hash` warns about it
    # and `submit` skips it.
    from PIL import Image

    path = removed / "dark-frame.jpg"
    Image.new("RGB", _SIZE, (3, 3, 3)).save(path, quality=92)
    written["removed"].append(path)
    path = uploads / "holiday-photo.jpg"
    _original(1000).save(path, quality=85)
    written["uploads"].append(path)
    return written
