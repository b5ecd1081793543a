"""Write domsync/protocol.py's constants into the generated section of
client_js/domsync.js. Run it after changing the protocol: python scripts/protocol_js.py"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domsync.protocol import write_js_constants  # noqa: E402

target = ROOT / "client_js" / "domsync.js"
print("updated" if write_js_constants(target) else "already up to date", target)
