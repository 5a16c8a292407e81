"""Imports: the business register and spreadsheets."""
