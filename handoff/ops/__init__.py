"""Operating the product: probes, metrics, JSON logs, retention, erasure and the audit log.

One module per concern: ``probes`` and ``json_logs`` use the standard library only (the Rasa
server and the action server import them from their own environments), ``sanic_metrics`` is
those two servers' ``/metrics`` route (both run the same Sanic), ``health`` and
``metrics`` are the gateway's endpoints, ``retention``, ``erasure`` and ``audit`` work on the
database, ``tracker_events`` on Rasa's events table, ``redis_keys`` on Redis, ``cli`` is
``python -m handoff retention | erase | audit``. Nothing here runs at import time.
"""
