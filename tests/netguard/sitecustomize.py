"""Loaded by subprocesses the tests start (PYTHONPATH): no connection may leave this machine, and every
blocked attempt is appended to $NETGUARD_RECORD, which the test session checks."""

import netguard_impl

netguard_impl.install()
