"""The TPNS Account Type Value Table (tpns-api.md §6.1)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

_ = gettext_lazy

# Labels are translated when shown (lazily), in the reader's language.
ACCOUNT_TYPES: list[tuple[int, str | Promise]] = [
    (0, _("Default")),
    *[(n, format_lazy(_("Custom {n}"), n=n)) for n in range(1, 17)],
    (991, _("QQ number")),
    (992, _("QQ number – MD5")),
    (997, _("OAID")),
    (998, _("OAID – MD5")),
    (999, _("WeChat UnionID")),
    (1002, _("Mobile phone number")),
    (1003, _("WeChat OpenID")),
    (1004, _("QQ OpenID")),
    (1005, _("Email")),
    (1006, _("Sina Weibo")),
    (1007, _("Alipay")),
    (1008, _("Taobao")),
    (1009, _("Douban")),
    (1010, _("Facebook")),
    (1011, _("Twitter")),
    (1012, _("Google")),
    (1013, _("Baidu")),
    (1014, _("JD")),
    (1015, _("LinkedIn")),
]
ACCOUNT_TYPE_NAMES = dict(ACCOUNT_TYPES)


def account_type_label(value: int) -> str:
    name = ACCOUNT_TYPE_NAMES.get(value)
    if name is None:
        return gettext("Account type %(value)s") % {"value": value}
    return f"{name} ({value})"


def account_type_choices() -> list[tuple[int, str]]:
    """Form choices, labelled in the language active when a form is drawn."""
    return [(value, account_type_label(value)) for value, _name in ACCOUNT_TYPES]
