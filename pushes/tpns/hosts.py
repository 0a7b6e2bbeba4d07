"""Where each TPNS service region lives, and the credentials of one app (tpns-api.md §1.1)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

# Regions are isolated: an AccessID only works at the host of the region it was
# created in (1008035 otherwise), so the gateway is part of the credentials.
REGION_BASE_URLS: dict[str, str] = {
    "guangzhou": "https://api.tpns.tencent.com",
    "shanghai": "https://api.tpns.sh.tencent.com",
    "hongkong": "https://api.tpns.hk.tencent.com",
    "singapore": "https://api.tpns.sgp.tencent.com",
}
SANDBOX = "sandbox"
GATEWAYS: tuple[str, ...] = (*REGION_BASE_URLS, SANDBOX)


def base_url_for(gateway: str) -> str:
    """The URL that `/v3/...` paths are appended to, without a trailing slash."""
    if gateway == SANDBOX:
        # Read at call time so a settings override (tests, env) takes effect.
        return str(settings.TPNS_SANDBOX_BASE_URL).rstrip("/")
    try:
        return REGION_BASE_URLS[gateway]
    except KeyError:
        raise ValueError(
            f"Unknown TPNS gateway {gateway!r}; expected one of {', '.join(GATEWAYS)}."
        ) from None


@dataclass(frozen=True)
class Credentials:
    """One app's keys at one gateway. The secret stays out of repr (it ends up in logs)."""

    access_id: str
    secret_key: str = field(repr=False)
    gateway: str

    @property
    def base_url(self) -> str:
        return base_url_for(self.gateway)

    def url(self, path: str) -> str:
        """Absolute URL of an API path such as "v3/push/app"."""
        return f"{self.base_url}/{path.lstrip('/')}"
