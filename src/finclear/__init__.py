"""finclear: financial clearance and revenue-cycle platform for hospitals and clinics."""

__version__ = "0.1.0"
