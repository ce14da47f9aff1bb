"""Draw the simulated ePassport's default face image (a cartoon portrait, not a person) and
write it as a baseline JPEG: ``python scripts/make_face.py OUT.jpg``.

The image shipped in src/cardwire/sim/applets/epassport/face.jpg was made by this script (it
is the project's own drawing, under the project's licence). ICAO 9303-3 / ISO/IEC 19794-5
token images are 240 x 320; the file stays well below 32 KB so DG2 reads with READ BINARY B0.
Needs Pillow (the dev extra); the simulator itself only ships the bytes.
"""

from __future__ import annotations

import sys

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 240, 320


def draw() -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), (222, 228, 236))  # plain light background
    pen = ImageDraw.Draw(image)
    pen.rectangle((40, 250, 200, 320), fill=(60, 72, 110))  # shoulders
    pen.rectangle((100, 220, 140, 260), fill=(226, 186, 160))  # neck
    pen.ellipse((62, 30, 178, 120), fill=(92, 60, 40))  # hair
    pen.ellipse((70, 60, 170, 230), fill=(232, 194, 168))  # face
    for x in (95, 145):  # eyes on the horizontal line the standard asks
        pen.ellipse((x - 10, 124, x + 10, 136), fill=(255, 255, 255))
        pen.ellipse((x - 4, 126, x + 4, 134), fill=(50, 80, 120))
    pen.line((120, 135, 114, 170, 122, 172), fill=(180, 130, 110), width=3)  # nose
    pen.arc((98, 180, 142, 205), 20, 160, fill=(160, 70, 70), width=3)  # neutral mouth
    return image


def main() -> None:
    draw().save(sys.argv[1], "JPEG", quality=85, optimize=True)


if __name__ == "__main__":
    main()
