"""What the generation-quality benchmark measures per document, and its table."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class DocResult:
    name: str
    operations: int = 0
    documented_2xx: int = 0
    mock_limited: int = 0  # of those, ones Prism cannot answer with a 2xx at all
    gauntlet_reached: set[str] = field(default_factory=set)
    st_reached: set[str] = field(default_factory=set)
    steps: int = 0
    steps_passed: int = 0
    route_404_passes: int = 0
    mutants: int = 0
    caught: int = 0
    mutant_misses: list[str] = field(default_factory=list)
    generate_s: float = 0.0
    offline_s: float = 0.0
    st_s: float = 0.0
    job_status: str = ""
    st_error: str | None = None
    error: str | None = None

    def line(self) -> str:
        if self.error:
            return f"{self.name:<48} error: {self.error}"
        return (
            f"{self.name:<48} {self.operations:>4} {self.documented_2xx:>4} "
            f"{len(self.gauntlet_reached):>5} {len(self.st_reached):>6} "
            f"{self.steps_passed:>5}/{self.steps:<5} {self.route_404_passes:>3} "
            f"{self.caught:>4}/{self.mutants:<4} {self.generate_s:>6.2f} {self.offline_s:>7.2f} "
            f"{self.st_s:>6.1f}"
        )

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["gauntlet_reached"] = sorted(self.gauntlet_reached)
        out["st_reached"] = sorted(self.st_reached)
        return out


HEADER = (
    f"{'document':<48} {'ops':>4} {'2xx':>4} {'G 2xx':>5} {'ST 2xx':>6} "
    f"{'steps':>11} {'404':>3} {'mutants':>9} {'gen s':>6} {'offline':>7} {'st s':>6}"
)


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f} %" if whole else "n/a"


def print_table(results: list[DocResult]) -> None:
    """Every document's line, then the totals over the documents Prism could serve."""
    print()
    print(HEADER)
    for result in results:
        print(result.line())
    ok = [r for r in results if not r.error]
    documented = sum(r.documented_2xx for r in ok)
    servable = documented - sum(r.mock_limited for r in ok)
    g = sum(len(r.gauntlet_reached) for r in ok)
    st = sum(len(r.st_reached) for r in ok)
    steps, passed = sum(r.steps for r in ok), sum(r.steps_passed for r in ok)
    mutants, caught = sum(r.mutants for r in ok), sum(r.caught for r in ok)
    gen = sorted(r.generate_s for r in ok)
    print()
    print(f"documents: {len(results)} ({len(results) - len(ok)} not measured)")
    print(f"operations: {sum(r.operations for r in ok)}, documenting a 2xx: {documented}")
    print(
        f"reaching 2xx: Gauntlet {g} ({_pct(g, documented)}), Schemathesis {st} ({_pct(st, documented)})"
    )
    print(
        f"  of the {servable} Prism can answer with a 2xx (not only '*/*' with an object schema): "
        f"Gauntlet {_pct(g, servable)}, Schemathesis {_pct(st, servable)}"
    )
    behind = [r.name for r in ok if len(r.gauntlet_reached) < len(r.st_reached)]
    print(f"documents where Schemathesis reaches more operations: {len(behind)} {behind}")
    print(f"kept steps passing on the unchanged mock: {passed}/{steps} ({_pct(passed, steps)})")
    print(f"kept steps passing on a 404 route-not-found: {sum(r.route_404_passes for r in ok)}")
    print(f"mutants caught: {caught}/{mutants} ({_pct(caught, mutants)})")
    if gen:
        print(
            f"generate job (generation + checks): median {gen[len(gen) // 2]:.2f} s, max {gen[-1]:.2f} s; "
            f"offline generation: max {max(r.offline_s for r in ok):.2f} s; "
            f"Schemathesis: median {sorted(r.st_s for r in ok)[len(ok) // 2]:.1f} s"
        )
