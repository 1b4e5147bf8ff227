"""Connectivity to payers and clearinghouses: the ``PayerGateway`` port and its adapters.

No Django here (an import-linter contract enforces it): the application's services call the
gateway with plain values, and the payer simulator shares the CORE envelope code.
"""
