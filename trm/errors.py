"""Errors raised at trm's boundaries: puzzle text, data files, checkpoints, configs.

Every message says what is wrong, where, and what to do, so the app can show it as is.
"""


class TRMError(Exception):
    """Base class of every error trm raises on bad input."""


class PuzzleError(TRMError):
    """A puzzle's text or contents are invalid (bad character, wrong length, conflicting givens)."""


class DataError(TRMError):
    """A data file (CSV, .npz split) is missing, malformed or inconsistent."""


class CheckpointError(TRMError):
    """A checkpoint is missing, corrupt, truncated, foreign or does not match its config."""


class ConfigError(TRMError, ValueError):
    """A config field has a bad value or a config file has unknown or missing keys."""


class TrainingDiverged(TRMError):
    """The training loss or the weights became NaN or infinite (the learning rate is the usual cause)."""
