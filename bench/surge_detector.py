"""The surge detector's figures: false alarms per simulated month, detection delay per size.

Synthetic streams from :mod:`handoff.surge.simulation` (40 products sharing 20 complaints a
day with the demo history's hour-of-day shape; two weeks of warm-up, then a month). Prints
the mean false alarms per month of normal traffic over ``--seeds`` months, and for surges of
3, 6 and 12 extra complaints an hour on one mid-ranked product, the median and worst delay
to the first alarm over ``--trials`` trials, and how many were missed within three hours.
"""

from __future__ import annotations

import argparse
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--trials", type=int, default=40)
    args = parser.parse_args()
    from handoff.surge.detector import SurgeTest
    from handoff.surge.simulation import detection_delay, false_alarms_per_month

    test = SurgeTest()
    alarms = [false_alarms_per_month(seed, test) for seed in range(1, args.seeds + 1)]
    print(
        f"Poisson test alpha {test.alpha:g}, window {test.window}, baseline {test.baseline}: "
        f"false alarms {sum(alarms) / len(alarms):.2f} per simulated month "
        f"(max {max(alarms)}, {args.seeds} months, 44 targets)"
    )
    for per_hour in (3.0, 6.0, 12.0):
        result = detection_delay(per_hour, trials=args.trials, test=test)
        print(
            f"surge of {per_hour:g} extra complaints/hour on one product: delay median "
            f"{result.median:.0f} min, worst {result.worst:.0f} min, "
            f"missed {result.missed}/{args.trials}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
