"""The `rota` command. Tables for people, `--json` (the API's own shapes) for scripts.

Each module of this package adds the commands of one topic to the group in `base`.
"""

from api.cli import adjust, core, feeds, reminders, swaps, tokens
from api.cli.base import main

__all__ = ["adjust", "core", "feeds", "main", "reminders", "swaps", "tokens"]
