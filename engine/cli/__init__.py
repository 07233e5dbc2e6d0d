"""The `dondoc` command line; `main` is the console entry point."""

from engine.cli import people, rules, run, setup, tasks, web  # noqa: F401  (each registers its commands)
from engine.cli.app import app, main

__all__ = ["app", "main"]
