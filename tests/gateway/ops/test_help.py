"""Every command, subcommand and option of the CLI says what it is for."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from gateway.cli import parser


def _undocumented(p: argparse.ArgumentParser) -> Iterator[str]:
    """The arguments and subcommands under ``p`` without help text, by their full names."""
    for action in p._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        name = "/".join(action.option_strings) or action.dest
        if not action.help:
            yield f"{p.prog} {name}"
        if isinstance(action, argparse._SubParsersAction):
            helped = {choice.dest for choice in action._choices_actions if choice.help}
            for command, sub in action.choices.items():
                if command not in helped:
                    yield sub.prog
                yield from _undocumented(sub)


def test_every_argument_and_command_has_help() -> None:
    assert list(_undocumented(parser())) == []


def test_settings_help_lists_the_settings() -> None:
    text = _subparser("settings").format_help()
    assert "sync_guardians" in text and "allow_manual_members" in text


def test_usernames_help_explains_its_modes() -> None:
    text = _subparser("import").format_help()
    assert "generate-if-taken" in text and "kept as sent" in text


def test_columns_help_points_to_the_file_format() -> None:
    assert "README" in _subparser("import").format_help()


def _subparser(name: str) -> argparse.ArgumentParser:
    """One command's parser."""
    commands = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices[name]
