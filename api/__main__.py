"""`python -m api` is the `rota` command."""

from api.cli import main

main()
