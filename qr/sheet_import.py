"""A plant's own sheet read for import: the header row found, each column mapped onto the board (pre-filled from
qr.import_words or a saved mapping, and editable), every row parsed, every problem named by sheet and cell.

The workbook is read once, streaming (`read_table`); mapping and parsing then work on plain values, so a person
can re-map the columns without the workbook being read again.
"""
import hashlib
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from openpyxl import load_workbook
from openpyxl.styles.colors import COLOR_INDEX
from openpyxl.utils import get_column_letter

from qr.i18n import t
from qr.import_words import (FIELD_BY_HEADER, LETTER_BY_WORD, SEVERITY_BY_WORD, STATUS_BY_WORD, STEP_WORDS,
                             header_key, word_key)

MAX_IMPORT_ROWS = 20_000
HEADER_SCAN_ROWS = 10
FIELDS = ("number", "description", "category", "customer", "area", "severity", "opened_on", "part_number", "owner",
          "lead", "next_report_on", "closed_on", "status", "comment")
REQUIRED = ("description", "opened_on", "owner")
IGNORE = "ignore"
STEP = "step:"
STATUSES = ("open", "closed", "cancelled")
LETTERS = ("G", "Y", "R", "NA")
_SAMPLES = 3
_WORDS = 200             # more distinct texts than this and a column is no status or step column


class SheetRefused(Exception):
    """A file or sheet that cannot be imported at all (too large, too many rows, unreadable, a broken mapping
    file): an i18n key and its values, translated by the page or the command line."""

    def __init__(self, key: str, **values):
        super().__init__(key, values)
        self.key, self.values = key, values


@dataclass
class CellError:
    sheet: str
    cell: str            # "E12"; a whole header row "A1:M1" when a column is missing
    key: str             # i18n key: what is wrong and what to do about it
    values: dict = field(default_factory=dict)


@dataclass
class Column:
    index: int           # 0-based position in the row
    letter: str
    header: str
    samples: list[str]   # the first few values, for the person mapping it
    step_like: bool      # holds step letters or colour fills
    words: list[str]     # its distinct texts (the first _WORDS), whose meaning a status or step column asks


@dataclass
class SheetTable:
    """What the sheet holds: the header row, the columns, each row's values and the colour of each empty
    coloured cell (boards coloured by fill alone)."""

    sheet: str
    header_row: int
    columns: list[Column]
    rows: list[tuple[int, tuple]]                  # (sheet row, values by column index)
    fills: dict[tuple[int, int], str]               # (position in rows, column index) → G / Y / R

    @property
    def shape(self) -> str:
        return shape_key([c.header for c in self.columns])


@dataclass
class Mapping:
    columns: dict[int, str | None]                 # column index → field, "step:CODE", IGNORE, None (undecided)
    status: dict[str, str | None] = field(default_factory=dict)    # word as written → open | closed | cancelled
    letters: dict[str, str | None] = field(default_factory=dict)   # word as written → G | Y | R | NA


@dataclass
class ImportedIssue:
    sheet_row: int
    description: str
    owner: str
    lead: str
    opened_on: date
    number: str | None = None
    category: str | None = None
    customer: str = ""                              # a customer's code or name (Admin › Customers); "" for none
    area: str | None = None
    part_number: str = ""
    severity: str = "B"
    next_report_on: date | None = None
    closed_on: date | None = None
    status: str = "open"                            # open | closed | cancelled
    comment: str = ""
    steps: dict[str, str] = field(default_factory=dict)   # step code → G | Y | R | NA
    sheet: str = ""
    cells: dict[str, str] = field(default_factory=dict)   # field → its cell, so that a refusal names it


@dataclass
class ImportPreview:
    sheet: str
    header_row: int
    issues: list[ImportedIssue]
    errors: list[CellError]
    ignored: list[Column]                           # read by nobody: listed, so nothing is dropped unseen


def shape_key(headers: list[str]) -> str:
    """The key a mapping is saved under: a hash of the normalised header row, trailing empty cells left out."""
    keys = [header_key(h) for h in headers]
    while keys and not keys[-1]:
        keys.pop()
    return hashlib.sha256("\x1f".join(keys).encode()).hexdigest()


def check_size(content: bytes, limit_mb: int) -> None:
    if len(content) > limit_mb * 1024 * 1024:
        raise SheetRefused("import.err.too_large", limit=limit_mb, size=round(len(content) / 1024 / 1024, 1))


def _open(content: bytes):
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, ValueError, OSError, KeyError, TypeError) as problem:
        raise SheetRefused("import.err.unreadable") from problem


def sheet_names(content: bytes) -> list[str]:
    return _open(content).sheetnames


# ---------------------------------------------------------------- reading

def known_headers(step_columns: list[dict]) -> dict[str, str]:
    """Header key → target: the words table, and each configured step by any of its names (the table's words for
    a step only where the plant has that step)."""
    known = dict(FIELD_BY_HEADER)
    codes = {c["code"] for c in step_columns}
    known.update({header_key(word): STEP + code for code, words in STEP_WORDS.items() if code in codes
                  for word in words})
    known.update({header_key(c[name]): STEP + c["code"] for c in step_columns
                  for name in ("name_zh", "name_en", "short_zh", "short_en") if c.get(name)})
    return known


def recognise(header: str, known: dict[str, str]) -> str | None:
    """The target a header names: the whole text, else without a bracketed note ('Root Cause (D4)'), else the
    parts of a two-language or combined header ('责任人\\nOwner', 'PFMEA/控制计划') when they agree."""
    if not header:
        return None
    whole = known.get(header_key(header))
    if whole:
        return whole
    bare = known.get(header_key(re.sub(r"[(（【\[].*?[)）】\]]", "", header)))
    if bare:
        return bare
    found = {known.get(header_key(part)) for part in re.split(r"[\n/|／]+|\s{2,}", header) if part.strip()} - {None}
    return found.pop() if len(found) == 1 else None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_table(content: bytes, step_columns: list[dict], *, sheet: str | None = None) -> SheetTable:
    """The sheet in one streaming pass; the header is the one of its first ten rows naming most known columns."""
    book = _open(content)
    if sheet is not None and sheet not in book.sheetnames:
        raise SheetRefused("import.err.no_sheet", sheet=sheet)
    worksheet = book[sheet] if sheet else book.active
    worksheet.reset_dimensions()        # some writers state a wrong size; read what is there
    known = known_headers(step_columns)
    lines = ((number, tuple(cell.value for cell in cells), cells)
             for number, cells in enumerate(worksheet.iter_rows(), start=1))
    lines = (line for line in lines if not all(_blank(v) for v in line[1]))
    head = list(itertools.islice(lines, HEADER_SCAN_ROWS))
    scores = [sum(recognise(str(v).strip(), known) is not None for v in values if not _blank(v))
              for _, values, _ in head]
    header_at = scores.index(max(scores)) if head else 0
    header_row, header = (head[header_at][0], head[header_at][1]) if head else (1, ())
    rows, fills, fill_of_style = [], {}, {}
    for number, values, cells in itertools.chain(head[header_at + 1:], lines):
        if len(rows) >= MAX_IMPORT_ROWS:
            raise SheetRefused("import.err.too_many_rows", sheet=worksheet.title, limit=MAX_IMPORT_ROWS)
        for index, value in enumerate(values):
            if value is None and (style := getattr(cells[index], "_style_id", 0)):
                if style not in fill_of_style:
                    fill_of_style[style] = fill_letter(cells[index].fill)
                if fill_of_style[style]:
                    fills[(len(rows), index)] = fill_of_style[style]
        rows.append((number, values))
    return SheetTable(worksheet.title, header_row, _columns(header, rows, fills), rows, fills)


def _columns(header: tuple, rows: list, fills: dict) -> list[Column]:
    """Every column that has a header or a value; a step-like one holds letters or fills in most of its cells."""
    width = max([len(header), *(len(values) for _, values in rows), *(index + 1 for _, index in fills)])
    filled_by_column: dict[int, set[int]] = {}
    for position, index in fills:
        filled_by_column.setdefault(index, set()).add(position)
    columns = []
    for index in range(width):
        cells = [values[index] if index < len(values) else None for _, values in rows]
        filled = filled_by_column.get(index, set())
        present = [(position, v) for position, v in enumerate(cells) if not _blank(v) or position in filled]
        title = "" if index >= len(header) or _blank(header[index]) else str(header[index]).strip()
        if not title and not present:
            continue
        letters = sum(position in filled or (isinstance(v, str) and word_key(v) in LETTER_BY_WORD)
                      for position, v in present)
        words = {}
        for _, value in present:
            if isinstance(value, str) and not _blank(value) and len(words) < _WORDS:
                words.setdefault(word_key(value), value.strip())
        columns.append(Column(index, get_column_letter(index + 1), title,
                              [_cell_string(v) for _, v in present if not _blank(v)][:_SAMPLES],
                              step_like=bool(present) and letters * 2 >= len(present), words=list(words.values())))
    return columns


def fill_letter(fill) -> str | None:
    """Green, yellow or red of any common shade; other fills (and none) say nothing."""
    if fill is None or fill.fill_type != "solid":
        return None
    colour = fill.fgColor
    if colour.type == "rgb" and isinstance(colour.rgb, str):
        rgb = colour.rgb[-6:]
    elif colour.type == "indexed" and colour.indexed is not None and colour.indexed < len(COLOR_INDEX):
        rgb = COLOR_INDEX[colour.indexed][-6:]
    else:
        return None
    red, green, blue = (int(rgb[i:i + 2], 16) for i in (0, 2, 4))
    if red > 150 and green > 150 and blue < 120:
        return "Y"
    if green > red + 40 and green > blue + 20:
        return "G"
    if red > green + 80 and red > blue + 80:
        return "R"
    return None


# ---------------------------------------------------------------- mapping

def propose(table: SheetTable, step_columns: list[dict], given: dict | None = None) -> Mapping:
    """Each column's target: as `given` (a saved or supplied mapping) says, else as its header's words say, else
    undecided when it holds step letters or fills (the import waits for a person), else ignored. A field named by
    two headers goes to the first; the words in the status and step columns are proposed the same way."""
    known = known_headers(step_columns)
    targets = _targets(step_columns)
    chosen = {index: to for index, to in _given_columns(table, given or {}).items() if to in targets}
    columns = dict(chosen)
    taken = set(chosen.values())
    for column in table.columns:
        if column.index in chosen:
            continue
        target = recognise(column.header, known)
        if target in taken and target in FIELDS:
            target = IGNORE
        columns[column.index] = target if target else (None if column.step_like else IGNORE)
        taken.add(columns[column.index])
    return propose_words(table, columns, given)


def _targets(step_columns: list[dict]) -> set:
    return {*FIELDS, IGNORE, None, *(STEP + c["code"] for c in step_columns)}


def propose_words(table: SheetTable, columns: dict[int, str | None], given: dict | None = None) -> Mapping:
    """The words found in the status (and closing-date) columns and in the step columns, each with its meaning:
    as `given` says, else as the words table says, else undecided."""
    given = given or {}
    status_given = {word_key(w): v for w, v in (given.get("status") or {}).items()}
    letters_given = {word_key(w): v for w, v in (given.get("steps") or {}).items()}
    status, letters = {}, {}
    for column in table.columns:
        target = columns.get(column.index)
        if target in ("status", "closed_on"):
            words, table_words, chosen = status, STATUS_BY_WORD, status_given
        elif target is None or target.startswith(STEP):
            words, table_words, chosen = letters, LETTER_BY_WORD, letters_given
        else:
            continue
        known = {word_key(w) for w in words}
        for word in column.words:
            key = word_key(word)
            if key not in known and not (target == "closed_on" and parse_date(word)):
                words[word] = chosen.get(key, table_words.get(key))
                known.add(key)
    return Mapping(columns, status, letters)


def _given_columns(table: SheetTable, given: dict) -> dict[int, str | None]:
    """A mapping's entries placed on this sheet's columns: by letter where the header is the same, else by header."""
    placed = {}
    by_header = {}
    for column in table.columns:
        by_header.setdefault(header_key(column.header), []).append(column.index)
    letters = {c.letter: c for c in table.columns}
    for entry in given.get("columns") or []:
        key = header_key(entry.get("header"))
        column = letters.get(entry.get("column"))
        if column is not None and header_key(column.header) == key and column.index not in placed:
            placed[column.index] = entry.get("to")
            continue
        free = [i for i in by_header.get(key, []) if i not in placed]
        if free:
            placed[free[0]] = entry.get("to")
    return placed


def mapping_json(table: SheetTable, mapping: Mapping) -> dict:
    """The mapping as saved and as `--save-mapping` writes it: a person can read and edit it."""
    return {"headers": [c.header for c in table.columns],
            "columns": [{"column": c.letter, "header": c.header, "to": mapping.columns.get(c.index)}
                        for c in table.columns],
            "status": dict(mapping.status), "steps": dict(mapping.letters)}


def worth_saving(table: SheetTable, mapping: Mapping, step_columns: list[dict], saved: dict | None) -> bool:
    """A mapping is saved for its sheet's shape when a person changed what the words alone propose, or to replace
    one saved before; a sheet the words read right leaves nothing behind."""
    return saved is not None or mapping_json(table, mapping) != mapping_json(table, propose(table, step_columns))


def checked_mapping(data, step_columns: list[dict]) -> dict:
    """A mapping file as given: its shape and every target checked, so that a typo is refused, not ignored."""
    if not isinstance(data, dict) or not isinstance(data.get("columns", []), list):
        raise SheetRefused("import.err.mapping_shape")
    targets = _targets(step_columns)
    for entry in data.get("columns", []):
        if not isinstance(entry, dict) or entry.get("to") not in targets:
            raise SheetRefused("import.err.mapping_target", entry=str(entry)[:200])
    for name, allowed in (("status", STATUSES), ("steps", LETTERS)):
        words = data.get(name) or {}
        if not isinstance(words, dict) or any(v not in (*allowed, None) for v in words.values()):
            raise SheetRefused("import.err.mapping_words", part=name)
    return data


def target_label(target: str | None, step_columns: list[dict], lang: str) -> str:
    """What a column becomes, as the mapping editor and the command line say it."""
    if target is None:
        return t("import.to.undecided", lang)
    if target == IGNORE:
        return t("import.to.ignore", lang)
    if target.startswith(STEP):
        step = next((c for c in step_columns if c["code"] == target[len(STEP):]), None)
        name = (step["name_en"] if lang == "en" else step["name_zh"]) if step else target[len(STEP):]
        return t("import.to.step", lang, name=name)
    return t("import.to.field", lang, name=t(f"import.field.{target}", lang))


def without_customer_message(rows: list[int], lang: str, *, shown: int = 20) -> str:
    """The customers' complaints an import leaves without a customer, by sheet row (the first `shown` of them)."""
    listed = ", ".join(map(str, rows[:shown])) + (" …" if len(rows) > shown else "")
    return t("import.without_customer", lang, count=len(rows), rows=listed)


def problem_message(error: CellError, lang: str) -> str:
    values = dict(error.values)
    if "field" in values:
        values["field"] = t(f"import.field.{values['field']}", lang)
    return t(error.key, lang, **values)


# ---------------------------------------------------------------- parsing

def mapping_errors(table: SheetTable, mapping: Mapping) -> list[CellError]:
    """What stops the import before any row is read: a step-like column left undecided, a field mapped twice, a
    required field with no column."""
    errors = []

    def header_cell(column: Column) -> str:
        return f"{column.letter}{table.header_row}"

    for column in table.columns:
        if mapping.columns.get(column.index) is None:
            errors.append(CellError(table.sheet, header_cell(column), "import.err.unmapped_steps",
                                    {"header": column.header or column.letter}))
    by_field: dict[str, list[Column]] = {}
    for column in table.columns:
        target = mapping.columns.get(column.index)
        if target in FIELDS:
            by_field.setdefault(target, []).append(column)
    for name, columns in by_field.items():
        if len(columns) > 1:
            errors.append(CellError(table.sheet, header_cell(columns[1]), "import.err.two_columns",
                                    {"field": name, "columns": ", ".join(c.letter for c in columns)}))
    last = table.columns[-1].letter if table.columns else "A"
    for name in REQUIRED:
        if name not in by_field:
            errors.append(CellError(table.sheet, f"A{table.header_row}:{last}{table.header_row}",
                                    "import.err.no_column", {"field": name}))
    return errors


def parse(table: SheetTable, mapping: Mapping) -> ImportPreview:
    """Every row as an issue, or the cells to correct. Rows are read past an undecided column (their other cells
    are worth correcting meanwhile), not while a field has no column or two."""
    ignored = [c for c in table.columns if mapping.columns.get(c.index) == IGNORE]
    errors = mapping_errors(table, mapping)
    if any(error.key != "import.err.unmapped_steps" for error in errors):
        return ImportPreview(table.sheet, table.header_row, [], errors, ignored)
    reader = _RowReader(table, mapping)
    issues = []
    for position, (number, values) in enumerate(table.rows):
        issue = reader.read(position, number, values)
        if issue is not None:
            issues.append(issue)
    errors += reader.errors
    return ImportPreview(table.sheet, table.header_row, [] if errors else issues, errors, ignored)


class _RowReader:
    """Reads rows with one mapping: fields by column, step letters by code, words by their mapped meaning."""

    def __init__(self, table: SheetTable, mapping: Mapping):
        self.table, self.errors = table, []
        self.fields = {target: index for index, target in mapping.columns.items() if target in FIELDS}
        self.steps: dict[str, list[int]] = {}
        for index, target in mapping.columns.items():
            if target and target.startswith(STEP):
                self.steps.setdefault(target[len(STEP):], []).append(index)
        self.status = {word_key(w): v for w, v in mapping.status.items()}
        self.letters = {word_key(w): v for w, v in mapping.letters.items()}

    def read(self, position: int, number: int, values: tuple) -> ImportedIssue | None:
        found = len(self.errors)
        self.position, self.number, self.values = position, number, values
        text = {name: _cell_string(self._value(name)) for name in FIELDS if name not in ("opened_on", "next_report_on",
                                                                                 "closed_on")}
        for name in REQUIRED:
            if name != "opened_on" and not text[name]:
                self._error(name, "import.err.required")
        opened_on = self._date("opened_on", required=True)
        next_report_on = self._date("next_report_on", required=False)
        status, closed_on = self._status()
        severity = self._severity(text["severity"])
        steps = {code: letter for code, indexes in self.steps.items() if (letter := self._step(indexes))}
        if len(self.errors) > found:
            return None
        return ImportedIssue(sheet_row=number, description=text["description"], owner=text["owner"],
                             lead=text["lead"] or text["owner"], opened_on=opened_on, number=text["number"] or None,
                             category=text["category"] or None, customer=text["customer"],
                             area=text["area"] or self.table.sheet,
                             part_number=text["part_number"], severity=severity, next_report_on=next_report_on,
                             closed_on=closed_on, status=status, comment=text["comment"], steps=steps,
                             sheet=self.table.sheet,
                             cells={name: self._cell(index) for name, index in self.fields.items()})

    def _value(self, name: str):
        index = self.fields.get(name)
        return None if index is None or index >= len(self.values) else self.values[index]

    def _cell(self, index: int) -> str:
        return f"{get_column_letter(index + 1)}{self.number}"

    def _error(self, name: str, key: str, **values) -> None:
        self.errors.append(CellError(self.table.sheet, self._cell(self.fields[name]), key, values))

    def _date(self, name: str, *, required: bool) -> date | None:
        value = self._value(name)
        if _blank(value):
            if required:
                self._error(name, "import.err.required")
            return None
        parsed = parse_date(value)
        if parsed is None:
            self._error(name, "import.err.date", value=_cell_string(value))
        return parsed

    def _status(self) -> tuple[str, date | None]:
        """The row's status from its status cell, or a status word in the closing-date cell, or a closing date."""
        said = None
        value = self._value("status")
        if not _blank(value):
            said = self.status.get(word_key(value))
            if said is None:
                self._error("status", "import.err.status", value=_cell_string(value))
        closed = self._value("closed_on")
        closed_on = None
        if not _blank(closed):
            closed_on = parse_date(closed)
            if closed_on is None:
                word = self.status.get(word_key(closed)) if isinstance(closed, str) else None
                if word is None:
                    self._error("closed_on", "import.err.date", value=_cell_string(closed))
                said = said or word
        if said == "open" and closed_on is not None:
            self._error("closed_on", "import.err.closed_but_open", value=_cell_string(value))
        return said or ("closed" if closed_on else "open"), closed_on

    def _severity(self, text: str) -> str:
        if not text:
            return "B"
        severity = SEVERITY_BY_WORD.get(word_key(text))
        if severity is None:
            self._error("severity", "import.err.severity", value=text)
        return severity or "B"

    def _step(self, indexes: list[int]) -> str | None:
        """The step's letter; several columns mapped to one step give their worst (PFMEA and Control Plan)."""
        letters = []
        for index in indexes:
            value = self.values[index] if index < len(self.values) else None
            if _blank(value):
                letters.append(self.table.fills.get((self.position, index)))
                continue
            letter = self.letters.get(word_key(value))
            if letter is None:
                self.errors.append(CellError(self.table.sheet, self._cell(index), "import.err.step",
                                             {"value": _cell_string(value)}))
            letters.append(letter)
        letters = [letter for letter in letters if letter]
        worst = next((letter for letter in ("R", "Y", "G") if letter in letters), None)
        return worst or ("NA" if letters else None)


def _cell_string(value) -> str:
    """A cell as text: whole numbers without '.0', dates as ISO days."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    return str(value).strip()


_MONTHS = {name: n for n, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_PATTERNS = [
    (re.compile(rf"^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME}$"), ("y", "m", "d")),
    (re.compile(rf"^(\d{{4}})年(\d{{1,2}})月(\d{{1,2}})日?{_TIME}$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})$"), ("m", "d", "y")),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[-\s./]([a-z]+)\.?[-\s./,]*(\d{4}|\d{2})$"), ("d", "mon", "y")),
    (re.compile(r"^([a-z]+)\.?[-\s]+(\d{1,2})(?:st|nd|rd|th)?[,\s]+(\d{4}|\d{2})$"), ("mon", "d", "y")),
]
_EXCEL_DAY_ZERO = date(1899, 12, 30)


def parse_date(value) -> date | None:
    """Excel dates, Excel day numbers, or text as plants and online sheets write it: 2026-03-05, 2026/3/5 10:20,
    3/5/2026, 3/5/26, 5.3.2026, 2026年3月5日, 20260305, 5-Mar-26, 05 Mar 2026, Mar 5, 2026."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20_000 <= value <= 80_000:
        return _EXCEL_DAY_ZERO + timedelta(days=int(value))
    text = _cell_string(value).lower()
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, match.groups()))
            month = _MONTHS.get(parts.pop("mon")) if "mon" in parts else int(parts.pop("m"))
            year = int(parts["y"]) + (2000 if len(parts["y"]) == 2 else 0)
            try:
                return date(year, month, int(parts["d"])) if month else None
            except ValueError:
                return None
    return None


def read_board(content: bytes, step_columns: list[dict], *, sheet: str | None = None,
               given: dict | None = None) -> tuple[SheetTable, Mapping, ImportPreview]:
    """Read, map (as `given` says, else as proposed) and parse in one call: the command line and tests."""
    table = read_table(content, step_columns, sheet=sheet)
    mapping = propose(table, step_columns, given)
    return table, mapping, parse(table, mapping)
