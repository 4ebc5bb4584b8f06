"""Association and keyness statistics, each a small function of observed frequencies.

Collocation measures take a 2×2 contingency table (Evert's notation): ``o11`` occurrences of the
collocate in the node's windows, ``r1`` tokens in those windows, ``c1`` the collocate's
frequency, ``n`` tokens in the corpus; the expected frequency is ``e11 = r1·c1/n``. With a
window of one word each side this is the textbook bigram table (Manning & Schütze ch. 5); with
wider windows ``r1`` counts the window tokens (Evert's surface co-occurrence), as CQPweb does.
logDice alone uses the plain frequencies of node and collocate (Rychlý 2008). Keyness compares a
word's frequency ``a`` in a part of ``c`` tokens with ``b`` in a reference of ``d`` tokens:
log-likelihood as Rayson & Garside (2000) and Lancaster's LL wizard compute it, log ratio as
Hardie (2014) defines it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

ZERO = 0.5  # a zero frequency in log ratio (Hardie 2014): the ratio stays finite


@dataclass(frozen=True)
class Table:
    """A collocation's contingency table (see the module's docstring)."""

    o11: int
    r1: int
    c1: int
    n: int

    @property
    def e11(self) -> float:
        return self.r1 * self.c1 / self.n

    def cells(self) -> tuple[tuple[int, float], ...]:
        """``(observed, expected)`` of the four cells."""
        o11, r1, c1, n = self.o11, self.r1, self.c1, self.n
        r2, c2 = n - r1, n - c1
        observed = (o11, r1 - o11, c1 - o11, n - r1 - c1 + o11)
        expected = (r1 * c1 / n, r1 * c2 / n, r2 * c1 / n, r2 * c2 / n)
        return tuple(zip(observed, expected))


def log_dice(f_xy: int, f_x: int, f_y: int) -> float:
    """Rychlý (2008): 14 + log2(2·f_xy / (f_x + f_y)); at most 14, when the two words only
    ever occur together; independent of the corpus size."""
    return 14 + math.log2(2 * f_xy / (f_x + f_y))


def mi(t: Table) -> float:
    """Pointwise mutual information, log2(O/E): favours rare pairs."""
    return math.log2(t.o11 / t.e11)


def mi3(t: Table) -> float:
    """MI³ (Oakes 1998), log2(O³/E): MI with the observed frequency weighted up."""
    return math.log2(t.o11**3 / t.e11)


def t_score(t: Table) -> float:
    """(O − E)/√O (Church et al. 1991): confidence that the pair is no accident; favours
    frequent pairs."""
    return (t.o11 - t.e11) / math.sqrt(t.o11)


def g2(t: Table) -> float:
    """Log-likelihood G² = 2 Σ O ln(O/E) over the four cells (Dunning 1993), negative when the
    pair occurs less often than expected (O < E), so that a ranking puts repulsion last."""
    value = 2 * sum(o * math.log(o / e) for o, e in t.cells() if o > 0)
    return value if t.o11 >= t.e11 else -value


def log_ratio(a: float, c: float, b: float, d: float) -> float:
    """Hardie (2014): log2 of (a/c) / (b/d), the binary log of how many times more frequent
    the word is in the first set of ``c`` tokens than in the second set of ``d`` (a zero
    frequency counts as 0.5)."""
    return math.log2((max(a, ZERO) / c) / (max(b, ZERO) / d))


def collocation_log_ratio(t: Table) -> float:
    """Log ratio of the collocate's relative frequency inside the node's windows against the
    rest of the corpus (CQPweb's)."""
    return log_ratio(t.o11, t.r1, t.c1 - t.o11, max(t.n - t.r1, 1))


def keyness_ll(a: int, b: int, c: int, d: int) -> float:
    """Log-likelihood of a word's frequencies ``a`` in ``c`` tokens and ``b`` in ``d`` tokens,
    as Rayson & Garside (2000) and Lancaster's LL wizard compute it:
    2·(a·ln(a/E1) + b·ln(b/E2)) with E1 = c(a+b)/(c+d), E2 = d(a+b)/(c+d). Always ≥ 0;
    whether the word is over- or under-used is the sign of the log ratio."""
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    return 2 * sum(o * math.log(o / e) for o, e in ((a, e1), (b, e2)) if o > 0)


def per_million(freq: int, tokens: int) -> float:
    """A frequency normalized to a million tokens."""
    return freq * 1_000_000 / tokens if tokens else 0.0


MEASURES: dict[str, Callable[[Table, int, int], float]] = {
    "logdice": lambda t, f_x, f_y: log_dice(t.o11, f_x, f_y),
    "ll": lambda t, f_x, f_y: g2(t),
    "mi": lambda t, f_x, f_y: mi(t),
    "mi3": lambda t, f_x, f_y: mi3(t),
    "t": lambda t, f_x, f_y: t_score(t),
    "logratio": lambda t, f_x, f_y: collocation_log_ratio(t),
}
"""Every collocation measure by its ``--measure`` name, as f(table, f_x, f_y)."""
