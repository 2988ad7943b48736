"""HTTP routes: each parses input, loads through a repository, calls the core, answers a schema."""
