"""One mechanism for trained-model versions, shared by the FDS and the smishing models.

A version model (a Django model with `name` and a partial-unique `is_active` flag) keeps its
artifact in the database. This package moves the one-active flag (audited), builds the
activation audit entry in one shape for both apps, and keeps the active model loaded once per
process. It knows no app: each app passes its own version model and loader.
"""

from model_registry.activation import activation_entry, version_activate
from model_registry.cache import ActiveModelCache

__all__ = ["ActiveModelCache", "activation_entry", "version_activate"]
