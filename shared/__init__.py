"""Pieces every Guiyan service uses: settings, logging, database, events, outbox, inbox, regions."""
