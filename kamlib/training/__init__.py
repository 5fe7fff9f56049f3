"""The training course's checks: exercises on the case account, with feedback computed from it."""
