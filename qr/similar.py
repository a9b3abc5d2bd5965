"""How alike two issue descriptions are, Chinese or English: character bigrams of the Chinese, words of the rest,
compared by rapidfuzz as the mean of the token set ratio (shared tokens; one text inside the other scores 100) and
the token sort ratio (which also weighs what only one text says), 0–100. Words every complaint shares ("客户投诉",
"customer") are left out, or two unrelated complaints would look alike by their boilerplate alone."""
import re
import unicodedata

import numpy as np
from rapidfuzz import fuzz, process

THRESHOLD = 60          # below it two descriptions are not proposed as the same problem
PROPOSALS = 5           # past issues shown at most
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+")
_CJK_BOILERPLATE = ("客户投诉", "客户", "投诉", "发现", "问题", "反馈")
_STOP_WORDS = frozenset({"customer", "complaint", "complaints", "issue", "problem", "found", "reported", "the", "a",
                         "an", "and", "or", "on", "at", "in", "of", "to", "for", "with", "is", "are", "was", "from"})


def signature(text: str) -> str:
    """The tokens a description is compared by: its Chinese as overlapping character pairs, its other words
    lower-cased, full-width forms folded (NFKC)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    for word in _CJK_BOILERPLATE:
        text = text.replace(word, " ")
    tokens = []
    for run in _CJK.findall(text):
        tokens += [run[i:i + 2] for i in range(max(1, len(run) - 1))]
    tokens += [word for word in _WORD.findall(_CJK.sub(" ", text)) if word not in _STOP_WORDS]
    return " ".join(tokens)


def similarity(first: str, second: str) -> float:
    """0 (nothing shared) to 100 (the same tokens, or one description's tokens all within the other's)."""
    a, b = signature(first), signature(second)
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2 if a and b else 0.0


def most_similar(description: str, signatures: dict[int, str], *, limit: int = PROPOSALS,
                 threshold: float = THRESHOLD) -> list[tuple[int, float]]:
    """The candidates (id → the `signature` of its description, as kept with the issue) at least `threshold`
    alike, best first, at most `limit`."""
    query = signature(description)
    idents = list(signatures)
    if not query or not idents:
        return []
    keys = [signatures[ident] for ident in idents]
    scores = (process.cdist([query], keys, scorer=fuzz.token_set_ratio, dtype=np.float32)[0]
              + process.cdist([query], keys, scorer=fuzz.token_sort_ratio, dtype=np.float32)[0]) / 2
    best = [n for n in np.argsort(-scores, kind="stable")[:limit] if scores[n] >= threshold]
    return [(idents[n], round(float(scores[n]), 1)) for n in best]


def part_key(part_number: str) -> str:
    """A part number as compared: upper case, full-width folded; empty when it holds no letter or digit ("—")."""
    text = unicodedata.normalize("NFKC", part_number or "").strip().upper()
    return text if re.search(r"[0-9A-Z]", text) else ""


def part_family(part_number: str) -> str:
    """The family a part number belongs to, for read-across: its first segment ("5401" of "5401-0317"), or, for a
    number written without separators, all but its last three characters ("84012" of "84012345")."""
    key = part_key(part_number)
    first = re.split(r"[-_/. ]", key, maxsplit=1)[0]
    if first != key and len(first) >= 3:
        return first
    return key[:-3] if len(key) >= 6 else key
