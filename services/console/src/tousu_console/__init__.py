"""Tousu desk console."""
