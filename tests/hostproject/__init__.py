"""A second, minimal host project that installs ``wallet`` the way the README tells a shop to."""
