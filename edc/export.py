"""Deterministic, streaming writers for the raw exports: CSV and xlsx.

CSV: UTF-8 without BOM, ``\\n`` line endings, minimal quoting, empty field for a missing value.

xlsx: a minimal SpreadsheetML package written by hand rather than by openpyxl, for two
reasons. It streams (rows go to one temporary file per sheet and are zipped at the end), so a
10,000-subject lab export never sits in memory; and it is byte-for-byte reproducible: the
package has no wall-clock time in ``docProps/core.xml`` (a fixed, configured timestamp) and
every zip entry gets a fixed ``date_time``, fixed permissions and fixed deflate settings, in a
fixed order. Text cells are inline strings; numbers are numeric cells. openpyxl and pandas
read the result like any Excel file.
"""

from __future__ import annotations

import csv
import os
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ZIP_TIME = (2025, 1, 31, 0, 0, 0)


class CsvForm:
    """One CSV export file, written row by row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> with CsvForm(path, ["A", "B"]) as form:
    ...     form.write(["1", None])
    >>> path.read_text()
    'A,B\\n1,\\n'
    """

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.columns = columns
        self._handle = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle, lineterminator="\n")
        self._writer.writerow(columns)
        self.rows = 0

    def write(self, row: list) -> None:
        """Write one row (``None`` becomes an empty field)."""
        self._writer.writerow(["" if v is None else v for v in row])
        self.rows += 1

    def close(self) -> None:
        """Flush and close the file."""
        self._handle.close()

    def __enter__(self) -> CsvForm:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _col_letters(n: int) -> list[str]:
    out = []
    for i in range(n):
        s, x = "", i + 1
        while x:
            x, r = divmod(x - 1, 26)
            s = chr(65 + r) + s
        out.append(s)
    return out


class XlsxForm:
    """A streaming, reproducible xlsx workbook with one or more sheets.

    Parameters
    ----------
    path : Path
        Output file.
    sheets : dict
        Sheet name -> column names (header row), in workbook order.
    timestamp : str
        ISO 8601 time written as created/modified in ``docProps/core.xml``.
    compresslevel : int
        zlib level of the zip entries (fixed for reproducibility).
    """

    def __init__(self, path: Path, sheets: dict[str, list[str]], *, timestamp: str = "2025-01-31T00:00:00Z",
                 compresslevel: int = 6) -> None:
        self.path = path
        self.sheets = sheets
        self.timestamp = timestamp
        self.compresslevel = compresslevel
        self._tmpdir = tempfile.TemporaryDirectory(prefix="xlsx-")
        self._files = {}
        self._rows = {}
        self._letters = {}
        for i, (name, columns) in enumerate(sheets.items()):
            handle = open(os.path.join(self._tmpdir.name, f"sheet{i + 1}.xml"), "w", encoding="utf-8", newline="")
            self._files[name] = handle
            self._rows[name] = 0
            self._letters[name] = _col_letters(len(columns))
            self.write(name, columns)

    def write(self, sheet: str, row: list) -> None:
        """Append one row to ``sheet``: str -> inline string, int/float -> number, None -> empty."""
        self._rows[sheet] += 1
        r = self._rows[sheet]
        letters = self._letters[sheet]
        cells = []
        for letter, value in zip(letters, row):
            kind = type(value)
            if value is None or value == "":
                continue
            if kind is int or kind is float:
                cells.append(f'<c r="{letter}{r}"><v>{value!r}</v></c>')
                continue
            text = str(value)
            if "&" in text or "<" in text or ">" in text:
                text = escape(text)
            space = ' xml:space="preserve"' if text[:1] == " " or text[-1:] == " " else ""
            cells.append(f'<c r="{letter}{r}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
        self._files[sheet].write(f'<row r="{r}">{"".join(cells)}</row>')

    def close(self) -> None:
        """Assemble the package."""
        for handle in self._files.values():
            handle.close()
        names = list(self.sheets)
        with zipfile.ZipFile(self.path, "w") as zf:
            self._put(zf, "[Content_Types].xml", _content_types(len(names)))
            self._put(zf, "_rels/.rels", _ROOT_RELS)
            self._put(zf, "docProps/app.xml", _APP)
            self._put(zf, "docProps/core.xml", _core(self.timestamp))
            self._put(zf, "xl/workbook.xml", _workbook(names))
            self._put(zf, "xl/_rels/workbook.xml.rels", _workbook_rels(len(names)))
            self._put(zf, "xl/styles.xml", _STYLES)
            for i, name in enumerate(names):
                info = self._info(f"xl/worksheets/sheet{i + 1}.xml")
                with zf.open(info, "w", force_zip64=True) as out, open(os.path.join(self._tmpdir.name, f"sheet{i + 1}.xml"), "rb") as src:
                    out.write(_SHEET_HEAD.encode())
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
                    out.write(_SHEET_TAIL.encode())
        self._tmpdir.cleanup()

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        if hasattr(zipfile.ZipInfo, "compress_level"):  # Python >= 3.13
            info.compress_level = self.compresslevel
        else:
            info._compresslevel = self.compresslevel  # noqa: SLF001 - zipfile reads it in open(..., "w")
        info.create_system = 3
        info.external_attr = 0o644 << 16
        return info

    def _put(self, zf: zipfile.ZipFile, name: str, text: str) -> None:
        zf.writestr(self._info(name), text.encode("utf-8"))

    def __enter__(self) -> XlsxForm:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_NS = "http://schemas.openxmlformats.org"
_SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS}/spreadsheetml/2006/main"><sheetData>'
_SHEET_TAIL = "</sheetData></worksheet>"
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_NS}/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_NS}/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_NS}/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Properties xmlns="{_NS}/officeDocument/2006/extended-properties"><Application>subpack edc simulator</Application></Properties>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{_NS}/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _content_types(n: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" '
        f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(n)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Types xmlns="{_NS}/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        f"{sheets}</Types>"
    )


def _core(timestamp: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<cp:coreProperties xmlns:cp="{_NS}/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>EDC export</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{timestamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{timestamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _workbook(names: list[str]) -> str:
    sheets = "".join(f'<sheet name="{escape(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_NS}/spreadsheetml/2006/main" xmlns:r="{_NS}/officeDocument/2006/relationships">'
        f"<sheets>{sheets}</sheets></workbook>"
    )


def _workbook_rels(n: int) -> str:
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{_NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
        for i in range(n)
    )
    rels += f'<Relationship Id="rId{n + 1}" Type="{_NS}/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_NS}/package/2006/relationships">{rels}</Relationships>'
    )
