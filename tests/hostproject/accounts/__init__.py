"""The host shop's own user model: customers and staff log in with their email address."""
