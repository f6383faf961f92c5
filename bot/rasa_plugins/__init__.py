"""Señales code that Rasa loads by name from config.yml and endpoints.yml.

Kept thin: each plug-in adapts a piece of the ``bot`` library to a Rasa extension point.
"""
