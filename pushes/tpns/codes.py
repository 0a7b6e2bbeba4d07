"""TPNS server ret_codes and their documented English err_msg strings (tpns-api.md §5)."""

from __future__ import annotations

OK = 0
PARSE_ERROR = 1008001
MISSING_PARAMETER = 1008002
AUTH_FAILURE = 1008003
INVOKE_SERVICE_ERROR = 1008004
INVALID_TOKEN = 1008006
INVALID_PARAMETER = 1008007
UPLOAD_FILE_ERROR = 1008011
UPLOAD_EMPTY_FILE = 1008012
PARSE_CERTIFICATE_ERROR = 1008013
PUSH_ID_NOT_EXIST = 1008015
DATE_PARAM_FORMAT_ERROR = 1008016
CONTENT_MAY_BE_EVIL = 1008019
CERT_BUNDLE_ID_CHECK_FAILED = 1008020
NOT_CORRECT_P12_FILE = 1008021
P12_PASSWORD_NOT_CORRECT = 1008022
IOS_CERT_EXPIRED = 1008023
APP_PLATFORM_EXISTS = 1008025
BATCH_PARTLY_ERROR = 1008026
BATCH_TOTAL_ERROR = 1008027
REQUEST_TOO_FAST = 1008028
TOKEN_NOT_VALID = 1008029
APP_NOT_PAID = 1008030
APP_EXPIRED = 1008031
WRONG_ACCESS_ID_OR_DOMAIN = 1008035
NO_TOKEN_NO_ACCOUNT = 10110008
INTERNAL_ERROR = 10010005
ILLEGAL_PUSH_TIME = 10010012
PUSH_REPEAT = 10010018
# Only in the CN client/server table, without an English err_msg.
RESOURCE_NOT_DEPLOYED = 1010001
ACCESS_KEY_MISMATCH = 10030002

MESSAGES: dict[int, str] = {
    OK: "NO_ERROR",
    PARSE_ERROR: "parameter parse error",
    MISSING_PARAMETER: "missing parameter",
    AUTH_FAILURE: "auth failure",
    INVOKE_SERVICE_ERROR: "invoke service error",
    INVALID_TOKEN: "invalid token",
    INVALID_PARAMETER: "invalid parameter",
    UPLOAD_FILE_ERROR: "upload file error",
    UPLOAD_EMPTY_FILE: "upload empty file",
    PARSE_CERTIFICATE_ERROR: "parse certificate error",
    PUSH_ID_NOT_EXIST: "push id not exist",
    DATE_PARAM_FORMAT_ERROR: "date param format error",
    CONTENT_MAY_BE_EVIL: "content may be evil",
    CERT_BUNDLE_ID_CHECK_FAILED: "cert bundleId check failed",
    NOT_CORRECT_P12_FILE: "not correct p12 file",
    P12_PASSWORD_NOT_CORRECT: "p12 password is not correct",
    IOS_CERT_EXPIRED: "ios push cert was expired for the environment: PRODUCT",
    APP_PLATFORM_EXISTS: "create app , platform exist",
    BATCH_PARTLY_ERROR: "batch op,partly error",
    BATCH_TOTAL_ERROR: "batch op,total error",
    REQUEST_TOO_FAST: "request too fast",
    TOKEN_NOT_VALID: "token is not valid",
    APP_NOT_PAID: "app not paid",
    APP_EXPIRED: "app was expired",
    WRONG_ACCESS_ID_OR_DOMAIN: "accessId is not correct or domain not correct",
    NO_TOKEN_NO_ACCOUNT: "no token，no account",
    INTERNAL_ERROR: "internal error",
    ILLEGAL_PUSH_TIME: "illegal push time",
    PUSH_REPEAT: "Push repeat",
}

# Retrying these can succeed: the gateway was busy or rate limited us.
TRANSIENT_CODES = frozenset({INVOKE_SERVICE_ERROR, REQUEST_TOO_FAST})


def message_for(code: int) -> str:
    return MESSAGES.get(code, f"error {code}")
