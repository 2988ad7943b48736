"""`python -m api` is the `rota` command."""

from api.launch import main

main()
