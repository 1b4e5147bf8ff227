"""Prior authorization: which lines need one (rules), tracking each one to a decision."""
