"""The one exception type for errors a user can cause (bad name, bad parameter, bad path).

It lives in the lowest layer so that every package can raise it; the CLI catches it,
prints its message on one line and exits with status 2.
"""


class ReluproofError(Exception):
    """A user-caused error. The message says what was wrong and what to do."""
