"""What the text of one source says, worked out once (at harvest time) and stored, so that every
format reads it instead of redoing it: its prose sentences with page and section, its glossary,
its key concepts with their mentions and best definition, and the relations the text states.

Only prose is kept as sentences: headings, captions, figure and table labels, reference lists,
tables of contents, indexes and running heads are recognised (from the block kinds the readers
give, and from the text itself for plain text) and never become a sentence, a definition or a
quiz item. Quotations are kept but marked, so they are never taken for a definition.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterable, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.document import Block, Document
from harvest_desktop.core.plain import Plain

ANALYSIS_VERSION = 1

# sentence kinds
PROSE, QUOTE, QUESTION, LIST = "prose", "quote", "question", "list"
# definition kinds (same words as formats.schema)
DEFINED, EXPLAINED, GLOSSARY = "defined", "explained", "glossary"

# relation labels the text can state
IS_A, PART_OF, CAUSES, CONTRASTS, ARGUES_FOR, EXAMPLE_OF, DEPENDS_ON, USED_FOR, PRODUCES = (
    "is a kind of", "part of", "causes", "contrasts with", "argues for", "is an example of", "depends on",
    "used for", "produces")


@dataclass
class Sentence(Plain):
    text: str
    page: int | None = None
    section: str = ""  # heading path, " > "-joined
    chapter: str = ""  # outermost heading
    kind: str = PROSE  # prose | quote | question | list
    start: int = 0  # offsets into Document.text
    end: int = 0


@dataclass
class GlossaryEntry(Plain):
    term: str
    definition: str
    page: int | None = None
    section: str = ""
    chapter: str = ""
    source: str = "glossary"  # glossary | key-terms | index


@dataclass
class Definition(Plain):
    text: str
    kind: str = DEFINED  # defined | explained | glossary
    sentence: int | None = None  # index into sentences (None for a glossary entry)
    page: int | None = None
    section: str = ""


@dataclass
class ConceptInfo(Plain):
    term: str
    key: str = ""
    score: float = 0.0
    signals: list[str] = field(default_factory=list)  # glossary, key-terms, index, defined, emphasis, heading
    aliases: list[str] = field(default_factory=list)
    chapters: list[str] = field(default_factory=list)  # chapters that mention it, most mentions first
    mentions: list[int] = field(default_factory=list)  # sentence indices (capped)
    count: int = 0
    definition: Definition | None = None
    kind: str = "term"


@dataclass
class RelationInfo(Plain):
    source: str
    target: str
    label: str
    sentence: int  # evidence: index into sentences
    weight: float = 1.0


@dataclass
class SourceAnalysis(Plain):
    KIND: ClassVar[str] = "source-analysis"
    version: int = ANALYSIS_VERSION
    title: str = ""
    sentences: list[Sentence] = field(default_factory=list)
    glossary: list[GlossaryEntry] = field(default_factory=list)
    concepts: list[ConceptInfo] = field(default_factory=list)
    relations: list[RelationInfo] = field(default_factory=list)
    chapters: list[str] = field(default_factory=list)  # in reading order

    def to_dict(self) -> dict[str, Any]:
        """Compact: sentences as rows (they are most of the data)."""
        data = super().to_dict()
        data["sentences"] = [[s.text, s.page, s.section, s.chapter, s.kind, s.start, s.end]
                             for s in self.sentences]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SourceAnalysis":
        rows = data.get("sentences", [])
        rest = {k: v for k, v in data.items() if k != "sentences"}
        out = super().from_dict(rest)
        out.sentences = [Sentence(*r) if isinstance(r, list) else Sentence.from_dict(r) for r in rows]
        return out

    def concept(self, term: str) -> ConceptInfo | None:
        low = term.casefold()
        for c in self.concepts:
            if c.term.casefold() == low or c.key == _key(term):
                return c
        return None


# -- recognising what is not prose ----------------------------------------------------------------

NON_PROSE_KINDS = ("heading", "caption", "figure", "table", "code", "label", "reference", "bibliograph",
                   "toc", "contents", "index", "header", "footer", "running", "page_number", "footnote",
                   "equation", "math", "title")
GLOSSARY_KINDS = ("glossary", "definition", "key_term", "keyterm", "term")
_GLOSSARY_HEAD = re.compile(r"^\s*(?:\d+(?:\.\d+)*\s+)?(glossary|key\s+terms?|key\s+concepts|vocabulary|"
                            r"terms\s+to\s+know|important\s+terms|definitions|key\s+words)\b", re.I)
_INDEX_HEAD = re.compile(r"^\s*(?:subject\s+|general\s+)?index\s*$", re.I)
_SKIP_HEAD = re.compile(r"^\s*(?:\d+(?:\.\d+)*\s+)?(references|bibliography|works\s+cited|further\s+reading|"
                        r"sources|notes|endnotes|citations|suggested\s+reading|(?:table\s+of\s+)?contents|"
                        r"acknowledg(?:e)?ments|about\s+the\s+authors?|credits|permissions|copyright|"
                        r"answer\s+key|answers\s+to|photo\s+credits|list\s+of\s+(?:figures|tables))\b", re.I)
_EXERCISE_HEAD = re.compile(r"^\s*(?:\d+(?:\.\d+)*\s+)?(review\s+questions|exercises|problems|"
                            r"critical\s+thinking|discussion\s+questions|self[- ]check|test\s+prep|"
                            r"questions\s+for|check\s+your\s+understanding)\b", re.I)
_CAPTION = re.compile(r"^\s*(?:figure|fig\.|table|tab\.|exhibit|chart|image|photo|plate|map|diagram|graph|"
                      r"illustration|listing|box|source|credit|photo\s+credit)\s*[\dIVXivx]+[\.\d\-–a-z]*"
                      r"(?:[:.\s]|$)", re.I)
_REFERENCE_LINE = re.compile(r"(?:\(\d{4}[a-z]?\)|\b\d{4}[a-z]?\.\s|doi:|https?://|\bpp?\.\s*\d|\bvol\.|"
                             r"\bISBN\b|\bet al\.)", re.I)
_REF_HINT = re.compile(r"\d{4}|doi|http|\bpp?\.|vol\.|ISBN|et al", re.I)
_SENT_SPLIT = re.compile(r"(?<=[.!?])[\"'’”)\]]?\s+(?=[A-Z0-9\"'“‘(\[])")
_ABBREV_END = re.compile(r"\b(?:e\.g|i\.e|etc|vs|cf|Dr|Mr|Mrs|Ms|St|Fig|No|Vol|approx|ca|al)\.$", re.I)
_PAGE_NUM = re.compile(r"^\s*(?:page\s+)?\d{1,4}\s*$", re.I)


def _kind_is(kind: str, names: Iterable[str]) -> bool:
    k = (kind or "").lower()
    return any(n in k for n in names)


def is_caption(text: str) -> bool:
    return bool(_CAPTION.match(text))


def looks_like_reference(text: str) -> bool:
    """A bibliography entry: several reference markers, or an author-year opening."""
    if len(text) > 600 or not _REF_HINT.search(text):
        return False
    hits = len(_REFERENCE_LINE.findall(text))
    if hits >= 2:
        return True
    return bool(re.match(r"^[A-Z][A-Za-z'\-]+,\s+(?:[A-Z]\.\s*)+(?:,|&|and|\()", text)) and hits >= 1


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; does not split after common abbreviations."""
    out: list[tuple[int, str]] = []
    pos = 0
    pending_start = None
    for m in list(_SENT_SPLIT.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        piece_end = end if m is None else m.end()
        seg = text[pos:end]
        if m is not None and _ABBREV_END.search(text[max(0, end - 8):end].split()[-1] if text[pos:end].split()
                                                 else ""):
            if pending_start is None:
                pending_start = pos
            pos = piece_end
            continue
        start = pending_start if pending_start is not None else pos
        pending_start = None
        full = text[start:end]
        lead = len(full) - len(full.lstrip())
        s = full.strip()
        if s:
            out.append((start + lead, s))
        pos = piece_end
        del seg
    return out


_LETTER, _UPPER, _DIGIT = re.compile(r"[^\W\d_]"), re.compile(r"[A-Z]"), re.compile(r"\d")


def _is_prose_sentence(s: str) -> bool:
    words = s.split()
    if len(words) < 4 or len(words) > 90:
        return False
    if not (s[0].isupper() or s[0].isdigit() or s[0] in "\"'“‘("):
        return False
    if s.rstrip("\"'”’)]")[-1:] not in ".!?":
        return False
    letters = len(_LETTER.findall(s))
    if not letters or len(_UPPER.findall(s)) > 0.5 * letters:
        return False
    if len(_DIGIT.findall(s)) > 0.25 * len(s):
        return False
    if is_caption(s) or looks_like_reference(s):
        return False
    return True


# -- glossary entries ------------------------------------------------------------------------------

_ENTRY_SEP = re.compile(r"^\s*(?P<term>[^:\u2013\u2014]{1,80}?)\s*(?::|\s[\u2013\u2014-]\s|\u2014|\u2013)\s*"
                        r"(?P<def>\S.{8,})$", re.S)
_INDEX_ENTRY = re.compile(r"^\s*(?P<term>[A-Za-z][^,\d]{1,60}?),\s*(?:\d+(?:[\u2013\-]\d+)?(?:,\s*|$))+\s*$")


def parse_glossary_entry(text: str) -> tuple[str, str] | None:
    """'term: definition' / 'term — definition' / 'term. Definition' as (term, definition)."""
    text = " ".join(text.split())
    m = _ENTRY_SEP.match(text)
    if m:
        term, definition = m.group("term").strip(" *_•-"), m.group("def").strip()
    else:
        m2 = re.match(r"^(?P<term>[A-Za-z][\w\-' ]{0,60}?)\.\s+(?P<def>[A-Z].{8,})$", text)
        if not m2:
            return None
        term, definition = m2.group("term").strip(), m2.group("def").strip()
    if not term or len(term.split()) > 7 or not re.search(r"[A-Za-z]", term):
        return None
    if term.rstrip().endswith((".", "?")):
        return None
    return term, definition


def split_glossary_blob(text: str, known) -> list[tuple[str, str]]:
    """'a: def one b c: def two' -> [(a, def one), (b c, def two)]: each term is the longest run of
    up to five words before its colon that the running text uses (`known(phrase)`), else one word."""
    text = " ".join(text.split())
    text = re.sub(r"\s+:", ":", text)
    colons = [m.start() for m in re.finditer(r":\s", text)]
    if not colons:
        return []
    starts = [0]
    for c in colons[1:]:
        words = list(re.finditer(r"\S+", text[:c]))
        best = 1
        for k in range(1, 6):
            if k > len(words):
                break
            first = words[-k]
            if first.start() <= starts[-1] + 1 or text[first.start() - 2:first.start()].strip() == ":":
                break
            phrase = text[first.start():c]
            if known(phrase):
                best = k
        starts.append(words[-best].start())
    out = []
    for i, (st, c) in enumerate(zip(starts, colons)):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        term, definition = text[st:c].strip(" *•-"), text[c + 1:end].strip()
        if term and definition and len(term.split()) <= 6:
            out.append((term, definition))
    return out


def _glossary_from_block(block: Block, chapter: str) -> GlossaryEntry | None:
    parsed = parse_glossary_entry(block.text)
    if parsed is None:
        return None
    term, definition = parsed
    return GlossaryEntry(term, definition, block.page, " > ".join(block.heading_path), chapter)


# -- terms -----------------------------------------------------------------------------------------

STOPWORDS = frozenset("""
a about above across after again against all almost along also although always am among an and another
any anyone anything are around as at away back be became because become becomes been before being below
between both but by can cannot could did do does doing done down during each either else enough even
ever every few for from further get gets given gives had has have having he her here hers herself him
himself his how however i if in into is it its itself just last least less let like likely made make
makes many may me might more most much must my myself near nearly neither never next no nor not now of
off often on once one only onto or other others otherwise our ours out over own per perhaps quite rather
same several shall she should since so some something sometimes still such than that the their theirs
them themselves then there therefore these they this those though through throughout thus to together too
toward towards two under unless until up upon us use used uses using usually very via was we well were
what whatever when where whereas whether which while who whom whose why will with within without would
yet you your yours first second third fourth many much various certain called known example examples
e.g i.e etc see chapter section figure table page pages also include includes including new old
three four five six seven eight nine ten eleven twelve twenty hundred thousand million billion
""".split())
# Words that are rarely a key concept on their own, whatever their frequency.
GENERIC = frozenset("""
way ways thing things part parts kind kinds type types number numbers lot lots world life work view views
people person others time times year years day days case cases fact facts point points idea ideas place
places form forms level levels area areas group groups term terms word words end side state states result
results change changes use order man men woman women question questions problem problems reason reasons
something anything everything nothing someone everyone value values amount amounts example instance
matter sense question thought truth way manner aspect aspects issue issues feature features factor factors
role roles effect effects process processes system systems study studies book books chapter chapters text
texts student students reader readers author authors figure figures table tables page pages section
sections unit units lesson lessons summary introduction conclusion review note notes list lists series
kind sort sorts piece pieces name names key step steps set sets basis terms others lives today
""".split())
_TOKEN = re.compile(r"[A-Za-z][A-Za-z\-']*[A-Za-z]|[A-Za-z]")


def _singular_word(w: str) -> str:
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 5 and w.endswith(("sses", "ches", "shes", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ics", "sis", "ias", "gas")):
        return w[:-1]
    return w


@functools.lru_cache(maxsize=200_000)
def _key(term: str) -> str:
    """Normal form used to match a term: casefolded, singular last word, no article."""
    words = [w for w in _TOKEN.findall(term.casefold().replace("’", "'"))]
    while words and words[0] in ("a", "an", "the"):
        words = words[1:]
    if not words:
        return ""
    words[-1] = _singular_word(words[-1])
    return " ".join(words)


def _candidates(sentence: str) -> Iterable[tuple[str, str]]:
    """(key, surface) for runs of 1-4 content words in a sentence."""
    toks = _TOKEN.findall(sentence)
    if toks and toks[0][:1].isupper() and toks[0][1:].islower():
        toks[0] = toks[0].lower()  # a capital that only marks the sentence start
    for i in range(1, len(toks) - 1):  # "law of noncontradiction", "theory of forms"
        if toks[i] == "of" and toks[i - 1].lower() not in STOPWORDS and toks[i + 1].lower() not in STOPWORDS \
                and len(toks[i - 1]) >= 3 and len(toks[i + 1]) >= 3:
            surf = f"{toks[i - 1]} of {toks[i + 1]}"
            yield _key(surf), surf
    run: list[str] = []
    for tok in toks + ["."]:
        low = tok.lower()
        if tok == "." or low in STOPWORDS or len(low) < 3 and not tok.isupper():
            for n in (1, 2, 3):
                for i in range(len(run) - n + 1):
                    surf = " ".join(run[i:i + n])
                    yield _key(surf), surf
            run = []
        else:
            run.append(tok)


# -- definitions in running text --------------------------------------------------------------------

_DEF_SUBJECT = re.compile(
    r"^(?:(?:In|For)\s+[^,]{2,40},\s+)?(?:An?|The)?\s*(?P<term>[A-Za-z][\w\-']*(?:\s+[\w\-']+){0,3}?)\s*"
    r"(?:\([^)]{1,60}\)\s*)?,?\s*(?:is|are)\s+(?:defined\s+as|called|known\s+as|(?:an?|the)\s+"
    r"(?:\w+\s+){0,6}?(?:that|which|who|in\s+which|by\s+which|whereby|where|whose|used|consisting|made|found)\b|"
    r"(?:an?|the)\s+(?:\w+\s+){0,2}?(?:of|for|between|with)\b)", re.I)
_DEF_VERB = re.compile(
    r"^(?:An?|The)?\s*(?P<term>[A-Za-z][\w\-']*(?:\s+[\w\-']+){0,3}?)\s*(?:\([^)]{1,60}\)\s*)?,?\s*"
    r"(?:refers?\s+to|is\s+defined\s+as|are\s+defined\s+as|means(?!\s+to\b)|denotes|is\s+the\s+(?:term|name)\s+"
    r"(?:for|given\s+to)|describes?\s+(?:the|a|an|how))\b", re.I)
_DEF_CALLED = re.compile(
    r"\b(?:is|are|was|were|be)\s+(?:often\s+|also\s+|usually\s+|commonly\s+|sometimes\s+)?(?:called|termed|"
    r"known\s+as|referred\s+to\s+as|defined\s+as|named)\s+(?:an?\s+|the\s+)?[\"“‘']?(?P<term>[a-zA-Z][\w\-']*"
    r"(?:\s+[a-z][\w\-']*){0,3}?)[\"”’']?\s*(?:[.,;:(]|$|\s+(?:or|and|because|when|if|in|by|which)\b)")
_DEF_WE_CALL = re.compile(
    r"\b(?:we|scientists|economists|psychologists|researchers|biologists|philosophers|sociologists)\s+"
    r"(?:call|define|term|refer\s+to)\s+(?:this|these|it|them|such\s+\w+)\s+(?:as\s+)?(?:an?\s+|the\s+)?"
    r"[\"“‘']?(?P<term>[a-zA-Z][\w\-']*(?:\s+[a-z][\w\-']*){0,3}?)[\"”’']?\s*[.,;]", re.I)
_APPOSITIVE = re.compile(
    r"^(?:An?|The)?\s*(?P<term>[A-Za-z][\w\-']*(?:\s+[\w\-']+){0,2}?),\s+(?:or\s+|also\s+called\s+)?"
    r"(?:an?|the)\s+[\w\-']+(?:\s+[\w\-']+){0,8}?\s+(?:that|which|who|of|in|used|where)\b[^,]{3,120},\s", re.I)


_DEF_WHICH = re.compile(
    r"\b(?P<term>[a-z][\w\-']*(?:\s+[a-z][\w\-']*){0,2}),\s+(?:which|that)\s+(?:is|are)\s+(?:an?|the)\s+"
    r"(?:[\w\-']+\s+){0,4}?[\w\-']+\s+(?:of|for|that|which|in|to|by)\b")


def defined_terms(sentence: str) -> list[tuple[str, int]]:
    """Terms a sentence defines, with a strength (0 strongest): 'X is called Y' names Y."""
    out: list[tuple[str, int]] = []
    for rank, pat in ((0, _DEF_CALLED), (0, _DEF_WE_CALL), (0, _DEF_VERB), (1, _DEF_SUBJECT), (1, _DEF_WHICH),
                      (2, _APPOSITIVE)):
        m = pat.search(sentence)
        if m:
            term = m.group("term").strip(" ,'\"“”‘’")
            if pat is _DEF_WHICH:  # "the importance of altruism, which is": the words after the last stopword
                words = term.split()
                cut = max((i + 1 for i, w in enumerate(words) if w.lower() in STOPWORDS), default=0)
                term = " ".join(words[cut:])
            if term and _key(term) and _key(term).split()[-1] not in STOPWORDS and len(term) > 2 \
                    and term.lower().split()[0] not in ("it", "this", "that", "these", "those", "there",
                                                         "they", "he", "she", "we", "which", "what", "one",
                                                         "such", "here", "its"):
                out.append((term, rank))
    return out


_SUBJ = r"^(?:an?\s+|the\s+)?(?P<term>[^,;:()]{1,70}?)\s*(?:\([^)]{1,60}\)\s*)?,?\s*"
_BROAD = (
    (0, re.compile(_SUBJ + r"(?:refers?\s+to|is\s+defined\s+as|are\s+defined\s+as|means(?!\s+to\b)|denotes)\b",
                   re.I)),
    (1, re.compile(_SUBJ + r"(?:is|are)\s+(?:an?|the|any|one)\s+(?:(?:[\w\-']+\s+){0,5}?(?:that|which|who|whose|"
                   r"where|in\s+which|by\s+which|used|consisting|made|found|whereby)\b|(?:[\w\-']+\s+){0,2}?"
                   r"(?:of|for|between|with)\b)", re.I)),
    (2, re.compile(r"^(?:an?\s+|the\s+)?(?P<term>[^,;:()]{1,70}?),\s+(?:an?|the)\s+[^,]{6,120},", re.I)),
)


@functools.lru_cache(maxsize=50_000)
def _subjects(sentence: str) -> tuple[tuple[str, int], ...]:
    """(key, rank) of what a sentence could be defining, by the broad patterns."""
    out = []
    for rank, pat in _BROAD:
        m = pat.search(sentence)
        if m:
            out.append((_key(m.group("term")), rank))
    return tuple(out)


def defines(sentence: str, term: str, found: Sequence[tuple[str, int]] | None = None) -> int | None:
    """How strongly a sentence defines term (0 best, 2 weakest), or None when it does not.

    `found` is defined_terms(sentence) when the caller has it already."""
    low_term = _key(term)
    best = None
    for f, rank in (defined_terms(sentence) if found is None else found):
        if _key(f) == low_term:
            best = rank if best is None else min(best, rank)
    for k, rank in _subjects(sentence):
        if k == low_term:
            best = rank if best is None else min(best, rank)
    if best is None and re.search(r"\b(?:called|termed|known\s+as|referred\s+to\s+as|defined\s+as)\s+", sentence, re.I):
        tail = re.split(r"\b(?:called|termed|known\s+as|referred\s+to\s+as|defined\s+as)\s+", sentence, 1,
                        flags=re.I)[1]
        if _key(tail).startswith(low_term):
            best = 0
    return best


# -- relations --------------------------------------------------------------------------------------

_REL_PATTERNS: list[tuple[str, str, bool]] = [  # (label, regex between A and B, reversed)
    (IS_A, r"\s+(?:is|are)\s+(?:a|an|one)\s+(?:\w+\s+)?(?:kind|type|form|class|sort|category|variety|subset)s?"
           r"\s+of\s+(?:\w+\s+)?", False),
    (EXAMPLE_OF, r"\s+(?:is|are)\s+(?:an?\s+)?(?:example|instance|case)s?\s+of\s+(?:an?\s+|the\s+)?", False),
    (IS_A, r"\s+(?:is|are)\s+(?:a|an)\s+(?:[a-z\-]+\s+){0,2}?", False),
    (PART_OF, r"\s+(?:is|are)\s+(?:an?\s+)?(?:part|component|element|member|constituent)s?\s+of\s+"
              r"(?:an?\s+|the\s+)?", False),
    (PART_OF, r"\s+(?:consists?\s+of|contains?|includes?|comprises?|is\s+made\s+up\s+of|is\s+composed\s+of)\s+"
              r"(?:[a-z\-]+\s+){0,3}?", True),
    (CAUSES, r"\s+(?:causes?|caused|leads?\s+to|led\s+to|results?\s+in|resulted\s+in|gives?\s+rise\s+to|"
             r"triggers?|brings?\s+about|produces?|produced|increases?|decreases?|reduces?)\s+(?:an?\s+|the\s+)?"
             r"(?:[a-z\-]+\s+){0,2}?", False),
    (CONTRASTS, r"\s+(?:differs?\s+from|contrasts?\s+with|is\s+(?:the\s+)?opposite\s+of|is\s+unlike|"
                r"unlike|whereas|as\s+opposed\s+to|in\s+contrast\s+to|versus|vs\.?)\s+"
                r"(?:an?\s+|the\s+)?(?:[a-z\-]+\s+){0,4}?", False),
    (ARGUES_FOR, r"\s+(?:argues?|argued|contends?|claims?|maintains?|holds?)\s+(?:for|that)\s+(?:\w+\s+){0,4}?",
     False),
    (DEPENDS_ON, r"\s+(?:depends?\s+on|relies\s+on|requires?|needs?)\s+(?:an?\s+|the\s+)?(?:[a-z\-]+\s+){0,2}?",
     False),
    (USED_FOR, r"\s+(?:is|are)\s+used\s+(?:to|for|in)\s+(?:\w+\s+){0,3}?", False),
]


def _relations_in(sentence: str, present: list[tuple[int, int, str]]) -> list[tuple[str, str, str]]:
    """Typed relations stated between concepts found at (start, end, term) in one sentence."""
    out = []
    present = sorted(present)
    for i in range(len(present)):
        for j in range(i + 1, len(present)):
            a0, a1, ta = present[i]
            b0, b1, tb = present[j]
            if ta == tb or b0 < a1:
                continue
            between = " " + sentence[a1:b0].strip() + " " if b0 > a1 else " "
            if len(between) > 70:
                continue
            between = re.sub(r"^\s*(?:\([^)]*\)|,)\s*", " ", between)
            for label, pat, rev in _REL_PATTERNS:
                if re.fullmatch(pat + r"\s*", between + " ", re.I):
                    out.append((tb, ta, label) if rev else (ta, tb, label))
                    break
    return out


# -- the analysis ---------------------------------------------------------------------------------

MAX_CONCEPTS = 400
MAX_MENTIONS = 60


def analyze_document(doc: Document, *, cancel: CancelToken = NEVER, max_concepts: int = MAX_CONCEPTS,
                     ) -> SourceAnalysis:
    """The analysis of one document; deterministic, offline, and linear in its length."""
    from harvest_desktop.core.gcquiet import fewer_full_collections

    with fewer_full_collections():  # its many small objects would set off long full collections
        return _analyze_document(doc, cancel=cancel, max_concepts=max_concepts)


def _analyze_document(doc: Document, *, cancel: CancelToken, max_concepts: int) -> SourceAnalysis:
    sentences: list[Sentence] = []
    glossary: list[GlossaryEntry] = []
    emphasis: Counter[str] = Counter()
    chapters: list[str] = []
    headings: list[str] = []
    blobs: list[tuple[str, int | None, str, str, str]] = []
    blocks = doc.blocks
    for bi, block in enumerate(blocks):
        if bi % 500 == 0:
            cancel.check()
        path = tuple(block.heading_path)
        chapter = path[0] if path else ""
        if chapter and chapter not in chapters and not _GLOSSARY_HEAD.match(chapter) and \
                not _SKIP_HEAD.match(chapter) and not _INDEX_HEAD.match(chapter):
            chapters.append(chapter)
        kind = (block.kind or "paragraph").lower()
        text = block.text.strip()
        if not text:
            continue
        for mark in getattr(block, "emphasis", None) or ():
            emphasis[_key(mark)] += 1
        if kind == "heading":
            headings.append(text)
            if not path and text not in chapters and (block.level or 1) <= 1 and not _GLOSSARY_HEAD.match(text) \
                    and not _SKIP_HEAD.match(text) and not _INDEX_HEAD.match(text):
                chapters.append(text)
            continue
        section_names = [h for h in path]
        in_glossary_section = any(_GLOSSARY_HEAD.match(h) for h in section_names[-2:])
        if kind == "term" or _kind_is(kind, ("glossary", "key_term", "keyterm")) or in_glossary_section:
            glossary_named = any(re.match(r"^\s*(?:\d+(?:\.\d+)*\s+)?glossary", h, re.I) for h in section_names)
            source = "glossary" if glossary_named or (kind == "term" and not in_glossary_section) else "key-terms"
            if text.count(": ") >= 2:  # several entries run together (a PDF glossary set without spacing)
                blobs.append((text, block.page, " > ".join(path), chapter, source))
                continue
            if getattr(block, "term", ""):
                definition = block.definition if hasattr(block, "definition") else ""
                glossary.append(GlossaryEntry(block.term.strip(" *_`"), definition.strip() if definition != text else "",
                                              block.page, " > ".join(path), chapter, source))
                continue
            entry = _glossary_from_block(block, chapter)
            if entry is not None:
                entry.source = source
                glossary.append(entry)
            elif kind == "list_item" and len(text.split()) <= 6 and not text.endswith("."):
                glossary.append(GlossaryEntry(text.strip(" •*-"), "", block.page, " > ".join(path), chapter,
                                              "key-terms"))
            elif len(text.split()) <= 6 and not text.endswith(".") and in_glossary_section:
                glossary.append(GlossaryEntry(text.strip(" •*-"), "", block.page, " > ".join(path), chapter,
                                              "key-terms"))
            continue
        if kind == "sidebar":
            continue  # a boxed feature: kept in the text, never the material's argument
        if any(_INDEX_HEAD.match(h) for h in section_names):
            m = _INDEX_ENTRY.match(text)
            if m:
                glossary.append(GlossaryEntry(m.group("term").strip(), "", block.page, " > ".join(path), chapter,
                                              "index"))
            continue
        if _kind_is(kind, NON_PROSE_KINDS) or any(_SKIP_HEAD.match(h) for h in section_names):
            continue
        exercise = any(_EXERCISE_HEAD.match(h) for h in section_names)
        for line_off, line in _lines(block.text):
            if is_caption(line) or _PAGE_NUM.match(line) or looks_like_reference(line):
                continue
            for off, s in split_sentences(line):
                cut = _glued_heading(s)
                if cut:
                    off, s = off + cut, s[cut:]
                if not _is_prose_sentence(s):
                    continue
                skind = PROSE
                if kind == "quote" or _mostly_quoted(s):
                    skind = QUOTE
                elif s.rstrip().endswith("?") or exercise:
                    skind = QUESTION
                elif kind == "list_item":
                    skind = LIST
                start = block.start + line_off + off
                page = block.page_at(line_off + off) if hasattr(block, "page_at") else block.page
                sentences.append(Sentence(s, page, " > ".join(path), chapter, skind, start, start + len(s)))
    cancel.check()
    if blobs:
        corpus = "\n".join(s.text for s in sentences).casefold()
        for text, page, section, chapter, source in blobs:
            for term, definition in split_glossary_blob(text, lambda phrase: phrase.casefold() in corpus):
                glossary.append(GlossaryEntry(term, definition, page, section, chapter, source))
    marked = len({_key(g.term) for g in glossary})  # a book's glossary is listed whole, however long
    concepts = _rank_concepts(sentences, glossary, emphasis, headings, cancel, max(max_concepts, marked + 100))
    relations = _find_relations(sentences, concepts, cancel)
    return SourceAnalysis(title=doc.title, sentences=sentences, glossary=glossary, concepts=concepts,
                          relations=relations, chapters=chapters)


_QUOTED = re.compile(r"[“\"]([^”\"]{3,})[”\"]")


def _mostly_quoted(s: str) -> bool:
    """A quotation (of a primary text, a speaker): never a definition or a quiz statement."""
    quoted = sum(len(m.group(1)) for m in _QUOTED.finditer(s))
    return quoted >= 0.4 * len(s) or (s[:1] in "“\"" and quoted >= 0.25 * len(s))


_GLUED = re.compile(r"^(?:(?i:chapter|part|unit|lesson|module|section)\s+\d+[\w.]*\s+|\d+(?:\.\d+)+\s+)"
                    r"(?:[\w\-,'’:&.]+\s+){0,14}?(?=(?:A|An|The|In|On|This|These|Those|Each|Every|Most|Many|Some|When|"
                    r"Although|While|If|As|For|Unlike|Because|During|After|Before|Since|It|We|They)\s+[a-z]|"
                    r"[A-Z][a-z]+(?:\s+[a-z]+)?\s+(?:is|are|was|were|refers|means|describes|occurs|can|has|have)\b)")


def _glued_heading(s: str) -> int:
    """Length of a numbered heading a PDF glued to the front of a sentence ('2.1 Growth A population is')."""
    m = _GLUED.match(s)
    if not m:
        return 0
    rest = m.group(0)
    if re.search(r"[.!?]\s", rest):
        return 0
    return m.end()


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            out.append((pos + line.index(stripped[0]), stripped))
        pos += len(line) + 1
    return out


def _rank_concepts(sentences: Sequence[Sentence], glossary: Sequence[GlossaryEntry], emphasis: Counter,
                   headings: Sequence[str], cancel: CancelToken, limit: int) -> list[ConceptInfo]:
    # Two passes over the sentences. The first counts every candidate (a 1,000-page book has ~200,000,
    # most seen once); the second keeps the details (spellings, sections, chapters, mentions) only
    # for the candidates that can still be chosen - seen twice or more, or marked by the glossary, a
    # definition, emphasis or a heading. Same result as one pass that kept details for all of them,
    # ~400 MB less at its peak on that book.
    tf: Counter[str] = Counter()
    defined_keys: set[str] = set()
    sentence_defs: dict[int, list[tuple[str, int]]] = {}
    all_sections: set[str] = set()
    for si, s in enumerate(sentences):
        if si % 2000 == 0:
            cancel.check()
        all_sections.add(s.section)
        tf.update(key for key, _surf in _candidates(s.text) if key)
        if s.kind in (PROSE, LIST):
            found_defs = defined_terms(s.text)
            if found_defs:
                sentence_defs[si] = found_defs
                defined_keys.update(k for k in (_key(term) for term, _rank in found_defs) if k)
    gloss_keys = {k for k in (_key(g.term) for g in glossary) if k}
    heading_keys: set[str] = set()
    titled: set[str] = set()  # a heading that is the term itself ("Utilitarianism", "Food Webs and Energy")
    for h in headings:
        for key, _ in _candidates(h):
            heading_keys.add(key)
        bare = re.sub(r"^\s*(?:(?:chapter|part|unit|section|lesson)\s+)?[\dIVXivx]+(?:\.\d+)*[.:]?\s+", "", h)
        for piece in re.split(r"\s+(?:and|vs\.?|versus|or)\s+|[:;,\u2014\u2013(]|\s-\s", bare):
            k = _key(piece)
            if k and len(k.split()) <= 4 and k.split()[-1] not in STOPWORDS:
                titled.add(k)
    keep = {k for k, n in tf.items() if n >= 2} | defined_keys | gloss_keys | heading_keys | titled | \
        {k for k, n in emphasis.items() if n}
    keep.discard("")

    surface: dict[str, Counter[str]] = defaultdict(Counter)
    sections: dict[str, set[str]] = defaultdict(set)
    chapter_count: dict[str, Counter[str]] = defaultdict(Counter)
    where: dict[str, list[int]] = defaultdict(list)
    defined: dict[str, tuple[int, int]] = {}  # key -> (rank, sentence index)
    for si, s in enumerate(sentences):
        if si % 2000 == 0:
            cancel.check()
        seen: set[str] = set()
        for key, surf in _candidates(s.text):
            if key not in keep:
                continue
            surface[key][surf] += 1
            if key not in seen:
                seen.add(key)
                sections[key].add(s.section)
                chapter_count[key][s.chapter] += 1
                if len(where[key]) < MAX_MENTIONS:
                    where[key].append(si)
        for term, rank in sentence_defs.get(si, ()):
            k = _key(term)
            if k and (k not in defined or rank < defined[k][0]):
                defined[k] = (rank, si)
                if k not in surface:
                    surface[k][term] += 1
    gloss: dict[str, GlossaryEntry] = {}
    for g in glossary:
        k = _key(g.term)
        if not k:
            continue
        prev = gloss.get(k)
        if prev is None or (not prev.definition and g.definition) or (prev.source != "glossary" and
                                                                       g.source == "glossary" and g.definition):
            gloss[k] = g
        surface[k][g.term] += 1
    key_terms_chapter: dict[str, str] = {}
    for g in glossary:
        if g.source == "key-terms" and g.chapter and not _GLOSSARY_HEAD.match(g.chapter):
            key_terms_chapter.setdefault(_key(g.term), g.chapter)
    n_sections = max(1, len(all_sections))
    scored: list[tuple[float, str, list[str]]] = []
    for key in set(tf) | set(gloss) | set(defined):
        words = key.split()
        freq = tf.get(key, 0)
        signals: list[str] = []
        if key in gloss:
            signals.append(gloss[key].source)
        if key in defined:
            signals.append("defined")
        if emphasis.get(key):
            signals.append("emphasis")
        if key in titled:
            signals.append("title")
        elif key in heading_keys:
            signals.append("heading")
        if freq < 2 and not signals:
            continue
        if words[-1] in STOPWORDS or (len(words) == 1 and len(key) < 3):
            continue
        spread = len(sections.get(key, ()))
        score = math.log1p(freq) * (1.0 + math.log1p(spread))
        # A term spread thinly and evenly over everything is generic ("world", "life").
        if spread > 0.5 * n_sections and n_sections >= 6 and freq < 3 * spread:
            score *= 0.5
        score *= 1.0 + 0.3 * (len(words) - 1) if len(words) <= 3 else 0.6
        if words[-1] in GENERIC:
            score *= 0.25 if len(words) == 1 else 0.7
        if any(w in GENERIC for w in words[:-1]):
            score *= 0.7
        if "glossary" in signals:
            score = score * 3.0 + 100.0
        elif "key-terms" in signals:
            score = score * 2.5 + 60.0
        if "index" in signals:
            score = score * 1.5 + 10.0
        if "defined" in signals:
            rank = defined[key][0]
            score = score * (2.5 if rank == 0 else 1.8 if rank == 1 else 1.3) + (8.0 if rank == 0 else 3.0)
        if "emphasis" in signals:
            score = score * 2.0 + 10.0
        if "heading" in signals:
            score *= 1.4
        if "title" in signals:  # a section is named after it: the text treats it as a topic
            score = score * 2.0 + (6.0 if key not in GENERIC else 0.0)
        scored.append((score, key, signals))
    scored.sort(key=lambda x: (-x[0], x[1]))
    not_nouns = _not_nouns([(key, surface[key], where.get(key, [])) for _score, key, signals in scored[:limit]
                            if not {"glossary", "key-terms", "emphasis"} & set(signals) and " " not in key],
                           sentences, cancel)
    if not_nouns:
        scored = [x for x in scored if x[1] not in not_nouns]
    # Names (capitalised mid-sentence: people, places) are not the ideas a guide is about, unless marked.
    scored = [((x[0] * 0.6 if _is_name(surface[x[1]]) and not {"glossary", "key-terms"} & set(x[2]) else x[0]),
               x[1], x[2]) for x in scored]
    scored.sort(key=lambda x: (-x[0], x[1]))

    chosen: list[ConceptInfo] = []
    taken: set[str] = set()
    for score, key, signals in scored:
        if len(chosen) >= limit:
            break
        cancel.check()
        if key in taken:
            continue
        words = key.split()
        strong = bool({"glossary", "key-terms"} & set(signals))
        # a fragment of a longer chosen term ("acid" of "amino acid") adds nothing unless marked itself
        if not strong and len(words) == 1 and any(key in t.split() for t in taken if len(t.split()) > 1) \
                and "defined" not in signals:
            continue
        surf = surface[key]
        if key in gloss:  # the glossary's term, in the case the running text writes it
            gterm = gloss[key].term
            same = [(n, f) for f, n in surf.items() if f.casefold() == gterm.casefold()]
            term = max(same)[1] if same else gterm
        else:
            term = sorted(surf.items(), key=lambda kv: (kv[0].casefold() != key, -kv[1], _case_rank(kv[0]),
                                                        kv[0]))[0][0]
        term = _display_case(term)
        definition = _definition_for(key, term, gloss.get(key), defined.get(key), where.get(key, []), sentences,
                                     sentence_defs)
        chaps = [c for c, _ in sorted(chapter_count.get(key, Counter()).items(), key=lambda kv: (-kv[1], kv[0]))]
        # The chapter a concept belongs to: the one whose key-terms list names it, else the one that
        # defines it, else the one that mentions it most.
        home = key_terms_chapter.get(key) or (sentences[definition.sentence].chapter if definition is not None
                                              and definition.sentence is not None and definition.kind == DEFINED
                                              else "")
        if home:
            chaps = [home] + [c for c in chaps if c != home]
        aliases = sorted({_display_case(a) for a in surf} - {term}, key=lambda a: (len(a), a))[:6]
        chosen.append(ConceptInfo(term=term, key=key, score=round(score, 4), signals=signals, aliases=aliases,
                                  chapters=chaps[:6], mentions=where.get(key, [])[:MAX_MENTIONS],
                                  count=tf.get(key, 0), definition=definition,
                                  kind="name" if _is_name(surf) else "term"))
        taken.add(key)
    return chosen


def _is_name(surf: Counter) -> bool:
    """Written capitalised (not at a sentence start) most of the time: a person, a place, a work."""
    total = sum(surf.values())
    caps = sum(n for f, n in surf.items() if f[:1].isupper() and not f.isupper())
    return total > 0 and caps > 0.6 * total


def _not_nouns(cands: list[tuple[str, Counter, list[int]]], sentences: Sequence[Sentence],
               cancel: CancelToken) -> set[str]:
    """Candidate keys whose head word the tagger reads as something other than a noun ('social',
    'increase', 'eat'); empty when spaCy is not available (then frequency alone decides)."""
    try:
        from harvest_desktop.understand import nlp
        pipeline = nlp.get_nlp()
    except Exception:  # pragma: no cover - the lexical path stands alone
        pipeline = None
    if pipeline is None or not cands:
        return set()
    jobs = []
    for key, surf, mentions in cands:
        form = max(surf.items(), key=lambda kv: kv[1])[0] if surf else key
        if mentions:  # the shortest of its first few sentences: tagging cost grows with length
            si = min(mentions[:5], key=lambda i: len(sentences[i].text))
            jobs.append((key, form, sentences[si].text))
    disable = [p for p in pipeline.pipe_names if p not in ("tok2vec", "tagger", "attribute_ruler")]
    votes: dict[str, list[bool]] = defaultdict(list)
    for (key, form, _text), doc in zip(jobs, pipeline.pipe((t for _k, _f, t in jobs), batch_size=128,
                                                            disable=disable)):
        cancel.check()
        low = form.casefold().split()
        toks = [t for t in doc]
        for i in range(len(toks) - len(low) + 1):
            if [t.lower_ for t in toks[i:i + len(low)]] == low:
                votes[key].append(toks[i + len(low) - 1].pos_ in ("NOUN", "PROPN"))
                break
    return {k for k, v in votes.items() if v and not any(v)}  # one sentence's tag decides


def _case_rank(surface: str) -> int:
    return 0 if surface.islower() else 1


def _display_case(term: str) -> str:
    """Lower a capital that only marks a sentence start ('Photosynthesis' -> 'photosynthesis')."""
    words = term.split()
    if len(words) >= 1 and words[0][:1].isupper() and words[0][1:].islower() and all(
            w.islower() for w in words[1:]) and len(words[0]) > 1:
        return term[:1].lower() + term[1:] if len(words) > 1 else term
    return term


def _definition_for(key: str, term: str, gloss: GlossaryEntry | None, defined: tuple[int, int] | None,
                    mentions: Sequence[int], sentences: Sequence[Sentence],
                    sentence_defs: dict[int, list[tuple[str, int]]]) -> Definition | None:
    if gloss is not None and gloss.definition:
        return Definition(gloss.definition, GLOSSARY, None, gloss.page, gloss.section)
    best: tuple[int, int, int] | None = None  # (rank, length penalty, index)
    if defined is not None and sentences[defined[1]].kind in (PROSE, LIST):
        best = (defined[0], _len_penalty(sentences[defined[1]].text), defined[1])
    for si in mentions:
        s = sentences[si]
        if s.kind not in (PROSE, LIST):
            continue
        rank = defines(s.text, term, sentence_defs.get(si, ()))
        if rank is None:
            continue
        cand = (rank, _len_penalty(s.text), si)
        if best is None or cand < best:
            best = cand
    if best is not None:
        s = sentences[best[2]]
        return Definition(s.text, DEFINED, best[2], s.page, s.section)
    # No defining sentence: the one that best explains it, labelled as such.
    pick: tuple[float, int] | None = None
    pat = re.compile(rf"\b{re.escape(term)}", re.I)
    for si in mentions:
        s = sentences[si]
        if s.kind != PROSE:
            continue
        m = pat.search(s.text)
        if not m:
            continue
        words = len(s.text.split())
        value = (1.0 if m.start() < 40 else 0.5) + (1.0 if 10 <= words <= 40 else 0.3) + \
            (0.5 if re.search(r"\b(?:is|are|means|involves|describes|explains)\b", s.text) else 0.0)
        if pick is None or value > pick[0]:
            pick = (value, si)
    if pick is not None:
        s = sentences[pick[1]]
        return Definition(s.text, EXPLAINED, pick[1], s.page, s.section)
    return None


def _len_penalty(text: str) -> int:
    words = len(text.split())
    return 0 if 8 <= words <= 45 else 1 if words <= 70 else 2


def _find_relations(sentences: Sequence[Sentence], concepts: Sequence[ConceptInfo], cancel: CancelToken,
                    top: int = 150) -> list[RelationInfo]:
    """Typed relations between the top concepts, each with the sentence that states it."""
    focus = concepts[:top]
    if len(focus) < 2:
        return []
    forms: dict[str, str] = {}
    for c in focus:
        for f in [c.term, *c.aliases]:
            if len(f) >= 3:
                forms.setdefault(f.lower(), c.term)
    alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    finder = re.compile(rf"\b(?:{alternation})(?:e?s)?\b", re.I)
    candidate_sentences: set[int] = set()
    for c in focus:
        candidate_sentences.update(c.mentions)
    found: dict[tuple[str, str, str], RelationInfo] = {}
    for n, si in enumerate(sorted(candidate_sentences)):
        if n % 1000 == 0:
            cancel.check()
        s = sentences[si]
        if s.kind not in (PROSE, LIST):
            continue
        present = []
        for m in finder.finditer(s.text):
            word = m.group(0).lower()
            term = forms.get(word) or forms.get(re.sub(r"e?s$", "", word))
            if term:
                present.append((m.start(), m.end(), term))
        if len(present) < 2:
            continue
        for src, dst, label in _relations_in(s.text, present):
            k = (src, dst, label)
            if k in found:
                found[k].weight += 1
            else:
                found[k] = RelationInfo(src, dst, label, si, 1.0)
    return sorted(found.values(), key=lambda r: (-r.weight, r.source, r.target, r.label))


def document_from_passages(title: str, passages: Sequence[Any]) -> Document:
    """A Document rebuilt from stored passages (one block per line), for when the original is gone."""
    blocks = []
    for p in passages:
        path = tuple(h for h in (p.heading_path or "").split(" > ") if h)
        for line in p.text.split("\n"):
            if line.strip():
                blocks.append(Block(text=line.strip(), kind="paragraph", page=p.page, heading_path=path))
    return Document(title=title, blocks=blocks)


def stored_or_new(db, source_id: int, content_hash: str | None, load_document,
                  cancel: CancelToken = NEVER) -> SourceAnalysis | None:
    """The analysis stored for a source (made at harvest time), else one made now from its
    document (`load_document()`) and stored, so the next reader finds it."""
    import time
    from datetime import datetime, timezone

    from harvest_desktop.store.analyses import load_analyses, save_analysis, stored_hash

    h = stored_hash(db, source_id, ANALYSIS_VERSION)
    if h is not None and (not h or not content_hash or h == content_hash):
        data = load_analyses(db, [source_id], ANALYSIS_VERSION).get(source_id)
        if data is not None:
            return SourceAnalysis.from_dict(data)
    doc = load_document()
    if doc is None:
        return None
    t0 = time.perf_counter()
    analysis = analyze_document(doc, cancel=cancel)
    save_analysis(db, source_id, ANALYSIS_VERSION, analysis.to_dict(), content_hash=content_hash or "",
                  created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  seconds=time.perf_counter() - t0)
    return analysis
