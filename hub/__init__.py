"""dvh core: schemas, plans, readers, the engine and the report. Knows nothing of HTTP or terminals.

Import what you need from the submodules (``hub.validate``, ``hub.registry``...): keeping this
file empty of imports keeps ``dvh validate`` fast to start.
"""

__version__ = "0.1.0"
