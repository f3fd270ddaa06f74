"""The demonstration provider's signing key.

OpenID Connect ID tokens are signed with RS256; the key is generated when the process starts
unless ``DEMO_OIDC_RSA_PRIVATE_KEY`` gives one. A key is never committed: a key in the
repository would let anybody sign tokens the demo site accepts. Restarting the server makes
a new key, which only ends the demo sign-ins in progress.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def rsa_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode()
