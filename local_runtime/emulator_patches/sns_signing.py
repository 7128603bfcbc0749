"""SNS signs its notifications with one certificate per process, as AWS signs with a stable one.

moto builds and signs a new X.509 certificate (and a new serial number) for every notification it
delivers to a queue or an HTTP endpoint (`Subscription.get_post_data`): about a tenth of the
emulator's CPU at 30 orders/s. It also keeps every certificate's PEM in the backend, so the saved
state grew by one certificate per message. Here one key and certificate, made at the first
notification, sign them all. Each notification still carries its own Signature over its fields
and a SigningCertURL whose PEM (served by moto's own route) verifies it; the fields are moto's.
"""

from __future__ import annotations

import base64
import threading
from datetime import timedelta
from typing import Any

import cryptography.x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import Name, NameAttribute
from cryptography.x509.oid import NameOID
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.utils import iso_8601_datetime_with_milliseconds, utcnow
from moto.moto_api._internal import mock_random
from moto.sns import models as sns_models

# moto signs with SHA256 only ("cryptography doesn't support SHA1 anymore for certificates").
SIGNATURE_VERSION = "2"
_made = threading.Lock()
_signer: tuple[rsa.RSAPrivateKey, str, bytes] | None = None


def signer() -> tuple[rsa.RSAPrivateKey, str, bytes]:
    """This process's signing key, its certificate's file name and PEM; made once, as moto makes each."""
    global _signer
    with _made:
        if _signer is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            certificate = (
                cryptography.x509.CertificateBuilder()
                .subject_name(Name([NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")]))
                .issuer_name(
                    Name(
                        [
                            NameAttribute(NameOID.COUNTRY_NAME, "US"),
                            NameAttribute(NameOID.ORGANIZATION_NAME, "Amazon"),
                            NameAttribute(NameOID.COMMON_NAME, "Amazon RSA 2048 M01"),
                        ]
                    )
                )
                .public_key(key.public_key())
                .serial_number(cryptography.x509.random_serial_number())
                .not_valid_before(utcnow())
                .not_valid_after(utcnow() + timedelta(days=365))
                .sign(key, hashes.SHA256())
            )
            name = f"SimpleNotificationService-{str(mock_random.uuid4()).replace('-', '')}.pem"
            _signer = key, name, certificate.public_bytes(serialization.Encoding.PEM)
        return _signer


def _get_post_data(
    self, message: str, message_id: str, subject: str | None, message_attributes: dict[str, Any] | None = None
) -> dict[str, Any]:
    """moto's `Subscription.get_post_data`, signed by this process's one certificate."""
    key, key_name, pem = signer()
    timestamp = iso_8601_datetime_with_milliseconds()
    string_to_sign = f"""Message
{message}
MessageId
{message_id}
Timestamp
{timestamp}
TopicArn
{self.topic.arn}
Type
Notification
"""
    signature = key.sign(string_to_sign.encode("UTF-8"), padding.PKCS1v15(), hashes.SHA256())
    # Where moto's route serves it from: the default account's backend of the topic's region.
    # Set on every call (a dict store): a restore or reset may have replaced that backend.
    region = self.topic.sns_backend.region_name
    sns_models.sns_backends[DEFAULT_ACCOUNT_ID][region]._message_public_keys[key_name] = pem
    post_data: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": self.topic.arn,
        "Message": message,
        "Timestamp": timestamp,
        "SignatureVersion": SIGNATURE_VERSION,
        "Signature": base64.b64encode(signature).decode("utf-8"),
        "SigningCertURL": f"https://sns.{region}.amazonaws.com/{key_name}",
        "UnsubscribeURL": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:{self.account_id}:{self.topic.name}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
    }
    if subject:
        post_data["Subject"] = subject
    if message_attributes:
        post_data["MessageAttributes"] = message_attributes
    return post_data


def install() -> None:
    sns_models.Subscription.get_post_data = _get_post_data
