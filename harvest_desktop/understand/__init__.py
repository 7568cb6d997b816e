"""Concepts, definitions and relationships found in the harvested text."""
