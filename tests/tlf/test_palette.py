"""The figures' palette: the most frequent colours kept exactly, the others the nearest of them.

Checked against hand-worked images and against a plain-Python reference (a dictionary of
counts, a sort, and a loop over the palette for each rare colour) on random images.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from PIL import Image

from tlf.figures.palette import (
    PALETTE_SIZE,
    choose_palette,
    count_colours,
    nearest_palette_index,
    pack_rgb,
    quantise,
    unpack_rgb,
)


def _image(rows: list[list[tuple[int, int, int]]]) -> Image.Image:
    return Image.fromarray(np.array(rows, dtype=np.uint8), "RGB")


def _pixels(image: Image.Image) -> list[tuple[int, int, int]]:
    return [tuple(p) for p in np.asarray(image.convert("RGB")).reshape(-1, 3).tolist()]


def _reference(image: Image.Image, size: int = PALETTE_SIZE) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    """Palette and pixels as the rule states them, in plain Python."""
    pixels = _pixels(image)
    counts = Counter(pixels)
    palette = sorted(counts, key=lambda colour: (-counts[colour], colour))[:size]

    def nearest(colour):
        distances = [sum((a - b) ** 2 for a, b in zip(colour, entry, strict=True)) for entry in palette]
        return palette[distances.index(min(distances))]

    return palette, [colour if colour in palette[:size] else nearest(colour) for colour in pixels]


WHITE, RED, BLUE, GREY = (255, 255, 255), (215, 48, 39), (69, 117, 180), (150, 150, 150)


def test_pack_and_unpack_are_inverse():
    rgb = np.array([[0, 0, 0], [255, 255, 255], [215, 48, 39], [1, 2, 3]], dtype=np.uint8)
    packed = pack_rgb(rgb)
    assert packed.dtype == np.uint32
    assert packed.tolist() == [0, 0xFFFFFF, 0xD73027, 0x010203]
    assert np.array_equal(unpack_rgb(packed), rgb)


def test_few_colours_are_kept_exactly_most_frequent_first():
    image = _image([[WHITE, WHITE, RED, BLUE], [WHITE, RED, WHITE, WHITE]])
    result = quantise(image)
    assert result.mode == "P"
    assert result.getpalette() == [*WHITE, *RED, *BLUE]  # 5 white, 2 red, 1 blue
    assert _pixels(result) == _pixels(image)
    assert np.asarray(result).tolist() == [[0, 0, 1, 2], [0, 1, 0, 0]]


def test_equal_counts_are_ordered_by_colour_value():
    image = _image([[BLUE, RED, BLUE, RED]])  # 0x4575B4 < 0xD73027
    assert quantise(image).getpalette() == [*BLUE, *RED]


def test_the_background_need_not_be_the_most_frequent_colour():
    image = _image([[GREY, RED, RED, RED], [RED, BLUE, BLUE, GREY]])
    assert quantise(image).getpalette() == [*RED, *BLUE, *GREY]
    assert _pixels(quantise(image)) == _pixels(image)


def test_a_colour_outside_the_palette_takes_the_nearest_palette_colour():
    # palette of 2: white (3 pixels) and red (2); the near-red shade and the light grey are mapped
    shade, light = (200, 40, 40), (240, 240, 240)
    image = _image([[WHITE, WHITE, WHITE, RED, RED, shade, light]])
    result = quantise(image, size=2)
    assert result.getpalette() == [*WHITE, *RED]
    assert _pixels(result) == [WHITE, WHITE, WHITE, RED, RED, RED, WHITE]


def test_a_colour_equally_near_two_palette_colours_takes_the_more_frequent():
    black, white, middle = (0, 0, 0), (2, 2, 2), (1, 1, 1)
    image = _image([[white, black, black, white, white, middle]])  # white 3, black 2; middle is 3 from each
    result = quantise(image, size=2)
    assert result.getpalette() == [*white, *black]
    assert _pixels(result)[-1] == white


def test_the_256_most_frequent_colours_are_exact_and_the_rarer_ones_are_mapped():
    rng = np.random.default_rng(3)
    colours = [tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(300)]
    pixels = [colour for i, colour in enumerate(colours) for _ in range(300 - i)]  # colour i appears 300 - i times
    pixels += [WHITE] * (400 * 400 - len(pixels))
    image = Image.fromarray(np.array(pixels, dtype=np.uint8).reshape(400, 400, 3), "RGB")
    palette, expected = _reference(image)
    result = quantise(image)
    assert [tuple(c) for c in np.array(result.getpalette(), dtype=np.uint8).reshape(-1, 3).tolist()] == palette
    assert _pixels(result) == expected


@pytest.mark.parametrize("seed", range(5))
def test_random_images_match_the_plain_python_rule(seed):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=(40, 3))  # few base colours, each with a spread of rare shades
    picks = base[rng.integers(0, len(base), size=(30, 20))] + rng.integers(-2, 3, size=(30, 20, 3)) * rng.integers(0, 2, size=(30, 20, 1))
    image = Image.fromarray(np.clip(picks, 0, 255).astype(np.uint8), "RGB")
    size = int(rng.integers(8, 64))
    palette, expected = _reference(image, size)
    result = quantise(image, size=size)
    assert [tuple(c) for c in np.array(result.getpalette(), dtype=np.uint8).reshape(-1, 3).tolist()] == palette
    assert _pixels(result) == expected


def test_other_modes_are_converted_to_rgb_first():
    rgba = Image.new("RGBA", (3, 2), (215, 48, 39, 255))
    assert _pixels(quantise(rgba)) == [RED] * 6
    grey = Image.new("L", (2, 2), 150)
    assert quantise(grey).getpalette() == [*GREY]


def test_the_same_image_gives_the_same_png_bytes(tmp_path):
    rng = np.random.default_rng(7)
    image = Image.fromarray(rng.integers(0, 256, size=(50, 60, 3), dtype=np.uint8), "RGB")
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    quantise(image).save(first, format="PNG")
    quantise(image.copy()).save(second, format="PNG")
    assert first.read_bytes() == second.read_bytes()


def test_bad_sizes_and_empty_images_are_refused():
    image = Image.new("RGB", (2, 2), "white")
    for size in (0, 257):
        with pytest.raises(ValueError, match="1 to 256 colours"):
            quantise(image, size=size)
    with pytest.raises(ValueError, match="empty image"):
        quantise(Image.new("RGB", (0, 0)))


def test_count_colours_adds_the_background_in_order_and_refuses_it_twice():
    pixels = np.array([0x10, 0x30, 0x30], dtype=np.uint32)
    values, counts = count_colours(pixels, (0x20, 5))
    assert values.tolist() == [0x10, 0x20, 0x30] and counts.tolist() == [1, 5, 2]
    assert count_colours(pixels)[0].tolist() == [0x10, 0x30]
    with pytest.raises(ValueError, match="also among the pixels"):
        count_colours(pixels, (0x30, 1))


def test_choose_palette_and_nearest_index_on_hand_worked_values():
    values = np.array([0x000000, 0x000005, 0xFFFFFF, 0xFF0000], dtype=np.uint32)
    counts = np.array([4, 1, 9, 4])
    palette = choose_palette(values, counts, size=3)
    assert palette.tolist() == [0xFFFFFF, 0x000000, 0xFF0000]  # 9, then the two 4s by value
    assert nearest_palette_index(values, palette).tolist() == [1, 1, 0, 2]  # 0x000005 is nearest black
