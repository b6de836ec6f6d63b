"`python -m tools.site`: build the course website (see tools/site/__init__.py)."
from .build import main

main()
