"""Conversation analytics for outreach staff, computed from Rasa's own tracker events.

Raw events (the SQL tracker store's ``events`` table, SQLite or PostgreSQL) are read once, in id
order, and folded into small aggregate tables (``analytics_*``) that keep counts per day,
channel and language, never message text. A high-water mark on the event id makes each refresh
read only new events, and lets ``bot purge`` delete raw events while the counts stay.
Everything shown to people goes through ``suppression`` (no count from 1 to 10) and transcripts
through ``redaction``.
"""
