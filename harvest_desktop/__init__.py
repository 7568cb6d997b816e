"""Harvest: turn web pages and documents into cited study material, locally."""

__version__ = "0.1.0"
APP_NAME = "Harvest"
APP_ID = "harvest-desktop"
