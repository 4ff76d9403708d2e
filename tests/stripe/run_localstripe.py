"""Run localstripe on 127.0.0.1:<port> for the test suite: ``python run_localstripe.py PORT``.

localstripe's own entry point binds an IPv6 socket and pickles its whole store to the fixed
``/tmp/localstripe.pickle`` after every write (shared by every instance on the machine); the
suite's instance keeps its store in memory only and listens on IPv4 loopback.
"""

import sys

from aiohttp import web
from localstripe import resources


def main() -> None:
    """Serve localstripe's app from scratch on the given port until terminated."""
    resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    from localstripe.server import app

    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
