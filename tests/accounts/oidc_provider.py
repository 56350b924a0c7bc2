"""A small OpenID Connect provider for the tests, served on the loopback in a thread: Pro Santé Connect's part
of the protocol (authorization code with PKCE, an ID token signed RS256 with a key published at its JWKS
endpoint, user info), strict about what it is sent, so that a test signing in through it shows that ReLyfe
speaks the protocol right. Tests choose who signs in (`claims`) and how the provider misbehaves.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "relyfe-tests"
CLIENT_SECRET = "client-secret-of-the-tests"  # nosec B105  # pragma: allowlist secret  (the test provider's)
KEY_ID = "test-key"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class OIDCTestProvider:
    def __init__(self):
        self.key = new_key()
        # Who signs in: the user info the provider gives (its `sub` is also the ID token's).
        self.claims: dict = {"sub": "f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:899700367917"}
        # Misbehaviours a test turns on.
        self.deny = False  # the professional cancels at the provider
        self.id_token_nonce: str | None = None  # an ID token with this nonce instead of the one asked for
        self.sign_with_another_key = False  # a signature by a key the JWKS does not hold
        self.tamper_with_payload = False  # claims changed after signing
        self.audience = CLIENT_ID
        self.authorization_requests: list[dict] = []
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class())
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def settings(self) -> dict:
        """The OIDC_* settings of a ReLyfe that uses this provider."""
        return {
            "OIDC_ENABLED": True,
            "OIDC_OP_ISSUER": self.url,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    # --- The endpoints -------------------------------------------------------------------------------------

    def discovery(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        }

    def authorize(self, query: dict) -> tuple[int, dict, dict | None]:
        """The browser arrives here; the provider "signs in" `claims` and sends it back with a code."""
        self.authorization_requests.append(query)
        redirect_uri = query.get("redirect_uri", "")
        if (
            query.get("client_id") != CLIENT_ID
            or query.get("response_type") != "code"
            or "openid" not in query.get("scope", "").split()
            or not redirect_uri
            or query.get("code_challenge_method") != "S256"
            or not query.get("code_challenge")
            or not query.get("state")
            or not query.get("nonce")
        ):
            return 400, {}, {"error": "invalid_request"}
        if self.deny:
            answer = {"error": "access_denied", "state": query["state"]}
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = {
                "redirect_uri": redirect_uri,
                "nonce": query["nonce"],
                "code_challenge": query["code_challenge"],
                "claims": dict(self.claims),
            }
            answer = {"code": code, "state": query["state"]}
        return 302, {"Location": f"{redirect_uri}?{urlencode(answer)}"}, None

    def token(self, form: dict, authorization: str) -> tuple[int, dict, dict | None]:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _colon, client_secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
            return 401, {}, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return 400, {}, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {}, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or challenge != grant["code_challenge"]:
            return 400, {}, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = grant["claims"]
        id_token = self.id_token(grant["claims"]["sub"], self.id_token_nonce or grant["nonce"])
        return 200, {}, {"access_token": access_token, "token_type": "Bearer", "expires_in": 120, "id_token": id_token}

    def id_token(self, subject: str, nonce: str) -> str:
        now = int(time.time())
        payload = {
            "iss": self.url,
            "sub": subject,
            "aud": self.audience,
            "iat": now,
            "exp": now + 120,
            "nonce": nonce,
            "acr": "eidas1",
        }
        key = new_key() if self.sign_with_another_key else self.key
        token = jwt.encode(payload, key, algorithm="RS256", headers={"kid": KEY_ID})
        if self.tamper_with_payload:
            header, _payload, signature = token.split(".")
            changed = json.dumps({**payload, "sub": "someone-else"}).encode()
            token = ".".join([header, base64.urlsafe_b64encode(changed).rstrip(b"=").decode(), signature])
        return token

    def userinfo(self, authorization: str) -> tuple[int, dict, dict | None]:
        claims = self.access_tokens.get(authorization.removeprefix("Bearer "))
        if not authorization.startswith("Bearer ") or claims is None:
            return 401, {}, {"error": "invalid_token"}
        return 200, {}, claims

    def jwks(self) -> dict:
        key = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**key, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}

    def handler_class(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                query = {name: values[0] for name, values in parse_qs(parts.query).items()}
                routes = {
                    "/.well-known/openid-configuration": lambda: (200, {}, provider.discovery()),
                    "/authorize": lambda: provider.authorize(query),
                    "/userinfo": lambda: provider.userinfo(self.headers.get("Authorization", "")),
                    "/jwks": lambda: (200, {}, provider.jwks()),
                }
                self.answer(*routes.get(parts.path, lambda: (404, {}, {"error": "not_found"}))())

            def do_POST(self):
                if urlsplit(self.path).path != "/token":
                    self.answer(404, {}, {"error": "not_found"})
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = {name: values[0] for name, values in parse_qs(body).items()}
                self.answer(*provider.token(form, self.headers.get("Authorization", "")))

            def answer(self, status: int, headers: dict, body: dict | None):
                content = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format, *args):  # the tests' output stays quiet
                pass

        return Handler
