"""Required literals of a cue regex: strings one of which every match must contain.

Candidate turns are picked with one pass of a plain literal alternation (Aho-Corasick inside the
Rust regex engine) instead of one pass per cue: each pass over a column costs about 100 ns a row
whatever the pattern, and big alternations of real patterns make the lazy DFA thrash.
The cue syntax is parsed with Python's own regex parser (the subset cues use is common to Python
and Rust). Literals may hold a space and a straight apostrophe: candidate text is lowercased with
curly apostrophes straightened, and a cue split over a line break is rare enough to miss.
"""

from __future__ import annotations

import re
from itertools import product

try:  # Python >= 3.11
    from re import _parser as sre_parse  # type: ignore[attr-defined]
    from re._constants import (  # type: ignore[attr-defined]
        ANY, AT, BRANCH, CATEGORY, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, NEGATE, NOT_LITERAL, RANGE, SUBPATTERN,
    )
except ImportError:  # Python 3.10
    import sre_parse  # type: ignore[no-redef]
    from sre_constants import (  # type: ignore[no-redef]
        ANY, AT, BRANCH, CATEGORY, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, NEGATE, NOT_LITERAL, RANGE, SUBPATTERN,
    )

MAX_SET = 32  # more alternatives than this is "unknown" (keeps cross products small)

Strings = frozenset[str]


# Words so frequent that a literal set holding one of them selects little: scored as one letter.
COMMON = frozenset(
    "the and not you what how this that was are is it its for with can your have has had did does but "
    "all any one more make just very too then now".split()
)


def _selectivity(s: str) -> int:
    return 1 if s in COMMON else len(s)


def _best(candidates: list[Strings]) -> Strings | None:
    """The most selective literal set: rarest (longest) weakest string, then fewest strings."""
    usable = [c for c in candidates if c and min(map(len, c)) > 0]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(map(_selectivity, c)), -len(c)))


def _seq(items) -> tuple[Strings | None, Strings | None]:
    """(exact, factor) of a parsed sequence: every string it can match if few, and a required set."""
    factors: list[Strings] = []
    run: Strings | None = frozenset({""})
    exact_all: Strings | None = frozenset({""})
    for op, av in items:
        exact, factor = _node(op, av)
        if factor is not None:
            factors.append(factor)
        if exact is not None and run is not None and len(run) * len(exact) <= MAX_SET:
            run = frozenset(a + b for a, b in product(run, exact))
        else:
            if run is not None:
                factors.append(run)
            run = exact if exact is not None else None
        if exact is None or exact_all is None or len(exact_all) * len(exact) > MAX_SET:
            exact_all = None
        else:
            exact_all = frozenset(a + b for a, b in product(exact_all, exact))
    if run is not None:
        factors.append(run)
    return exact_all, _best(factors)


def _node(op, av) -> tuple[Strings | None, Strings | None]:
    if op is LITERAL:
        return frozenset({chr(av)}), None
    if op is AT:
        return frozenset({""}), None
    if op is SUBPATTERN:
        return _seq(av[-1])
    if op is BRANCH:
        parts = [_seq(branch) for branch in av[1]]
        exacts = [e for e, _ in parts]
        exact = frozenset().union(*exacts) if all(e is not None for e in exacts) else None
        if exact is not None and len(exact) > MAX_SET:
            exact = None
        # Each branch needs its own required set (its exact strings, else its factor).
        needs = [e if e is not None and "" not in e else f for e, f in parts]
        factor = frozenset().union(*needs) if all(n is not None for n in needs) else None
        return exact, factor
    if op is IN:
        if any(o in (NEGATE, CATEGORY, RANGE) for o, _ in av):
            return None, None
        chars = frozenset(chr(v) for o, v in av if o is LITERAL)
        return (chars, None) if len(chars) == len(av) else (None, None)
    if op in (MAX_REPEAT, MIN_REPEAT):
        lo, hi, body = av
        exact, factor = _seq(body)
        if lo == 0:
            return (exact | {""} if exact is not None and hi == 1 else None), None
        if lo == hi and exact is not None and len(exact) ** lo <= MAX_SET:
            return frozenset("".join(p) for p in product(exact, repeat=lo)), None
        return None, factor if factor is not None else exact
    if op in (ANY, CATEGORY, NOT_LITERAL):
        return None, None
    raise ValueError(f"unsupported regex construct {op} in a cue")


def _minimal(strings: Strings) -> Strings:
    """Drop strings that contain another member: finding the shorter one is enough."""
    return frozenset(s for s in strings if not any(t != s and t in s for t in strings))


def python_regex(pattern: str) -> str:
    """The cue in Python's regex syntax (Rust writes a code point as \\x{HHHH})."""
    return re.sub(r"\\x\{([0-9A-Fa-f]+)\}", lambda m: re.escape(chr(int(m.group(1), 16))), pattern)


def required_literals(pattern: str) -> Strings | None:
    """Strings one of which every match of `pattern` contains, or None if none can be proven."""
    exact, factor = _seq(sre_parse.parse(python_regex(pattern)))
    whole = exact if exact is not None and "" not in exact else None
    best = _best([s for s in (whole, factor) if s is not None])
    return None if best is None else _minimal(best)


_META = re.compile(r"([\\.+*?()|\[\]{}^$#&~-])")


def literal_alternation(literals) -> str:
    """Regex matching any of `literals` (longest first, metacharacters escaped)."""
    return "|".join(_META.sub(r"\\\1", s) for s in sorted(set(literals), key=lambda s: (-len(s), s)))
