"""Rows of orgs, academicSessions, courses, classes and enrollments → records.

- orgs → ``Org``: district, local, state and national own schools
  (``school_owner``), school → ``school``, department → ``department``; an
  unknown or ``ext:`` type is read as a school owner, with a warning.
  ``parent`` is ``parentSourcedId`` as sent, even when it names no org.
- academicSessions give no records; their dates date courses and classes.
- courses → ``Group(kind="course")`` at ``orgSourcedId``, dated by the school year.
- classes: ``scheduled`` → ``Group(kind="subject")`` dated by its terms (earliest
  start, latest end); ``homeroom`` → ``Org(kind="class")`` under its school, or
  under a year node ``<school>/year/<grade>`` (named by the grade, made once)
  when the class has exactly one grade. A deleted homeroom makes no year.
- enrollments → ``Membership`` of the user in the class (group or class node); a
  deleted row that names only its sourcedId → a Membership with that key alone.
"""

from __future__ import annotations

from collections.abc import Iterator

from mapping.records import Group, Membership, Org, Record, RowIssue
from oneroster.columns import CLASS_TYPES, ORG_KINDS, ROLE_WORDS, UNKNOWN_ORG_KIND
from oneroster.rows import Row, Table
from oneroster.state import State


def role_word(row: Row, column: str) -> str:
    """A role as sent; a spec role in another case is counted, an unknown one left to mapping."""
    row.choice(column, ROLE_WORDS)
    return row.text(column)


def org(state: State, row: Row) -> Iterator[Record]:
    """An org row → an Org; its parent is checked once the whole file is read."""
    kind = ORG_KINDS.get(row.choice("type", tuple(ORG_KINDS)) or "")
    if kind is None:
        kind = UNKNOWN_ORG_KIND
        row.issue(
            "warning",
            "invalid_value",
            f"type {row.text('type')!r} is no OneRoster org type; read as a school owner",
        )
    parent = row.text("parentSourcedId")
    if parent:
        state.parents.append((row.line, row.key, parent))
    state.keep("orgs", row.key)
    yield Org(
        row.key, row.text("name"), kind, parent, row.deleted, line=row.line, file=row.table.file
    )


def finish_orgs(state: State, table: Table) -> Iterator[Record | RowIssue]:
    """Check parents now that every org of the file is known (a parent may come later)."""
    for line, key, parent in state.parents:
        found = state.find("orgs", parent)
        if found in ("missing", "maybe"):
            where = "" if found == "missing" else "; it may be in the store already"
            table.issue(
                "warning",
                "unresolved_reference",
                f"parent {parent!r} is not in orgs.csv{where}",
                line,
                key,
            )
    state.parents.clear()
    yield from ()


def session(state: State, row: Row) -> Iterator[Record]:
    """An academicSessions row: no record, only its dates."""
    state.keep("academicSessions", row.key)
    state.sessions[row.key] = (row.date("startDate"), row.date("endDate"))
    yield from ()


def course(state: State, row: Row) -> Iterator[Record]:
    """A course row → a course Group at its org."""
    school, year = row.text("orgSourcedId"), row.text("schoolYearSourcedId")
    state.check(row, "orgs", school, "org")
    state.check(row, "academicSessions", year, "school year")
    begin, end = state.span((year,))
    state.keep("courses", row.key)
    yield Group(
        row.key,
        row.text("title"),
        "course",
        school,
        subjects=row.items("subjects"),
        begin=begin,
        end=end,
        deleted=row.deleted,
        line=row.line,
        file=row.table.file,
    )


def klass(state: State, row: Row) -> Iterator[Record]:
    """A class row → a subject Group (scheduled) or a class node (homeroom)."""
    kind = row.choice("classType", CLASS_TYPES)
    if kind is None:
        row.issue(
            "error",
            "invalid_value",
            f"classType {row.text('classType')!r} is not homeroom or scheduled; row skipped",
        )
        return
    school, course = row.text("schoolSourcedId"), row.text("courseSourcedId")
    state.check(row, "orgs", school, "school")
    state.check(row, "courses", course, "course")
    terms = row.items("termSourcedIds")
    for term in terms:
        state.check(row, "academicSessions", term, "term")
    state.keep("classes", row.key)
    if kind == "homeroom":
        yield from _homeroom(state, row, school)
        return
    begin, end = state.span(terms)
    yield Group(
        row.key,
        row.text("title"),
        "subject",
        school,
        course,
        row.items("subjects"),
        begin,
        end,
        row.deleted,
        line=row.line,
        file=row.table.file,
    )


def _homeroom(state: State, row: Row, school: str) -> Iterator[Record]:
    """A homeroom → a class node, under a year node when it has exactly one grade."""
    grades, parent = row.items("grades"), school
    if len(grades) == 1:
        parent = f"{school}/year/{grades[0]}"
        if not row.deleted and parent not in state.years:
            state.years.add(parent)
            yield Org(parent, grades[0], "year", school, line=row.line, file=row.table.file)
    yield Org(
        row.key, row.text("title"), "class", parent, row.deleted, line=row.line, file=row.table.file
    )


def enrollment(state: State, row: Row) -> Iterator[Record]:
    """An enrollment row → a Membership; in bulk, one naming no known user or class is dropped."""
    user, group = row.text("userSourcedId"), row.text("classSourcedId")
    if row.deleted and not (user and group and row.text("role")):
        yield Membership("", "", "", True, key=row.key, line=row.line, file=row.table.file)
        return  # deleted by its sourcedId alone: the store knows which membership it is
    keep = state.check(row, "users", user, "user", hard=True)
    keep = state.check(row, "classes", group, "class", hard=True) and keep
    state.check(row, "orgs", row.text("schoolSourcedId"), "school")
    if not keep:
        return
    yield Membership(
        user,
        group,
        role_word(row, "role"),
        row.deleted,
        row.flag("primary"),
        row.date("beginDate"),
        row.date("endDate"),
        row.key,
        line=row.line,
        file=row.table.file,
    )
