"""The human side of the assistant: the case store, the handoff queue and (later) the gateway.

The case store is a small repository layer over SQLAlchemy 2 models: every function takes a
``Session`` and leaves commit or rollback to the caller, so one conversation turn can open a
case and queue it for a human in a single transaction. Nothing touches a database at import
time; :func:`handoff.db.prepare_database` migrates and seeds when a process starts.
"""
