import sys

from newsetl.cli import main

sys.exit(main())
