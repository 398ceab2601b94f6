"""Loaded by subprocesses the tests start (PYTHONPATH): no connection may leave this machine."""

import netguard_impl

netguard_impl.install()
