"""Standalone payer and clearinghouse simulator (no Django)."""
