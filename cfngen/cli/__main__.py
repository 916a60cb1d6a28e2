"""`python -m cfngen.cli`, which worked while the CLI was one module; `python -m cfngen` is the usual way."""

from cfngen.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
