"""Surge detection: complaints about one product or category far above their own baseline.

- :mod:`handoff.surge.detector`: the Poisson test on counts (pure, no database).
- :mod:`handoff.surge.simulation`: synthetic streams to measure delay and false alarms.
- :mod:`handoff.surge.scan`: the background job that tests the case store and raises alerts.
"""
