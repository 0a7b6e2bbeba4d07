"""A real S3 API on a free local port (moto's server), shared by this process and workers."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import require

REGION = "us-east-1"
LOCATION = "pushdeck"  # as console/settings.py sets for S3


@dataclass(frozen=True)
class S3:
    endpoint_url: str
    bucket: str
    client: Any  # a boto3 S3 client

    @property
    def worker_env(self) -> dict[str, str]:
        """What a worker process needs to use this bucket through console/settings.py."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            # A proxy from the environment must not sit between the worker and localhost.
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }

    @property
    def storage(self) -> dict[str, Any]:
        """The STORAGES["default"] entry for this process."""
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": self.bucket,
                "endpoint_url": self.endpoint_url,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": REGION,
                "file_overwrite": False,
                "location": LOCATION,
            },
        }

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket, Prefix=f"{LOCATION}/{prefix}")
        return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.fixture
def s3_server() -> Iterator[S3]:
    try:
        import boto3
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
    except Exception as exc:  # any failure to start means "no S3 here"
        require(False, f"moto's S3 server cannot start: {exc}")
        raise
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=REGION,
    )
    bucket = f"pushdeck-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    try:
        yield S3(endpoint_url=endpoint, bucket=bucket, client=client)
    finally:
        server.stop()
