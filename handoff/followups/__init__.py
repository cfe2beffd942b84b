"""回访: after a case is resolved, check some days later that the problem is really solved.

- :mod:`handoff.followups.store`: scheduling, the due list agents call, the shopper's answer.
- :mod:`handoff.followups.scheduling`: the background job that schedules them.
"""
