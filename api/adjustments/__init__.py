"""Lead adjustments (SPEC section 4): time off, overrides and swaps.

Each module holds one kind's rules and writes; the HTTP routes and the CLI both call them, so both
check the same things and record the same audit entries.
"""
