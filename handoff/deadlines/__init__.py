"""Service-level deadlines as rows, and the one sweeper that warns and alerts on them.

- :mod:`handoff.deadlines.policy`: the targets per urgency and the business hours (settings).
- :mod:`handoff.deadlines.tracking`: which deadlines a case has, and which are met.
- :mod:`handoff.deadlines.sweeper`: claims due rows in a transaction and raises alerts once.
- :mod:`handoff.deadlines.background`: runs the sweeper inside the gateway process.
"""
