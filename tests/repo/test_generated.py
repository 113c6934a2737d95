"""Generated sources match their generators: lib/c/pow5_table.h is scripts/pow5_table.py's output.

A hand edit of the table, or a change to the script not followed by a new header, would
make the parser round some numbers wrongly; this catches both.
"""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_pow5_table_is_the_scripts_output():
    generated = subprocess.run([sys.executable, str(REPO / "scripts" / "pow5_table.py")],
                               capture_output=True, text=True, check=True).stdout
    committed = (REPO / "lib" / "c" / "pow5_table.h").read_text()
    assert committed == generated, "run: python3 scripts/pow5_table.py > lib/c/pow5_table.h"
