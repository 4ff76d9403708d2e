"""The JSON:API, wire-compatible with Commerce Layer's resources."""
