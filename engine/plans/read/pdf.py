"""PDF with a text layer, read with pdfplumber.

Line numbers are those of the text layer as pdfplumber groups words into lines, counted over all
pages in order (page 2 continues where page 1 stopped). Ruled tables are read as tables; their
rows cite the text lines they cover, and the lines inside a table are not read again as prose. A
PDF without any text (a scan) cannot be read: OCR is out of scope, so that is an ExtractError.
"""

from __future__ import annotations

import io

from engine.plans.extract.model import ExtractError
from engine.plans.read.source import Source
from engine.plans.tables.rows import TableRow
from engine.plans.read.text import Line, clean


def read_pdf(source: Source, path: str, data: bytes) -> None:
    """Fill `source` with the PDF's prose lines and ruled tables."""
    import pdfplumber

    no = 0
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = len(pdf.pages)
        for page in pdf.pages:
            lines = page.extract_text_lines()
            numbered = []
            for line in lines:
                no += 1
                numbered.append((no, line))
            found = page.find_tables()
            boxes = [t.bbox for t in found]
            for n, line in numbered:
                middle = (line["top"] + line["bottom"]) / 2
                if not any(top <= middle <= bottom for _, top, _, bottom in boxes):
                    source.lines.append(Line(n, line["text"]))
            for table in found:
                rows = []
                for row, cells in zip(table.rows, table.extract()):
                    _, top, _, bottom = row.bbox
                    covered = [n for n, line in numbered
                               if top <= (line["top"] + line["bottom"]) / 2 <= bottom]
                    first = covered[0] if covered else no
                    rows.append(TableRow(first, [clean(c or "") for c in cells],
                                         covered[-1] if covered else first))
                source.tables.append(rows)
    if no == 0:
        raise ExtractError(path, f"the PDF has no text layer ({pages} page(s) of images, a scan?)",
                           "run OCR first, or export the plan from Word as PDF or .docx")
