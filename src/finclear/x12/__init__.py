"""finclear.x12: the X12 5010 engine (pure: no Django, no I/O beyond the files it is given)."""
