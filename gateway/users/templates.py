"""The access e-mail in each language the gateway writes it in (nb, sv, en: access_mail.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.resources import files


@dataclass(frozen=True)
class Template:
    """The words of one language's access e-mail."""

    subject: str
    greeting: str
    intro: str
    username: str
    password: str
    given: str  # instead of a password: the one the school gave
    change: str
    signin: str
    closing: str


def _load() -> dict[str, Template]:
    """Each language's words, from the data file beside this module."""
    text = files(__package__).joinpath("access_mail.toml").read_text(encoding="utf-8")
    return {language: Template(**words) for language, words in tomllib.loads(text).items()}


TEMPLATES = _load()


def body(
    language: str, name: str, username: str, password: str | None, must_change: bool, url: str
) -> tuple[str, str]:
    """The subject and text of an access e-mail."""
    words = TEMPLATES.get(language, TEMPLATES["en"])
    lines = [words.greeting.format(name=name), "", words.intro, ""]
    lines.append(words.username.format(username=username))
    lines.append(words.password.format(password=password) if password else words.given)
    if password and must_change:
        lines += ["", words.change]
    if url:
        lines += ["", words.signin.format(url=url)]
    lines += ["", words.closing, ""]
    return words.subject, "\n".join(lines)
