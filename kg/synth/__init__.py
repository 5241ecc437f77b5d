"""Synthetic corpora: pages in the three formats, written by kg, with a manifest of what they hold."""
