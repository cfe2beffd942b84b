"""Alerts for agents and supervisors: deadlines warned and breached, escalations, surges."""
