"""What a server process carries before its first request.

Every worker holds what it imported for its whole life: WeasyPrint with its fonts and
pyxform with openpyxl weigh about 55 MB together, and only the few processes that print
a berita acara or build the phone form need them (docs/deployment.md §7, exports).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def test_the_printing_and_form_libraries_load_only_when_used(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys
        from server.app import create_app
        create_app({{"DATABASE_URL": "sqlite:///{tmp_path}/x.db", "DATA_DIR": "{tmp_path}"}})
        print(",".join(m for m in ("weasyprint", "pyxform", "openpyxl", "fontTools")
                       if m in sys.modules))
    """)
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[2])
    assert loaded.stdout.strip() == ""
