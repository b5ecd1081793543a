"""The domsync 0.1.2 module path: ``from domsync.core import Document, _Element``.

``_Element`` is the public :class:`domsync.Element` under its old name.
"""

from .document import Document
from .element import Element

_Element = Element

__all__ = ["Document", "Element", "_Element"]
