"""Stand-ins for two libraries that Whoosh's modules import at load only to pass one name on.

``whoosh.compat`` imports urllib.request (http.client, email) to re-export ``urlretrieve``, which
neither Whoosh's index nor kscorpus calls; ``cached_property``, Whoosh's, imports asyncio (ssl,
socket, subprocess) for ``iscoroutinefunction``, which ``inspect`` answers alike for any function
asyncio did not mark. Together they are a large part of every command's start-up, and most of
what a search of a large corpus spends beyond importing the libraries it uses. The console
script imports both modules with a stand-in in each library's place, out of ``sys.modules``
again once they have loaded: any other name asked of a stand-in, later, comes from the real
library.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any


class StandIn(ModuleType):
    """A library while a module that imports it loads: the names given, the real library's
    for any other once the stand-in is out of ``sys.modules``."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or sys.modules.get(self.__name__) is self:
            raise AttributeError(name)  # the import system's questions, while in place
        return getattr(importlib.import_module(self.__name__), name)


def urlretrieve(*args: Any, **kwargs: Any) -> Any:
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def iscoroutinefunction(func: Any) -> bool:
    """``asyncio.iscoroutinefunction``: asyncio's own answer only for a function it marked
    (``_is_coroutine``, set by its decorators before Python 3.11)."""
    if hasattr(func, "_is_coroutine"):
        import asyncio

        return asyncio.iscoroutinefunction(func)
    import inspect

    return inspect.iscoroutinefunction(func)


STAND_INS = (  # the module to import, the library it imports, what it takes from it
    ("whoosh.compat", "urllib.request", {"urlretrieve": urlretrieve}),
    ("cached_property", "asyncio", {"iscoroutinefunction": iscoroutinefunction}),
)


def import_lean() -> None:
    """Import the modules of ``STAND_INS`` with their stand-ins (nothing if either is loaded)."""
    for module, library, names in STAND_INS:
        if module in sys.modules or library in sys.modules:
            continue
        stand_in = StandIn(library)
        stand_in.__dict__.update(names)
        sys.modules[library] = stand_in
        try:
            importlib.import_module(module)
        except ImportError:  # not installed: the CLI reports what is missing
            pass
        finally:
            if sys.modules.get(library) is stand_in:
                del sys.modules[library]
