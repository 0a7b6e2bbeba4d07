from __future__ import annotations

import base64

from pushes.tpns import signing

# tpns-api.md §2.3: the Java sample string (with the legacy "platform" key) gives the
# Sign printed in the docs; the prose and Python sample sign the body without it.
JAVA_BODY = (
    '{"audience_type": "account","platform": "android","message": {"title": "test title",'
    '"content": "test content","android": { "action": {"action_type": 3,'
    '"intent": "xgscheme://com.xg.push/notify_detail?param1=xg"}}},"message_type": "notify",'
    '"account_list": ["5822f0eee44c3625ef0000bb"] }'
)
NO_PLATFORM_BODY = JAVA_BODY.replace('"platform": "android",', "")
VECTOR = {"access_id": "1500001048", "secret_key": "1452fcebae9f3115ba794fb0fff2fd73"}


def test_it_reproduces_the_documented_sign() -> None:
    sign = signing.sign(**VECTOR, timestamp=1565314789, body=JAVA_BODY.encode())
    assert (
        sign
        == "Y2QyMDc3NDY4MmJmNzhiZmRiNDNlMTdkMWQ1ZDU2YjNlNWI3ODlhMTY3MGZjMTUyN2VmNTRjNjVkMmQ3Yjc2ZA=="
    )


def test_it_reproduces_the_sign_of_the_body_without_platform() -> None:
    sign = signing.sign(**VECTOR, timestamp="1565314789", body=NO_PLATFORM_BODY.encode())
    assert (
        sign
        == "MDlmMDdkMmE1MThhODgxNGUzNjlkY2Q5NTM0ZjEwYjhhMjlkMTI4NTMxYTE5YWRhYTI4Y2IyNDc2MDVjMWU4NA=="
    )


def test_sign_is_base64_of_the_lowercase_hex_digest() -> None:
    sign = signing.sign(**VECTOR, timestamp=1565314789, body=JAVA_BODY.encode())
    assert len(sign) == 88
    assert base64.b64decode(sign).decode() == (
        "cd20774682bf78bfdb43e17d1d5d56b3e5b789a1670fc1527ef54c65d2d7b76d"
    )


def test_signature_headers_use_the_documented_names_and_verify() -> None:
    body = '{"title":"héllo"}'.encode()
    headers = signing.signature_headers(**VECTOR, body=body, now=1565314789.9)
    assert headers["AccessId"] == "1500001048"
    assert headers["TimeStamp"] == "1565314789"
    assert headers["Content-Type"] == "application/json"
    assert signing.signature_matches(
        **VECTOR, timestamp=headers["TimeStamp"], body=body, given=headers["Sign"]
    )
    assert not signing.signature_matches(
        **VECTOR, timestamp=headers["TimeStamp"], body=body + b" ", given=headers["Sign"]
    )


def test_it_reproduces_the_basic_auth_vector() -> None:
    header = signing.basic_authorization("a5b5f071ff77a", "ea512eb7704d5fb5a6a937cafa70e771")
    assert header == "Basic YTViNWYwNzFmZjc3YTplYTUxMmViNzcwNGQ1ZmI1YTZhOTM3Y2FmYTcwZTc3MQ=="
    assert signing.parse_basic_authorization(header) == (
        "a5b5f071ff77a",
        "ea512eb7704d5fb5a6a937cafa70e771",
    )


def test_parse_basic_authorization_rejects_other_schemes_and_garbage() -> None:
    assert signing.parse_basic_authorization("Bearer abc") is None
    assert signing.parse_basic_authorization("Basic !!!") is None
    assert signing.parse_basic_authorization("Basic bm9jb2xvbg==") is None  # "nocolon"
