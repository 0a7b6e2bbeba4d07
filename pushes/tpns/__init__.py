"""TPNS REST API v3: signing, error codes, request schema and the HTTP client."""
