"""Our code that runs inside the Rasa server (``.venv-rasa``): a pipeline component and a
lock store, named by module path from ``bot/config.yml`` and ``bot/endpoints.yml``.

The Rasa environment finds this package through a ``.pth`` file that ``make setup`` writes,
so ``bot/`` stays data only. Nothing here is imported by our own environment.
"""
