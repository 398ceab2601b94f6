"""Checks for parse-log-lines: each takes the learner's module; an AssertionError's text is the reason shown."""

GOOD = "2026-11-02T09:17:00Z ERROR scorer: GPU out of memory: loading ranker-v3"


def check_parses_a_good_line(m):
    got = m.parse_line(GOOD)
    assert isinstance(got, dict), f"parse_line should return a dict for a good line, got {got!r}"
    want = {"ts": "2026-11-02T09:17:00Z", "level": "ERROR", "source": "scorer",
            "message": "GPU out of memory: loading ranker-v3"}
    for key, value in want.items():
        assert got.get(key) == value, (f"parse_line: '{key}' should be {value!r}, got {got.get(key)!r} "
                                       "(split at most a few times: the message may contain spaces and colons)")


def check_bad_lines_give_none(m):
    for bad in ["", "garbage", "2026-11-02T09:17:00Z ERROR", "2026-11-02T09:17:00Z ERROR scorer no colon"]:
        try:
            got = m.parse_line(bad)
        except Exception as exc:  # noqa: BLE001
            raise AssertionError(f"parse_line({bad!r}) raised {type(exc).__name__}; a line that does not parse "
                                 "should give None (catch the error inside)") from None
        assert got is None, f"parse_line({bad!r}) should be None, got {got!r}"


def check_counts_levels(m):
    lines = [GOOD, "2026-11-02T09:00:00Z INFO scorer: ok", "broken line", "2026-11-02T09:01:00Z INFO api: ok"]
    got = m.count_levels(lines)
    assert dict(got) == {"ERROR": 1, "INFO": 2}, f"count_levels should be {{'ERROR': 1, 'INFO': 2}}, got {got!r}"
