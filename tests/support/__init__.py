"""Test helpers shared by the suite (Xvfb, Kivy smoke script). Import as ``tests.support``."""
