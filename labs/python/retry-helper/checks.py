"""Checks for retry-helper: flaky callables that count their calls."""


class Flaky:
    def __init__(self, failures, exc=TimeoutError):
        self.failures, self.exc, self.calls = failures, exc, 0

    def __call__(self):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.exc(f"call {self.calls} failed")
        return "scored"


def check_returns_the_value_after_failures(m):
    fn = Flaky(2)
    got = m.retry(fn, attempts=3, delay=0)
    assert got == "scored", f"retry should return fn()'s value after two failures, got {got!r}"
    assert fn.calls == 3, f"two failures then a success is 3 calls, retry made {fn.calls}"


def check_gives_up_after_attempts_and_raises(m):
    fn = Flaky(10)
    try:
        got = m.retry(fn, attempts=3, delay=0)
    except TimeoutError:
        pass
    else:
        raise AssertionError(f"after the last failed attempt retry should raise the error, it returned {got!r}")
    assert fn.calls == 3, f"attempts=3 means 3 calls in all, retry made {fn.calls}"


def check_does_not_retry_other_errors(m):
    fn = Flaky(1, exc=KeyError)
    try:
        m.retry(fn, attempts=3, delay=0, exceptions=(TimeoutError,))
    except KeyError:
        pass
    else:
        raise AssertionError("a KeyError is not in exceptions=(TimeoutError,): retry should raise it at once, "
                             "without retrying")
    assert fn.calls == 1, f"an error not in `exceptions` must not be retried, but fn was called {fn.calls} times"
