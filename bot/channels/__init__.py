"""Input channels Rasa loads from credentials.yml. Each one checks what arrives before any of it
reaches a conversation: bad requests get a clear 4xx, never a 5xx."""
