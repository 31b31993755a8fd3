"""One error base for the whole platform (DESIGN.md principle 6: errors are data).

The API turns a `ZeroscamError` into problem JSON with its status; the CLI prints
`str(error)` as one line on stderr and exits with `exit_code`.
"""

from __future__ import annotations


class ZeroscamError(Exception):
    status: int = 400
    exit_code: int = 1
    title: str = "Error"

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class ConfigError(ZeroscamError):
    status = 500
    exit_code = 1
    title = "Configuration error"


class DataError(ZeroscamError):
    """Bad input data. Names where: file, line, column and the offending value."""

    status = 422
    exit_code = 2
    title = "Invalid data"

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: str | None = None, value: object = None):
        self.file, self.line, self.column, self.value = file, line, column, value
        where = ""
        if file is not None:
            where = str(file)
            if line is not None:
                where += f":{line}"
            where += ": "
        detail = message
        if column is not None:
            detail += f" (column {column}"
            detail += f", value {value!r})" if value is not None else ")"
        elif value is not None:
            detail += f" (value {value!r})"
        super().__init__(where + detail)


class MissingTableError(DataError):
    def __init__(self, data_dir: str, table: str, needed_for: str):
        super().__init__(
            f"{table}.csv or {table}.parquet is required for {needed_for} but was not found",
            file=str(data_dir))


class IdentifierError(ZeroscamError):
    """A value that is not a valid identifier of the asked kind."""

    status = 422
    exit_code = 2
    title = "Invalid identifier"

    def __init__(self, kind: str, value: object, reason: str):
        self.kind, self.value, self.reason = kind, value, reason
        super().__init__(f"invalid {kind} {value!r}: {reason}")


class NotFound(ZeroscamError):
    status = 404
    title = "Not found"


class Unauthorized(ZeroscamError):
    status = 401
    title = "Unauthorized"


class Forbidden(ZeroscamError):
    status = 403
    title = "Forbidden"


class Conflict(ZeroscamError):
    status = 409
    title = "Conflict"


class NotAcceptable(ZeroscamError):
    status = 406
    title = "Not acceptable"


class TooLarge(ZeroscamError):
    status = 413
    title = "Payload too large"


class UnsupportedMediaType(ZeroscamError):
    status = 415
    title = "Unsupported media type"


class RateLimited(ZeroscamError):
    status = 429
    title = "Too many requests"
