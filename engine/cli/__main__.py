"""`python -m engine.cli`: the `dondoc` command of whichever interpreter runs it."""

from engine.cli import main

main()
