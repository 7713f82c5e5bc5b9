"""Help texts as people read them: docstrings are wrapped at 88 columns in the source,
but a help screen must reflow them to the terminal, so every paragraph is made one line
here (otherwise the source's line breaks show up in the middle of sentences)."""

from __future__ import annotations

import inspect

import typer


def reflow(text: str) -> str:
    """Each paragraph of ``text`` on one line; paragraphs stay apart."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def tidy_help(app: typer.Typer) -> None:
    """Reflow the help of every command and group of ``app``, recursively."""
    for command in app.registered_commands:
        text = command.help or (command.callback.__doc__ if command.callback else None)
        if text:
            command.help = reflow(text)
    for group in app.registered_groups:
        if group.help:
            group.help = reflow(str(group.help))
        if group.typer_instance is not None:
            info = group.typer_instance.info
            if isinstance(info.help, str):
                info.help = reflow(info.help)
            tidy_help(group.typer_instance)
    if isinstance(app.info.help, str):
        app.info.help = reflow(app.info.help)
