"""Sending channel-layer messages from synchronous code; each app's push.py builds its messages."""
