"""Crous administrators invite, and deactivate, their own staff (docs/state-sign-in.md)."""
