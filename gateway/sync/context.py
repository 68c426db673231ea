"""The working state shared by the per-entity planners of one plan."""

from __future__ import annotations

from collections import Counter

from gateway.sync.changes import Plan, Policy, Ref
from gateway.sync.desired import Desired
from gateway.sync.scope import covers
from gateway.sync.state import Snapshot
from gateway.sync.tree import Tree
from mapping.profiles import Profile
from mapping.records import ENTITIES, Person, RowIssue, Severity
from mapping.settings import SchoolSettings
from mapping.usernames import Usernames

# What a school outside the source's schools gets: nothing syncs there, and nothing is removed.
OUT_OF_SCOPE = SchoolSettings(auto_sync=False)


class Context:
    """The working state shared by the per-entity planners of one plan."""

    def __init__(self, desired: Desired, snapshot: Snapshot, policy: Policy) -> None:
        self.desired = desired
        self.snapshot = snapshot
        self.policy = policy
        self.tree = Tree(snapshot, desired.orgs)
        self.plan = Plan(snapshot.source_id, snapshot.revision, welcome=policy.welcome)
        self.refs: dict[str, dict[str, Ref]] = {e: {} for e in ENTITIES}
        self.blocked: Counter[tuple[str, str, str]] = Counter()
        self.skipped_persons: set[str] = set()
        self.expiring: set[int] = set()
        self.ignored_removals = 0
        self.usernames = Usernames(set(snapshot.usernames))
        self._settings: dict[str, SchoolSettings] = {}
        self.matched_roles: dict[
            tuple[str, ...], tuple[Profile | None, list[str], list[Profile]]
        ] = {}
        self.school_rules: dict[
            tuple[frozenset[str], str], tuple[tuple[str, str] | None, bool]
        ] = {}
        self._group_schools: dict[str, str] = {}
        self._in_scope: dict[str | int, bool] = {}

    def issue(
        self,
        severity: str,
        code: str,
        entity: str,
        key: str,
        message: str,
        line: int | None = None,
        file: str = "",
        skipped: int = 0,
    ) -> None:
        """Add an issue to the plan; ``skipped``: how many records of the entity it explains."""
        issue = RowIssue(severity, code, message, entity, key, line, file, skipped)  # type: ignore[arg-type]
        self.plan.issues.append(issue)

    def about(
        self, person: Person, severity: Severity, code: str, message: str, skipped: int = 0
    ) -> None:
        """Add an issue about a person's account, pointing at where the feed sent it."""
        self.issue(
            severity, code, "accounts", person.key, message, person.line, person.file, skipped
        )

    def school_id(self, school: str) -> int | None:
        """The stored id of a school node by key."""
        stored = self.snapshot.nodes.get(school)
        return stored.id if stored else None

    def in_scope(self, school: str) -> bool:
        """Whether the run's source may write to a school, by key.

        What belongs to no school ("": an owner above the schools, a person not placed yet, a
        district's course) is in no other school either: the source's own records stay its own.
        """
        if not self.policy.schools or not school:
            return True
        if school not in self._in_scope:
            stored = self.snapshot.nodes.get(school)
            if stored is not None:
                self._in_scope[school] = self.id_in_scope(stored.id)
            else:
                name, path = self.tree.name(school), self.tree.path(school)
                self._in_scope[school] = covers(self.policy.schools, school, name, path)
        return self._in_scope[school]

    def id_in_scope(self, school_id: int | None) -> bool:
        """Whether the run's source may write to a stored school, by id (None: no school)."""
        if not self.policy.schools or school_id is None:
            return True
        if school_id not in self._in_scope:
            node = self.snapshot.nodes_by_id.get(school_id)
            self._in_scope[school_id] = node is not None and covers(
                self.policy.schools, node.key, node.name, self.snapshot.path_of(school_id)
            )
        return self._in_scope[school_id]

    def node_in_scope(self, key: str) -> bool:
        """Whether a node the feed places someone at lies in the source's schools."""
        return (
            not self.policy.schools or key not in self.tree or self.in_scope(self.tree.school(key))
        )

    def settings(self, school: str) -> SchoolSettings:
        """The sync settings of a school by key (its preset or the defaults for a new one)."""
        if school not in self._settings:
            school_id = self.school_id(school)
            if not self.in_scope(school):
                found = OUT_OF_SCOPE
            elif school_id is None and school:
                found = self.snapshot.new_school_settings(school, self.tree.name(school))
            else:
                found = self.settings_by_id(school_id)
            self._settings[school] = found
        return self._settings[school]

    def settings_by_id(self, school_id: int | None) -> SchoolSettings:
        """The sync settings of a stored school (defaults when none are stored)."""
        if not self.id_in_scope(school_id):
            return OUT_OF_SCOPE
        if school_id is None:
            return SchoolSettings()
        return self.snapshot.settings.get(school_id) or SchoolSettings()

    def block(self, entity: str, school: str, setting: str, count: int = 1) -> None:
        """Count records skipped because a school's setting is off, or it is out of scope."""
        if not self.in_scope(school):
            setting = "scope"
        self.plan.changes[entity].skipped += count
        self.blocked[(entity, school, setting)] += count

    def removal_allowed(self) -> bool:
        """Whether the feed may remove what it says is gone; counts what it may not."""
        allowed = self.policy.removals and not self.policy.additions_only
        if not allowed:
            self.ignored_removals += 1
        return allowed

    def skip_person(self, key: str) -> None:
        """Note that a person is not synced, so their memberships and links are skipped too."""
        self.skipped_persons.add(key)

    def is_placement(self, key: str) -> bool:
        """Whether a membership's target is a node other than a class (a placement)."""
        groups = (self.desired.groups, self.snapshot.groups)
        return (
            all(key not in g for g in groups)
            and key in self.tree
            and self.tree.kind(key) != "class"
        )

    def group_school(self, key: str) -> str:
        """The key of the school a membership target (group or node) belongs to."""
        if key not in self._group_schools:
            self._group_schools[key] = self._find_group_school(key)
        return self._group_schools[key]

    def _find_group_school(self, key: str) -> str:
        """Look up the school of a group or node by key, in the feed then the store."""
        group = self.desired.groups.get(key)
        if group is not None:
            return self.tree.school(group.school) if group.school in self.tree else ""
        if key in self.tree:
            return self.tree.school(key)
        stored = self.snapshot.groups.get(key)
        school = self.snapshot.nodes_by_id.get(stored.school_id or 0) if stored else None
        return school.key if school else ""

    def may_remove(self, schools: frozenset[int], category: str) -> bool:
        """Whether a stored record at these schools may be expired or removed by this run."""
        syncs = [self.settings_by_id(s).syncs(category, self.policy.today) for s in schools]  # type: ignore[arg-type]
        return not syncs or any(not why for why in syncs)

    def summarise_blocked(self) -> None:
        """Turn the per-school skip counts into one info issue each."""
        if self.ignored_removals and self.policy.additions_only:
            self.issue(
                "info",
                "additions_only",
                "",
                "",
                f"{self.ignored_removals} removal(s) the feed asked for were not made: the "
                f"source is in its additions-only window {self.policy.additions_only}",
            )
        elif self.ignored_removals:
            self.issue(
                "info",
                "removals_off",
                "",
                "",
                f"{self.ignored_removals} removal(s) the feed asked for were not made: "
                "this source may not remove anything",
            )
        for (entity, school, setting), count in sorted(self.blocked.items()):
            name = self.tree.name(school) if school else "the site"
            if setting == "scope":
                self._out_of_scope(entity, school, count)
                continue
            why = "auto_sync is off" if setting == "auto_sync" else f"{setting} is off"
            if setting == "guardians_from":
                when = self.settings(school).guardians_from
                why = f"guardians are synced from {when}"
            message = f"{count} {entity} at {name} skipped: {why}"
            self.issue("info", "setting_off", entity, school, message, skipped=count)

    def _out_of_scope(self, entity: str, school: str, count: int) -> None:
        """One error for the records of a school the source may not write to (or, in a run
        for one school, one note for another school's records, left alone)."""
        if self.policy.only_school:
            message = (
                f"{count} {entity} at {self.tree.name(school)} left alone: "
                f"this run is for {self.policy.only_school} only"
            )
            self.issue("info", "other_school", entity, school, message, skipped=count)
            return
        allowed = ", ".join(self.policy.schools)
        name = self.tree.name(school)
        message = f"{count} {entity} at {name} skipped: outside this source's schools ({allowed})"
        self.issue("error", "out_of_scope", entity, school, message, skipped=count)
