"""The supervisor's reports: one plain dict per date range, for the console, the CLI and the
public monthly page.

- :mod:`handoff.reporting.compute`: the numbers (volumes, compliance, times, CSAT, agents).
- :mod:`handoff.reporting.phrases`: the most frequent problems per category, with examples.
- :mod:`handoff.reporting.text`: the report as a terminal table.
- :mod:`handoff.reporting.public`: the anonymised monthly report as printable HTML.
"""
