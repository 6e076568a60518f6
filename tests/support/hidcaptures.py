"""Real USB HID UPS captures (tests/data/usbhid/*.txt) as typed records.

Each file holds what one real device sent, as NUT's usbhid-ups logged it in a
public bug report: the report descriptor, the report bytes, the decoded
``Path:`` lines and, where the reporter posted it, ``upsc`` output.  The file
format is described in tests/data/usbhid/README.md; this module only reads
it.  Nothing here is invented: a report whose bytes were not logged is simply
absent, and bytes are kept exactly as logged (report id first when the device
uses report ids).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "usbhid"

# NUT logs "Report[get]" (a GET_REPORT answer), "Report[buf]" (the same bytes
# replayed from its cache) and "Report[int]" (an interrupt-in transfer).
REPORT_KINDS = ("get", "buf", "int")
PATH_KINDS = ("Input", "Output", "Feature")

_PATH_RE = re.compile(
    r"^(?P<path>\S+), Type: (?P<kind>Input|Output|Feature), "
    r"ReportID: 0x(?P<rid>[0-9a-fA-F]+), Offset: (?P<offset>\d+), "
    r"Size: (?P<size>\d+), Value: (?P<value>\S+)$"
)


class CaptureFormatError(ValueError):
    """A capture file does not follow the format (file name and line number)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PathLine:
    """One ``Path: ...`` line as NUT printed it: a decoded field value."""

    path: str  # "UPS.PowerSummary.RemainingCapacity"; vendor usages as NUT prints them
    kind: str  # "Input" | "Output" | "Feature"
    report_id: int
    offset: int  # bits, not counting the report-id byte
    size: int  # bits
    value: float  # NUT prints "%g"
    text: str  # the value as printed, for exact comparisons
    report: bytes | None = None
    """The bytes of the last report line with this id logged before this line.

    NUT logs the report it decoded just before the Path line, so these are the
    bytes the value came from; None when that report line was not captured.
    """


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportLine:
    """One ``Report[kind]: (n bytes) => ...`` line: bytes the device returned."""

    kind: str  # "get" | "buf" | "int"
    report_id: int
    data: bytes  # as logged: report id first when the device uses ids


@dataclass(frozen=True, slots=True, kw_only=True)
class Capture:
    """Everything one capture file records about one real device."""

    name: str  # file stem, e.g. "apc-back-ups-es-850g2"
    device: str
    manufacturer: str
    source: tuple[str, ...]
    vendorid: int
    productid: int
    strings: Mapping[str, str]  # "vendor", "product", "serial" as NUT logged them
    nut_version: str | None
    subdriver: str | None
    descriptor: bytes
    descriptor_length: int  # the length NUT logged ("Report Descriptor size = N")
    report_log: tuple[ReportLine, ...]
    paths: tuple[PathLine, ...]
    upsc: Mapping[str, str]
    notes: tuple[str, ...] = ()
    reports: Mapping[tuple[str, int], bytes] = field(default_factory=dict)
    """First logged bytes per ("feature" | "interrupt", report id).

    "feature" holds GET_REPORT answers (NUT's get, or buf when the get itself
    fell outside the logged excerpt: buf replays those very bytes); "interrupt"
    holds interrupt-in transfers.
    """

    def path_lines(self, path: str) -> tuple[PathLine, ...]:
        return tuple(p for p in self.paths if p.path == path)


def _hex(text: str, where: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError as exc:
        raise CaptureFormatError(f"{where}: bad hex: {exc}") from None


def parse(text: str, *, name: str) -> Capture:
    """Parse one capture file's text."""
    header: dict[str, list[str]] = {}
    descriptor = bytearray()
    report_log: list[ReportLine] = []
    paths: list[PathLine] = []
    upsc: dict[str, str] = {}
    block: str | None = None
    descriptor_length: int | None = None
    last_report: dict[int, bytes] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        where = f"{name}:{lineno}"
        line = raw.rstrip()
        if not line or line.lstrip().startswith("#"):
            continue
        if raw[0] in " \t":
            body = line.strip()
            if block == "descriptor":
                descriptor += _hex(body, where)
            elif block == "upsc":
                key, sep, value = body.partition(": ")
                if not sep and body.endswith(":"):
                    key, value = body[:-1], ""
                elif not sep:
                    raise CaptureFormatError(f"{where}: upsc line without ': '")
                upsc[key] = value
            else:
                raise CaptureFormatError(f"{where}: indented line outside a block")
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise CaptureFormatError(f"{where}: expected 'key: value'")
        value = value.strip()
        block = None
        if key == "descriptor":
            descriptor_length = int(value)
            block = "descriptor"
        elif key == "upsc":
            block = "upsc"
        elif key == "report":
            kind, _, hexdata = value.partition(" ")
            if kind not in REPORT_KINDS:
                raise CaptureFormatError(f"{where}: report kind {kind!r}")
            data = _hex(hexdata, where)
            if not data:
                raise CaptureFormatError(f"{where}: empty report")
            report_log.append(ReportLine(kind=kind, report_id=data[0], data=data))
            last_report[data[0]] = data
        elif key == "path":
            m = _PATH_RE.match(value)
            if m is None:
                raise CaptureFormatError(f"{where}: not a NUT Path line: {value!r}")
            paths.append(
                PathLine(
                    path=m["path"],
                    kind=m["kind"],
                    report_id=int(m["rid"], 16),
                    offset=int(m["offset"]),
                    size=int(m["size"]),
                    value=float(m["value"]),
                    text=m["value"],
                    report=last_report.get(int(m["rid"], 16)),
                )
            )
        else:
            header.setdefault(key, []).append(value)

    def one(key: str, default: str | None = None) -> str | None:
        values = header.get(key)
        if not values:
            return default
        if len(values) > 1:
            raise CaptureFormatError(f"{name}: {key} given {len(values)} times")
        return values[0]

    def required(key: str) -> str:
        value = one(key)
        if value is None:
            raise CaptureFormatError(f"{name}: no {key}")
        return value

    if descriptor_length is None:
        raise CaptureFormatError(f"{name}: no descriptor")
    if not header.get("source"):
        raise CaptureFormatError(f"{name}: no source")
    reports: dict[tuple[str, int], bytes] = {}
    for kind in ("get", "buf", "int"):  # a get wins over a buf of the same id
        for rep in report_log:
            if rep.kind == kind:
                slot = ("interrupt" if kind == "int" else "feature", rep.report_id)
                reports.setdefault(slot, rep.data)
    strings = {k: v for k in ("vendor", "product", "serial") if (v := one(k)) is not None}
    return Capture(
        name=name,
        device=required("device"),
        manufacturer=required("manufacturer"),
        source=tuple(header["source"]),
        vendorid=int(required("vendorid"), 16),
        productid=int(required("productid"), 16),
        strings=MappingProxyType(strings),
        nut_version=one("nut_version"),
        subdriver=one("subdriver"),
        descriptor=bytes(descriptor),
        descriptor_length=descriptor_length,
        report_log=tuple(report_log),
        paths=tuple(paths),
        upsc=MappingProxyType(upsc),
        notes=tuple(header.get("note", ())),
        reports=MappingProxyType(reports),
    )


def names() -> list[str]:
    """Every capture's name, sorted."""
    return sorted(p.stem for p in DATA_DIR.glob("*.txt"))


def load(name: str) -> Capture:
    """Load tests/data/usbhid/<name>.txt."""
    path = DATA_DIR / f"{name}.txt"
    return parse(path.read_text(encoding="utf-8"), name=name)


def all_captures() -> list[Capture]:
    return [load(n) for n in names()]
