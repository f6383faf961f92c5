"""The staff console: a small server-rendered web app on 127.0.0.1 for outreach staff.

Pages show only suppressed aggregates (``bot.analytics.report``) and redacted transcripts; the
report queue goes through ``bot.reports.staff.StaffAccess``, so every view is audited. Sanic
(which comes with Rasa) serves it; Jinja2 renders with autoescaping; charts are SVG drawn here;
nothing is loaded from another site.
"""
