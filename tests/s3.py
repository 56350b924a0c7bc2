"""STORAGE=s3 against moto's S3 server, over real HTTP: the server runs in the test's process (a thread) on a
free local port, each test with a bucket of its own, and the settings are production's for STORAGE=s3
(relyfe/settings.py: s3_storage, and the pages' Content-Security-Policy with the store's address) with the
server's address as the endpoint."""

import socket
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

import boto3
import pytest
from moto.server import ThreadedMotoServer

from relyfe.settings import csp_with_s3, s3_origins, s3_storage

REGION = "eu-west-3"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Fetched:
    status: int
    content: bytes
    headers: dict[str, str]


def http_get(url: str) -> Fetched:
    """A GET as a browser sends it to the store: no credentials, only what is in the URL."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310  # the test's own server
            return Fetched(response.status, response.read(), {k.lower(): v for k, v in response.headers.items()})
    except urllib.error.HTTPError as refusal:
        return Fetched(refusal.code, refusal.read(), {k.lower(): v for k, v in refusal.headers.items()})


@dataclass(frozen=True)
class LocalS3:
    client: object  # boto3's S3 client, for looking at the bucket from outside the site
    bucket: str
    endpoint: str
    region: str

    def object_keys(self) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return {each["Key"] for page in pages for each in page.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def object_url(self, key: str) -> str:
        """The object's plain address (path-style, as botocore addresses a custom endpoint), unsigned."""
        return f"{self.endpoint}/{self.bucket}/{key}"

    def empty(self) -> None:
        for key in self.object_keys():
            self.client.delete_object(Bucket=self.bucket, Key=key)


def start_local_s3(settings, monkeypatch, *, region: str = REGION):
    """Starts the server, makes the bucket and points the default storage at it; returns (LocalS3, server)."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
        "AWS_DEFAULT_REGION": region,
    }.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", region_name=region, endpoint_url=endpoint)
    # moto keeps every server's buckets in one memory per process: each test has its own bucket.
    bucket = f"relyfe-test-{uuid.uuid4().hex[:16]}"
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    client.create_bucket(Bucket=bucket, **location)
    where = {"bucket_name": bucket, "region_name": region, "endpoint_url": endpoint}
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(**where)}
    settings.CONTENT_SECURITY_POLICY = csp_with_s3(settings.CONTENT_SECURITY_POLICY, s3_origins(**where))
    return LocalS3(client=client, bucket=bucket, endpoint=endpoint, region=region), server


def stop_local_s3(local: LocalS3, server) -> None:
    local.empty()
    local.client.delete_bucket(Bucket=local.bucket)
    server.stop()


@pytest.fixture
def s3(settings, monkeypatch):
    """STORAGE=s3 with production's options against moto's S3 server, with an empty bucket; yields a LocalS3."""
    local, server = start_local_s3(settings, monkeypatch)
    yield local
    stop_local_s3(local, server)
