"""Señales: the library behind the assistant (channels, offer checker, language, privacy, reports)."""
