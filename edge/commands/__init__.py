"""One module per ``gate-edge`` subcommand. Each defines ``register(subparsers)``, which
adds its parser with ``set_defaults(func=run)``; ``run(args) -> int`` is the exit code."""
