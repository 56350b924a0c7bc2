"""Creates the file store's bucket when it is missing (compose's MinIO starts empty). Run by the migrate
service when CREATE_BUCKET=1; a real S3 bucket is made beforehand, with its own policies."""

import os

import boto3
from botocore.exceptions import ClientError

bucket = os.environ["AWS_STORAGE_BUCKET_NAME"]
client = boto3.client(
    "s3", endpoint_url=os.environ.get("AWS_S3_ENDPOINT_URL"), region_name=os.environ.get("AWS_S3_REGION_NAME")
)
try:
    client.head_bucket(Bucket=bucket)
except ClientError:
    client.create_bucket(Bucket=bucket)
    print(f"Bucket {bucket} created.")
