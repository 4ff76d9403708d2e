"""Helpers the test modules share: tokens and credentials, a shop to test against, JSON:API
checks and the JSON:API test client, admin URLs and records, Stripe keys, payments, webhooks and
pages, threads released together, browser page checks. Fixtures stay in the conftest files;
what a test module imports comes from here, never from another test module."""
