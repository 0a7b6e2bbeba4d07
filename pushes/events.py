"""Domain events: what other components (the built-in sandbox gateway) listen to.

The domain sends these and imports none of its listeners, so it reaches the sandbox only
through the TPNS protocol and these neutral events, as it would any gateway.
"""

from __future__ import annotations

from django.dispatch import Signal

# An app was created, or its gateway, AccessID, SecretKey or name changed.
# kwargs: gateway, access_id, secret_key, name, previous_gateway, previous_access_id.
app_gateway_changed = Signal()
