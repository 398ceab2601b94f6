"""Parse the scorer's log lines. Fill in the two functions; `tutor lab check parse-log-lines` tests them."""


def parse_line(line):
    """'2026-11-02T09:00:00Z ERROR scorer: model call failed' ->
    {"ts": "2026-11-02T09:00:00Z", "level": "ERROR", "source": "scorer", "message": "model call failed"};
    None for a line that does not have that shape."""
    raise NotImplementedError


def count_levels(lines):
    """How many lines of each level, e.g. {"INFO": 3, "ERROR": 1}; lines that do not parse are skipped."""
    raise NotImplementedError
