"""``python -m hmlsim`` is the ``hmlsim`` command."""

import sys

from hmlsim.cli import main

sys.exit(main())
