"""Custom actions of the shop assistant (rasa_sdk 3.6), one module per concern.

Run with ``python -m rasa_sdk --actions actions``. Importing this package does no work: the
database, the order lookup and the triage model are created on first use by
:mod:`actions.resources`.
"""
