"""SQL LIKE patterns (Ransack's ``matches``): as regular expressions, or checked for ``LIKE``."""


def like_to_regex(pattern: str, *, python: bool = False) -> str:
    """A SQL LIKE pattern as an anchored, case-sensitive regex (the lookup adds the case).

    ``%`` is any run of characters, ``_`` one character, ``\\`` makes the next one literal;
    every other non-alphanumeric character is backslash-escaped, literal in both PostgreSQL's
    and Python's dialects. PostgreSQL's engine does not backtrack, but Python's (SQLite's
    ``REGEXP``) would on ``%a%a%a…``: with ``python=True`` every segment between two ``%``
    matches at its earliest place inside an atomic group, which is enough for fixed-length
    segments and keeps the match linear; ``.`` also matches newlines and ``\\Z`` ends there.
    """
    segments: list[list[str]] = [[]]
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            segments[-1].append(_regex_literal(next(chars, "\\")))
        elif char == "%":
            segments.append([])
        elif char == "_":
            segments[-1].append(".")
        else:
            segments[-1].append(_regex_literal(char))
    parts = ["".join(segment) for segment in segments]
    if not python:
        return "^" + ".*".join(parts) + "$"
    if len(parts) == 1:
        return f"(?s:^{parts[0]}\\Z)"
    middle = "".join(f"(?>.*?{part})" for part in parts[1:-1] if part)
    return f"(?s:^{parts[0]}{middle}.*{parts[-1]}\\Z)"


def _regex_literal(char: str) -> str:
    return char if char.isalnum() else "\\" + char


def like_to_sql(pattern: str) -> str:
    """A SQL LIKE pattern as PostgreSQL's ``LIKE`` reads it, meaning what :func:`like_to_regex`
    does: a backslash ending the pattern is a literal one (``LIKE`` would refuse the pattern).
    """
    escaped = False
    for char in pattern:
        escaped = not escaped and char == "\\"
    return pattern + "\\" if escaped else pattern


def split_literal_prefix(pattern: str) -> tuple[str, str]:
    """A LIKE pattern as its literal prefix (escapes resolved) and the rest of the pattern,
    from its first wildcard on: ``'SRC%986'`` is ``('SRC', '%986')``, ``'a\\%b_c'`` is
    ``('a%b', '_c')``; a pattern without wildcards is all prefix."""
    prefix: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char in "%_":
            return "".join(prefix), pattern[index:]
        if char == "\\":
            index += 1
            char = pattern[index] if index < len(pattern) else "\\"
        prefix.append(char)
        index += 1
    return "".join(prefix), ""
