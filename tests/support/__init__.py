"""Helpers the test modules share: tokens and credentials, a shop to test against, JSON:API
checks, threads released together, browser page checks. Fixtures stay in the conftest files;
what a test module imports comes from here, never from another test module."""
