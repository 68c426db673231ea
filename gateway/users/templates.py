"""The access e-mail in each language the gateway writes it in (nb, sv, en)."""

from __future__ import annotations

from dataclasses import dataclass


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


TEMPLATES = {
    "nb": Template(
        subject="Brukernavn og passord",
        greeting="Hei, {name}!",
        intro="Her er tilgangen din.",
        username="Brukernavn: {username}",
        password="Engangspassord: {password}",
        given="Passord: det du har fått fra skolen",
        change="Du må velge et nytt passord første gang du logger inn.",
        signin="Logg inn her: {url}",
        closing="Hilsen skolen",
    ),
    "sv": Template(
        subject="Användarnamn och lösenord",
        greeting="Hej, {name}!",
        intro="Här är dina inloggningsuppgifter.",
        username="Användarnamn: {username}",
        password="Engångslösenord: {password}",
        given="Lösenord: det du har fått av skolan",
        change="Du måste välja ett nytt lösenord första gången du loggar in.",
        signin="Logga in här: {url}",
        closing="Hälsningar, skolan",
    ),
    "en": Template(
        subject="Your username and password",
        greeting="Hello {name},",
        intro="Here is how you sign in.",
        username="Username: {username}",
        password="One-time password: {password}",
        given="Password: the one your school gave you",
        change="You must choose a new password the first time you sign in.",
        signin="Sign in here: {url}",
        closing="Your school",
    ),
}


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
