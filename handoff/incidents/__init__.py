"""The emergency plan (应急预案): incidents declared from surge alerts, see service.py."""
