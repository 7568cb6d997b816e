"""Guards applied before a parser sees untrusted bytes: zip bombs, XML entity tricks, limits."""

from __future__ import annotations

import io
import re
import zipfile

from harvest_desktop.core.errors import BadInput, LimitExceeded
from harvest_desktop.core.settings import HarvestLimits

# Archives smaller than this when unpacked are never refused for their ratio (tiny XML parts
# compress very well and are harmless).
_RATIO_FLOOR_BYTES = 8 * 1024 * 1024
_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB"


def open_zip_checked(data: bytes, limits: HarvestLimits, item: str, kind: str) -> zipfile.ZipFile:
    """Open a zip-based document only if its declared unpacked size and ratio are within limits."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise BadInput(f"the file is not a valid {kind} (it is not a readable zip archive)", item=item,
                       hint="the file may be damaged, truncated, or have the wrong extension") from None
    if len(infos) > 20_000:
        raise LimitExceeded(f"the {kind} holds {len(infos):,} parts, far more than any real document",
                            item=item)
    total = sum(max(0, i.file_size) for i in infos)
    if total > limits.max_decompressed_bytes:
        raise LimitExceeded(
            f"the {kind} unpacks to {_mb(total)}, over the limit of {_mb(limits.max_decompressed_bytes)} "
            "(setting: max decompressed bytes)", item=item)
    ratio = total / max(1, len(data))
    if total > _RATIO_FLOOR_BYTES and ratio > limits.max_zip_ratio:
        raise LimitExceeded(
            f"the {kind} unpacks to {ratio:,.0f} times its size, over the limit of {limits.max_zip_ratio} "
            "(setting: max zip ratio); it looks like a zip bomb", item=item)
    for info in infos:
        if info.flag_bits & 0x1:
            raise BadInput(f"the {kind} is encrypted", item=item,
                           hint="save an unprotected copy and add that instead")
    return zf


def read_member(zf: zipfile.ZipFile, name: str, limits: HarvestLimits, item: str) -> bytes:
    """Read one archive member; its size was already bounded by open_zip_checked."""
    try:
        with zf.open(name) as fh:
            data = fh.read(limits.max_decompressed_bytes + 1)
    except KeyError:
        raise BadInput(f"the archive has no part named {name!r}", item=item,
                       hint="the file may be damaged") from None
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise BadInput(f"a part of the archive cannot be unpacked ({exc})", item=item,
                       hint="the file may be damaged or truncated") from None
    if len(data) > limits.max_decompressed_bytes:
        raise LimitExceeded("a part of the archive is larger than the limit of "
                            f"{_mb(limits.max_decompressed_bytes)} (setting: max decompressed bytes)", item=item)
    return data


def refuse_xml_entities(zf: zipfile.ZipFile, limits: HarvestLimits, item: str, kind: str) -> None:
    """Documents never need to declare XML entities; one that does is an expansion attack."""
    for info in zf.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".xhtml", ".opf", ".ncx", ".htm", ".html")):
            continue
        data = read_member(zf, info.filename, limits, item)
        if _ENTITY_DECL.search(data):
            raise BadInput(f"the {kind} declares XML entities in {info.filename}; refused as a possible "
                           "entity-expansion attack (billion laughs)", item=item)


def parse_xml(data: bytes, item: str, what: str):
    """Parse XML with defusedxml: no DTDs, no entities, no external references."""
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    try:
        return DET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise BadInput(f"{what} uses XML DTDs or entities ({exc.__class__.__name__}); refused as a possible "
                       "entity-expansion attack", item=item) from None
    except ParseError as exc:
        raise BadInput(f"{what} is not well-formed XML ({exc})", item=item,
                       hint="the file may be damaged") from None


def open_package(data: bytes, limits: HarvestLimits, item: str, kind: str, member: str, what: str, *,
                 refuse_entities: bool = True) -> zipfile.ZipFile:
    """Open a zip-based document (DOCX, PPTX, EPUB, ODT) after the size, ratio and entity checks,
    and make sure the member that identifies the format is inside."""
    zf = open_zip_checked(data, limits, item, kind)
    if refuse_entities:
        refuse_xml_entities(zf, limits, item, kind)
    if member not in zf.namelist():
        raise BadInput(f"the file is not {what} (no {member} inside)", item=item,
                       hint="check that the file extension matches its content")
    return zf
