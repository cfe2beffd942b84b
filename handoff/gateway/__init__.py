"""The gateway: the shopper widget's and the agent console's front door (aiohttp).

Shopper messages go to Rasa while the assistant is in charge and to an agent while a human
is; every message is stored first. Build the app with :func:`handoff.gateway.app.make_app`.
"""
