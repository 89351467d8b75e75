"""Keys, DSSE envelopes, RFC 9421 request signatures and RFC 9530 digests.

The only importer of ``cryptography`` in the project; pure (no Flask, SQLAlchemy or faiss).
"""

from clearinghouse.crypto.digest import (
    DIGEST_ALGORITHMS,
    content_digest,
    parse_content_digest,
    verify_content_digest,
)
from clearinghouse.crypto.dsse import Envelope, pae, sign_envelope, verify_envelope
from clearinghouse.crypto.httpsig import (
    RequestSignatureError,
    VerifiedSignature,
    sign_request,
    verify_request,
)
from clearinghouse.crypto.keys import SigningKey, VerifyKey, is_encrypted_pem, key_id_of
from clearinghouse.crypto.possession import prove_possession, verify_possession
from clearinghouse.crypto.sigbase import (
    HttpRequest,
    header_fields,
    signature_base,
    wsgi_target_uri,
)

__all__ = [
    "DIGEST_ALGORITHMS",
    "Envelope",
    "HttpRequest",
    "RequestSignatureError",
    "SigningKey",
    "VerifiedSignature",
    "VerifyKey",
    "content_digest",
    "header_fields",
    "is_encrypted_pem",
    "key_id_of",
    "pae",
    "parse_content_digest",
    "prove_possession",
    "sign_envelope",
    "sign_request",
    "signature_base",
    "verify_content_digest",
    "verify_envelope",
    "verify_possession",
    "verify_request",
    "wsgi_target_uri",
]
