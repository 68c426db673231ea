"""The hostile corpus: files a careless or hostile world sends, and what each must do.

Nothing here is a binary blob in git: every case builds its file from a few lines.
``python -m tests.hostile.corpus OUT`` writes the whole corpus into the folder OUT.

A case's outcome is the contract: the exit code, the run's state, and the issue code
the report must carry. A failed run leaves the store as it was; a run with row-level
damage applies only the valid records and never expires anyone on the damage's word.
"""

from __future__ import annotations

import base64
import random
import sys
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.ims import xmlfeed as x
from tests.support.packages import nordby

Builder = Callable[[Path], Path]


@dataclass(frozen=True)
class Case:
    """One hostile file and the outcome it must have."""

    name: str
    format: str  # csv | ims | oneroster
    build: Builder  # writes the file into a folder and returns its path
    exit: int  # the command's exit code
    state: str  # failed | applied
    issue: str  # an issue code the report must hold (the one error of a failed run); "": none
    max_mb: int = 0  # peak memory bound in MB, checked in a process of its own when set


# --- good feeds: each case is imported on top of one, into the same source ----------------

CSV_HEADER = "Synkroniseringsnøkkel;Fornavn;Etternavn;Trinn;Klasse"
CSV_ROWS = [f"E{n};Elev{n};Berg;8;8A" for n in range(1, 6)]


def good_csv(folder: Path) -> Path:
    """Five pupils in class 8A of Nordby skole, in the gateway's own CSV."""
    return _write(folder / "elever.csv", "\n".join([CSV_HEADER, *CSV_ROWS]) + "\n")


def _ims_people(count: int = 5) -> list[str]:
    """Nordby skole, class 8A, and ``count`` pupils in it."""
    people = [x.person(f"P{n}", f"Elev{n}", "Berg") for n in range(1, count + 1)]
    members = [x.member(f"P{n}", x.role("01")) for n in range(1, count + 1)]
    return [
        x.group("NORDBY", "Nordby skole", typevalue="school"),
        x.group("8A", "8A", typevalue="class", parent="NORDBY"),
        *people,
        x.membership("8A", *members),
    ]


def good_ims(folder: Path) -> Path:
    """Nordby skole with five pupils in 8A, as a full IMS snapshot."""
    return _write(folder / "nordby.xml", x.feed(*_ims_people(), mode="full"))


def good_oneroster(folder: Path) -> Path:
    """Nordby skole as a OneRoster 1.1 bulk package (a folder)."""
    return nordby(5).write(folder / "good")


GOOD: dict[str, Builder] = {"csv": good_csv, "ims": good_ims, "oneroster": good_oneroster}


def _write(path: Path, data: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


# --- IMS ------------------------------------------------------------------------------------

HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _xml(name: str, data: bytes) -> Builder:
    """A builder writing ``data`` as ``name``."""
    return lambda folder: _write(folder / name, data)


LAUGHS = (
    HEAD
    + b"<!DOCTYPE enterprise [\n <!ENTITY l0 'lol'>\n"
    + b"".join(f" <!ENTITY l{i} '{f'&l{i - 1};' * 10}'>\n".encode() for i in range(1, 10))
    + b"]>\n<enterprise><person><sourcedid><id>1</id></sourcedid><name><fn>&l9;</fn></name>"
    + (b"</person></enterprise>\n")
)
XXE = HEAD + (
    b'<!DOCTYPE enterprise [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    b"<enterprise><person><sourcedid><id>1</id></sourcedid><name><fn>&x;</fn></name>"
    b"</person></enterprise>\n"
)
EXTERNAL_DTD = HEAD + (
    b'<!DOCTYPE enterprise SYSTEM "http://127.0.0.1:9/ims.dtd">\n'
    b"<enterprise><person><sourcedid><id>1</id></sourcedid></person></enterprise>\n"
)
LONG_DOCTYPE = HEAD + b"<!DOCTYPE enterprise [<!--" + b"x" * 70_000 + b"-->]>\n<enterprise/>\n"
DEEP = HEAD + b"<enterprise>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</enterprise>\n"


def _huge_text(folder: Path) -> Path:
    """A person whose name is a 50 MB text node, written without holding it twice."""
    path = folder / "huge-text.xml"
    with path.open("wb") as fh:
        fh.write(HEAD + b"<enterprise><person><sourcedid><id>1</id></sourcedid><name><fn>")
        chunk = b"A" * (1 << 20)
        for _ in range(50):
            fh.write(chunk)
        fh.write(b"</fn></name></person></enterprise>\n")
    return path


def _ims_with(*extra: str) -> bytes:
    """The good IMS world with ``extra`` parts after it."""
    return x.feed(*_ims_people(), *extra, mode="full")


IMS_CASES = [
    Case("ims-billion-laughs", "ims", _xml("laughs.xml", LAUGHS), 1, "failed", "forbidden_dtd"),
    Case("ims-xxe", "ims", _xml("xxe.xml", XXE), 1, "failed", "forbidden_dtd"),
    Case("ims-external-dtd", "ims", _xml("dtd.xml", EXTERNAL_DTD), 1, "failed", "forbidden_dtd"),
    Case(
        "ims-long-doctype", "ims", _xml("doctype.xml", LONG_DOCTYPE), 1, "failed", "forbidden_dtd"
    ),
    Case("ims-deep-nesting", "ims", _xml("deep.xml", DEEP), 1, "failed", "malformed_xml"),
    Case("ims-huge-text", "ims", _huge_text, 1, "failed", "xml_value_too_large", max_mb=300),
    Case(
        "ims-wrong-encoding",
        "ims",
        _xml("latin1.xml", x.feed(x.person("P1", "Åse", "Ødegård")).replace(b"\xc3\x85", b"\xc5")),
        1,
        "failed",
        "malformed_xml",
    ),
    Case("ims-truncated", "ims", _xml("cut.xml", _ims_with()[:-200]), 1, "failed", "truncated_xml"),
    Case(
        "ims-nul-byte",
        "ims",
        _xml("nul.xml", _ims_with().replace(b"Elev2", b"El\0ev2")),
        1,
        "failed",
        "malformed_xml",
    ),
    Case("ims-empty", "ims", _xml("empty.xml", b""), 1, "failed", "empty_document"),
    Case(
        "ims-duplicate-key",
        "ims",
        _xml("dup.xml", _ims_with(x.person("P1", "Other", "Person"))),
        0,
        "applied",
        "duplicate_key",
    ),
    Case(
        "ims-org-cycle",
        "ims",
        _xml(
            "cycle.xml",
            _ims_with(
                x.group("C1", "C1", typevalue="school", parent="C2"),
                x.group("C2", "C2", typevalue="school", parent="C1"),
            ),
        ),
        0,
        "applied",
        "parent_cycle",
    ),
]


# --- OneRoster ------------------------------------------------------------------------------


def _members(folder: Path) -> dict[str, bytes]:
    """The files of the good package, by name."""
    good = good_oneroster(folder / "parts")
    return {p.name: p.read_bytes() for p in sorted(good.iterdir())}


def _zip(name: str, change: Callable[[dict[str, bytes]], dict[str, bytes]]) -> Builder:
    """A builder writing the good package, changed by ``change``, as the zip ``name``."""

    def build(folder: Path) -> Path:
        path = folder / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for member, data in change(_members(folder)).items():
                zf.writestr(zipfile.ZipInfo(member), data, compress_type=zipfile.ZIP_DEFLATED)
        return path

    return build


def _encrypted(folder: Path) -> Path:
    """The good package with every member flagged as encrypted (as a password zip is)."""
    path = _zip("encrypted.zip", dict)(folder)
    data = bytearray(path.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            data[at + flags_at] |= 0x01
            at = data.find(signature, at + 4)
    return _write(path, bytes(data))


def _truncated(folder: Path) -> Path:
    """The good package's zip cut in half."""
    path = _zip("cut.zip", dict)(folder)
    return _write(path, path.read_bytes()[: path.stat().st_size // 2])


def _users(change: Callable[[bytes], bytes]) -> Callable[[dict[str, bytes]], dict[str, bytes]]:
    """Change users.csv of a package."""
    return lambda files: {**files, "users.csv": change(files["users.csv"])}


def _wide(data: bytes) -> bytes:
    """users.csv with 10,000 extra columns in its header."""
    header, rest = data.split(b"\n", 1)
    return header + b"".join(b",x%d" % i for i in range(10_000)) + b"\n" + rest


def _duplicate_user(data: bytes) -> bytes:
    """users.csv with its first user's row repeated under another name."""
    lines = data.split(b"\n")
    return b"\n".join([*lines[:2], lines[1].replace(b"Marit", b"Other"), *lines[2:]])


def _cycle(files: dict[str, bytes]) -> dict[str, bytes]:
    """Two orgs that are each other's parent."""
    orgs = files["orgs.csv"].rstrip(b"\n") + (
        b"\nC1,,,Cycle 1,school,,C2\nC2,,,Cycle 2,school,,C1\n"
    )
    return {**files, "orgs.csv": orgs}


ONEROSTER_CASES = [
    Case(
        "or-path-traversal",
        "oneroster",
        _zip("up.zip", lambda f: {**f, "../evil.csv": b"x\n"}),
        1,
        "failed",
        "zip_path_traversal",
    ),
    Case(
        "or-absolute-name",
        "oneroster",
        _zip("abs.zip", lambda f: {**f, "/etc/evil.csv": b"x"}),
        1,
        "failed",
        "zip_path_traversal",
    ),
    Case(
        "or-nested-zip",
        "oneroster",
        _zip("nest.zip", lambda f: {**f, "inner.zip": b"PK\x03\x04"}),
        1,
        "failed",
        "zip_nested",
    ),
    Case(
        "or-10000-entries",
        "oneroster",
        _zip("many.zip", lambda f: {**f, **{f"x{i}.txt": b"" for i in range(10_000)}}),
        1,
        "failed",
        "zip_bomb",
    ),
    Case(
        "or-ratio-bomb",
        "oneroster",
        _zip("bomb.zip", lambda f: {**f, "users.csv": bytes(50 << 20)}),
        1,
        "failed",
        "zip_bomb",
        max_mb=300,
    ),
    Case("or-encrypted", "oneroster", _encrypted, 1, "failed", "zip_corrupt"),
    Case("or-truncated", "oneroster", _truncated, 1, "failed", "zip_corrupt"),
    Case(
        "or-10000-columns",
        "oneroster",
        _zip("wide.zip", _users(_wide)),
        0,
        "applied",
        "unknown_columns",
    ),
    Case(
        "or-nul-byte",
        "oneroster",
        _zip("nul.zip", _users(lambda d: d.replace(b"Marit", b"Ma\0rit"))),
        0,
        "applied",
        "control_character",
    ),
    Case(
        "or-duplicate-key",
        "oneroster",
        _zip("dup.zip", _users(_duplicate_user)),
        0,
        "applied",
        "duplicate_key",
    ),
    Case("or-org-cycle", "oneroster", _zip("cycle.zip", _cycle), 0, "applied", "parent_cycle"),
]


# --- the gateway's CSV ----------------------------------------------------------------------


def _csv(name: str, lines: list[str], encoding: str = "utf-8") -> Builder:
    """A builder writing the good CSV's header and ``lines``."""
    text = "\n".join([CSV_HEADER, *lines]) + "\n"
    return lambda folder: _write(folder / name, text.encode(encoding))


CSV_CASES = [
    Case(
        "csv-nul-byte",
        "csv",
        _csv("nul.csv", [*CSV_ROWS[:2], "E3;El\0ev3;Berg;8;8A"]),
        0,
        "applied",
        "control_character",
    ),
    Case(
        "csv-10000-columns",
        "csv",
        lambda folder: _write(
            folder / "wide.csv",
            ";".join([CSV_HEADER, *(f"x{i}" for i in range(10_000))])
            + "\n"
            + "\n".join(CSV_ROWS)
            + "\n",
        ),
        0,
        "applied",
        "unknown_columns",
    ),
    Case(
        "csv-duplicate-key",
        "csv",
        _csv("dup.csv", [*CSV_ROWS, "E1;Other;Person;8;8A"]),
        0,
        "applied",
        "duplicate_key",
    ),
    Case(
        "csv-windows-1252",
        "csv",
        _csv("ansi.csv", [*CSV_ROWS, "E6;Åse;Ødegård;8;8A"], "cp1252"),
        1,
        "failed",
        "not_utf8",
    ),
]

# --- damage the engine once let through (issue 10) ------------------------------------------


def _stray_quote_csv(folder: Path) -> Path:
    """A stray quote on the second pupil's line: one row lost, not the rest of the file."""
    rows = [*CSV_ROWS[:1], 'E2;"Elev2;Berg;8;8A', *CSV_ROWS[2:]]
    return _write(folder / "quote.csv", "\n".join([CSV_HEADER, *rows]) + "\n")


def _long_line_csv(folder: Path) -> Path:
    """A line past the 1 MiB cap: the file fails before the line is held."""
    return _write(folder / "long.csv", "\n".join([CSV_HEADER, "E9;" + "x" * (2 << 20)]) + "\n")


def _linked_users(folder: Path) -> Path:
    """A package folder whose users.csv is a link to a file outside it."""
    package = good_oneroster(folder / "linked")
    (package / "users.csv").unlink()
    (package / "users.csv").symlink_to("/etc/passwd")
    return package


def _two_users(folder: Path) -> Path:
    """A zip holding users.csv twice."""
    path = folder / "twice.zip"
    files = _members(folder)
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as zf:
        warnings.simplefilter("ignore")  # zipfile warns of the very duplicate this case is
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("users.csv", files["users.csv"])
    return path


def _no_central_directory(folder: Path) -> Path:
    """The good package's zip without its central directory."""
    path = _zip("headless.zip", dict)(folder)
    data = path.read_bytes()
    return _write(path, data[: data.index(b"PK\x01\x02")])


def _huge_line_zip(folder: Path) -> Path:
    """users.csv with one 4 MiB line of random text (a bomb check would catch repetition)."""
    path = folder / "huge-line.zip"
    files = _members(folder)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            if name != "users.csv":
                zf.writestr(name, data)
        with zf.open("users.csv", "w") as out:
            out.write(files["users.csv"].split(b"\n", 1)[0] + b"\nU9,")
            out.write(base64.b64encode(random.Random(9).randbytes(3 << 20)))
    return path


DAMAGE_CASES = [
    Case("csv-stray-quote", "csv", _stray_quote_csv, 0, "applied", "stray_quote"),
    Case("csv-cr-line-ends", "csv", lambda folder: _write(
        folder / "cr.csv", "\r".join([CSV_HEADER, *CSV_ROWS]) + "\r"
    ), 0, "applied", ""),
    Case("csv-line-too-long", "csv", _long_line_csv, 1, "failed", "line_too_long"),
    Case("or-linked-file", "oneroster", _linked_users, 1, "failed", "package_link"),
    Case("or-duplicate-entry", "oneroster", _two_users, 1, "failed", "zip_duplicate"),
    Case("or-no-central-directory", "oneroster", _no_central_directory, 1, "failed",
         "zip_corrupt"),
    Case("or-stray-quote", "oneroster",
         _zip("quote.zip", _users(lambda d: d.replace(b",Ola,", b',"Ola,', 1))),
         0, "applied", "quote_spans_rows"),
    Case("or-huge-line", "oneroster", _huge_line_zip, 1, "failed", "line_too_long", max_mb=300),
    Case("or-bom-inside", "oneroster",
         _zip("bom.zip", _users(lambda d: d.replace(b"\nP2,", b"\n\xef\xbb\xbfP2,"))),
         0, "applied", "bom_inside"),
    Case("ims-bare-ampersand", "ims",
         _xml("amp.xml", _ims_with(x.group("ARTS", "Arts & Crafts", typevalue="school"))),
         0, "applied", "xml_bare_ampersand"),
    Case("ims-utf8-under-latin1", "ims",
         _xml("mixed.xml", x.feed(*_ims_people(), x.person("P9", "Åse", "Ødegård"), mode="full")
              .replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')),
         0, "applied", "encoding_mismatch"),
    Case("ims-name-too-long", "ims",
         _xml("long-name.xml", _ims_with(x.person("P9", "A" * 300, "Berg"))),
         0, "applied", "value_too_long"),
]  # fmt: skip


CASES = {case.name: case for case in (*IMS_CASES, *ONEROSTER_CASES, *CSV_CASES, *DAMAGE_CASES)}


def main(out: str) -> None:
    """Write every case's file into the folder ``out``."""
    for case in CASES.values():
        folder = Path(out) / case.name
        folder.mkdir(parents=True, exist_ok=True)
        print(case.build(folder))


if __name__ == "__main__":
    main(sys.argv[1])
