"""One module per ``newsetl`` subcommand; each defines ``register(subparsers)``.

A handler is stored with ``parser.set_defaults(handler=...)`` and returns the process exit code.
"""
