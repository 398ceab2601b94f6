"""A retry helper for flaky calls (a model endpoint that sometimes times out)."""


def retry(fn, attempts=3, delay=0.5, exceptions=(Exception,)):
    """Call fn() until it returns; on one of `exceptions`, wait `delay` seconds (doubling each time) and try again,
    at most `attempts` calls in all. Return fn()'s value; after the last failed attempt raise its exception.
    Any other exception is raised at once, without retrying."""
    raise NotImplementedError
