"""csctl numbers up to its measure: the floor under the bench's csctl figure.

    python bench/floor.py FILE [csctl numbers options, e.g. --partitions 3]

Runs ``csctl numbers FILE --view bridge -f csv`` in this process as the bench runs it, with the measuring taken
out: start-up, the read and its checks, and, for an export measured in parts, the export-wide pass, the split and
the taking of each part's lines, all as csctl does them; no snapshot, movement or bridge is computed and nothing is
written. What ``make bench`` reports for it is the part of csctl's time that no faster measure can remove. Exits 0
once the measure would have started (1 if it never got there).
"""

from __future__ import annotations

import sys
from typing import Any


class Floor(BaseException):
    """Raised where the measuring would start; a BaseException, so csctl's error handling lets it through."""


def main() -> int:
    from csctl.core import numbers, partitioned
    from csctl.errors import InputError

    def whole(kind: str, table: Any, customers: Any, settings: Any) -> None:  # an export measured whole
        import numpy  # noqa: F401  # the measure's own import

        lines = table.collect()  # the lines the measure is given (a lazy frame of the read table)
        print(f"floor.py: {lines.height:,} lines read, to be measured whole", file=sys.stderr)
        raise Floor

    taken: list[int] = []

    def part(lines: Any, **_: Any) -> None:  # one part of a large export: its lines taken, nothing measured
        partitioned._lines(lines)
        taken.append(1)

    original = partitioned.measure_partitioned

    def parts(chunks: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(chunks, *args, **kwargs)
        except InputError:  # no part gave a figure, as none was measured: the floor was reached if all were taken
            if len(taken) == len(chunks):
                print(f"floor.py: the lines read, to be measured in {len(chunks)} parts, each taken", file=sys.stderr)
                raise Floor from None
            raise

    numbers.measure = whole  # type: ignore[assignment]
    partitioned.part_measure = part
    partitioned.measure_partitioned = parts  # type: ignore[assignment]
    file, options = sys.argv[1:2], sys.argv[2:]
    sys.argv = ["csctl", "numbers", *file, "--view", "bridge", "-f", "csv", "-o", "floor-unwritten.csv", *options]
    from csctl.cli.app import main as csctl

    try:
        csctl()
    except Floor:
        return 0
    except SystemExit as exc:
        print(f"floor.py: csctl ended before its measure (exit {exc.code})", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
