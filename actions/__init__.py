"""The action server: thin Rasa SDK adapters over the ``bot`` library, one module per concern."""
