"""Retraining, comparing and promoting models while the product runs.

Rooms: ``models`` (tables), ``registry`` (versions on disk and in the database, the live
pointer, promote and rollback), ``live_triage`` (a triage model that follows the live pointer
without a restart), ``jobs`` (retraining in a background process with progress),
``comparison`` (candidate beside the live model), ``rasa_models`` (loading a Rasa model into
the running server).
"""
