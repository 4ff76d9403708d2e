"""A checkout wallet for Django shops: saved payment sources and external payments."""
