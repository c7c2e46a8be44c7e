"""Widgets and screens every service shares."""
