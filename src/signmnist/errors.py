"""User-facing errors: each one is printed as a single line, never as a traceback."""


class SignMnistError(Exception):
    """A problem with the user's input (file, flag, checkpoint) that has a one-line explanation."""

    exit_code = 2


class DataError(SignMnistError):
    """A dataset file is missing, unreadable or malformed."""


class CheckpointError(SignMnistError):
    """A checkpoint is missing, corrupt, unsafe or not one of ours."""


class ConfigError(SignMnistError):
    """A flag or configuration value is out of range."""
