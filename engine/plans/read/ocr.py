"""Page images to positioned words: pdftoppm renders each page, Pillow straightens it and erases
the ruling lines (whose heights are kept as row separators), tesseract reads it (`-l vie`, TSV).

Pages are read in parallel, one tesseract process per core. Needs the system packages
tesseract-ocr, tesseract-ocr-vie and poppler-utils (scripts/system-packages.sh installs them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from engine.plans.extract.model import ExtractError
from engine.plans.read.layout import Word

DPI = 300
LANG = "vie"
_BLOCK = DPI // 3  # a ruling line is ink over most of a run this long (about 8 mm)
_PACKAGES = "tesseract-ocr tesseract-ocr-vie poppler-utils"


@dataclass
class Page:
    width: int
    height: int
    words: list[Word] = field(default_factory=list)
    rules: list[tuple[float, float, float]] = field(default_factory=list)  # (y, x0, x1) horizontal lines
    angle: float = 0.0  # degrees the page was turned to straighten it
    image: str = ""  # file of the straightened page without its lines, for `read_cells`


def check_tools(path: str) -> None:
    """ExtractError naming the packages to install when OCR cannot run here."""
    missing = [tool for tool in ("pdftoppm", "tesseract") if shutil.which(tool) is None]
    if not missing:
        langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout.split()
        if LANG not in langs:
            missing.append(f"tesseract language '{LANG}'")
    if missing:
        raise ExtractError(path, f"the PDF has no text layer and OCR cannot run: {', '.join(missing)} missing",
                           f"cần cài gói hệ thống: apt-get install {_PACKAGES}; "
                           f"install the system packages: apt-get install {_PACKAGES}")


@contextmanager
def scanned_pages(path: str, data: bytes, pages: int):
    """Every page of the PDF `data`, OCR'd; the words are in pixels of the straightened page,
    whose image stays on disk (for `read_cells`) until the block ends."""
    check_tools(path)
    with tempfile.TemporaryDirectory(prefix="dondoc-ocr-") as work:
        pdf = Path(work) / "in.pdf"
        pdf.write_bytes(data)
        workers = max(1, min(pages, os.cpu_count() or 1))
        with ThreadPoolExecutor(workers) as pool:
            yield list(pool.map(lambda n: _read_page(pdf, n), range(1, pages + 1)))


def _read_page(pdf: Path, number: int) -> Page:
    from PIL import Image

    prefix = pdf.with_name(f"page{number}")
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-f", str(number), "-l", str(number),
                    "-singlefile", str(pdf), str(prefix)], check=True, capture_output=True)
    image = Image.open(f"{prefix}.pgm")
    image.load()
    os.remove(f"{prefix}.pgm")
    threshold = _otsu(image)
    angle = _skew(image, threshold)
    if angle:
        image = image.rotate(angle, Image.BILINEAR, expand=False, fillcolor=255)
    image, rules = _erase_rules(image, threshold)
    clean = f"{prefix}-clean.pgm"
    image.save(clean)
    tsv = subprocess.run(["tesseract", clean, "stdout", "-l", LANG, "--dpi", str(DPI), "--psm", "4", "-c", "tessedit_do_invert=0", "tsv"],
                         check=True, capture_output=True, text=True,
                         env={**os.environ, "OMP_THREAD_LIMIT": "1"}).stdout
    return Page(image.width, image.height, _tsv_words(tsv), rules, angle, clean)


def read_cells(pages: list[Page], boxes: list[tuple]) -> list[str]:
    """A second look at small cells the page reading may have missed or misread (a lone row
    number beside a wide cell): each (page index, x0, top, x1, bottom) read as numerals, roman
    numerals or a letter. The cells of a page, in black and white, go to tesseract side by side
    as one line; the digits and roman letters are ASCII, which its English model reads best."""
    from PIL import Image

    texts = [""] * len(boxes)
    by_page: dict[int, list[int]] = {}
    for k, box in enumerate(boxes):
        by_page.setdefault(box[0], []).append(k)

    def read(page_index: int) -> None:
        ks = by_page[page_index]
        image = Image.open(pages[page_index].image)
        level = _otsu(image)
        crops = []
        for k in ks:
            _, x0, top, x1, bottom = boxes[k]
            pad = 0.4 * (bottom - top)
            crop = image.crop((int(x0 - pad), int(top - pad), int(x1), int(bottom + pad)))
            crops.append(crop.point(lambda v: 0 if v <= level else 255))
        gap = max(c.height for c in crops)
        strip = Image.new("L", (sum(c.width + gap for c in crops) + gap, 3 * gap), 255)
        x, spans = gap, []
        for crop in crops:
            strip.paste(crop, (x, gap))
            spans.append((x - gap / 2, x + crop.width + gap / 2))
            x += crop.width + gap
        with tempfile.NamedTemporaryFile(suffix=".pgm") as file:
            strip.save(file.name)
            tsv = subprocess.run(["tesseract", file.name, "stdout", "-l", "eng", "--dpi", str(DPI), "--psm", "7",
                                  "-c", "tessedit_char_whitelist=0123456789IVXabcd.)", "tsv"],
                                 capture_output=True, text=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"}).stdout
        for word in _tsv_words(tsv):
            for k, (a, b) in zip(ks, spans):
                if a <= word.middle <= b:
                    texts[k] = f"{texts[k]}{word.text}"

    with ThreadPoolExecutor(max(1, min(len(by_page), os.cpu_count() or 1))) as pool:
        list(pool.map(read, by_page))
    return texts


def _tsv_words(tsv: str) -> list[Word]:
    words = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        text = cols[11].strip()
        if not any(c.isalnum() for c in text) and (float(cols[10]) < 60 or width < 0.3 * height):
            continue  # specks and stubs of erased lines read as punctuation
        words.append(Word(text, left, top, left + width, top + height,
                          group=(int(cols[2]), int(cols[3]), int(cols[4]))))
    return words


def _otsu(image) -> int:
    """The grey level that best splits ink from paper."""
    hist = image.histogram()
    total = sum(hist)
    weighted = sum(i * h for i, h in enumerate(hist))
    best, level, below, below_sum = -1.0, 128, 0, 0
    for i, h in enumerate(hist):
        below += h
        if below == 0 or below == total:
            continue
        below_sum += i * h
        m0, m1 = below_sum / below, (weighted - below_sum) / (total - below)
        spread = below * (total - below) * (m0 - m1) ** 2
        if spread > best:
            best, level = spread, i
    return level


def _ink(image, threshold: int):
    """Ink white (255) on black: what lies darker than the threshold."""
    return image.point(lambda v: 255 if v <= threshold else 0)


def _skew(image, threshold: int) -> float:
    """The small turn (within ±3°) that makes the text lines most horizontal, 0 when none helps."""
    from PIL import Image

    small = _ink(image.resize((image.width // 4, image.height // 4), Image.BOX), threshold + 20)

    def sharpness(angle: float) -> float:
        turned = small.rotate(angle, Image.NEAREST, fillcolor=0) if angle else small
        profile = turned.resize((4, turned.height), Image.BOX).tobytes()
        rows = [sum(profile[i:i + 4]) for i in range(0, len(profile), 4)]
        return sum((a - b) ** 2 for a, b in zip(rows, rows[1:]))

    best = max((a / 4 for a in range(-12, 13)), key=sharpness)
    best = max((best + a / 20 for a in range(-4, 5)), key=sharpness)
    return round(best, 2) if abs(best) >= 0.1 else 0.0


def _erase_rules(image, threshold: int):
    """The page with its long straight lines painted white, and where the horizontal ones were."""
    from PIL import Image, ImageChops, ImageFilter

    ink = _ink(image, threshold)
    w, h = ink.size
    # Mean ink over runs of _BLOCK pixels along each axis: only a drawn line fills a whole run.
    across = ink.resize((max(1, w // _BLOCK), h), Image.BOX).point(lambda v: 255 if v >= 200 else 0)
    down = ink.resize((w, max(1, h // _BLOCK)), Image.BOX).point(lambda v: 255 if v >= 220 else 0)
    rules = _horizontal_rules(across, w / across.width)
    # Widen each mask a run along its line and a few pixels across it (the blurred edge), while
    # small; then paint the page white under it.
    across, down = across.filter(ImageFilter.MaxFilter(3)), down.filter(ImageFilter.MaxFilter(3))
    across = _widen(across, [(0, d) for d in (-3, -2, 2, 3)])
    down = _widen(down, [(d, 0) for d in (-3, -2, 2, 3)])
    mask = ImageChops.lighter(across.resize((w, h), Image.NEAREST), down.resize((w, h), Image.NEAREST))
    return ImageChops.lighter(image, mask), rules


def _widen(mask, shifts):
    from PIL import ImageChops

    out = mask
    for dx, dy in shifts:
        out = ImageChops.lighter(out, ImageChops.offset(mask, dx, dy))
    return out


def _horizontal_rules(across, scale: float) -> list[tuple[float, float, float]]:
    """(y, x0, x1) of each horizontal line at least three runs long; touching pixel rows are one line."""
    width = across.width
    data = across.tobytes()
    found: list[list[float]] = []  # [y_first, y_last, x0, x1]
    for y in range(across.height):
        row = data[y * width:(y + 1) * width]
        x = 0
        while x < width:
            if row[x]:
                end = x
                while end < width and row[end]:
                    end += 1
                if end - x >= 3:
                    x0, x1 = x * scale, end * scale
                    last = next((r for r in reversed(found) if r[1] >= y - 2 and r[2] < x1 and x0 < r[3]), None)
                    if last:
                        last[1], last[2], last[3] = y, min(last[2], x0), max(last[3], x1)
                    else:
                        found.append([y, y, x0, x1])
                x = end
            else:
                x += 1
    return [((a + b) / 2, x0, x1) for a, b, x0, x1 in found]
