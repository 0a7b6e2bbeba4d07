"""The TPNS Account Type Value Table (tpns-api.md §6.1)."""

from __future__ import annotations

ACCOUNT_TYPES: list[tuple[int, str]] = [
    (0, "Default"),
    *[(n, f"Custom {n}") for n in range(1, 17)],
    (991, "QQ number"),
    (992, "QQ number – MD5"),
    (997, "OAID"),
    (998, "OAID – MD5"),
    (999, "WeChat UnionID"),
    (1002, "Mobile phone number"),
    (1003, "WeChat OpenID"),
    (1004, "QQ OpenID"),
    (1005, "Email"),
    (1006, "Sina Weibo"),
    (1007, "Alipay"),
    (1008, "Taobao"),
    (1009, "Douban"),
    (1010, "Facebook"),
    (1011, "Twitter"),
    (1012, "Google"),
    (1013, "Baidu"),
    (1014, "JD"),
    (1015, "LinkedIn"),
]
ACCOUNT_TYPE_NAMES = dict(ACCOUNT_TYPES)


def account_type_label(value: int) -> str:
    name = ACCOUNT_TYPE_NAMES.get(value)
    return f"{name} ({value})" if name else f"Account type {value}"
