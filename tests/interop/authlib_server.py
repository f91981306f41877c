#!/usr/bin/env python3
"""Second third-party OAuth 2.0 token endpoint for authcheck interop tests.

The OAuth logic (client authentication, grant checks, scope checks, error
bodies, token generation, RFC 7662 introspection) is Authlib's
(`authlib.integrations.flask_oauth2`); this file is only the glue: an
in-memory client table and token store, served by werkzeug on loopback.

Usage: authlib_server.py [PORT]       (or env OIDC_PORT; 0 = random, default)
  stdout: exactly one line `LISTENING http://127.0.0.1:<port>` once ready.
  POST <base>/token            client_credentials grant
  POST <base>/introspect       RFC 7662 (client authenticated like /token)
  Exits on SIGTERM/SIGINT/SIGHUP, on EOF of a pipe/socket/tty stdin, and
  after OIDC_MAX_SECONDS (default 600).
"""
import logging
import os
import signal
import stat
import sys
import threading
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Flask
from werkzeug.serving import make_server

# Same test clients as oidc-server.mjs (minus cc-jwt: only opaque tokens here,
# and minus the private_key_jwt / client_secret_jwt / mTLS clients).
CLIENTS = {
    "cc-basic": {"secret": "basic-secret-1", "auth": "client_secret_basic", "grants": ["client_credentials"], "scope": "read write"},
    "cc-post": {"secret": "post-secret-1", "auth": "client_secret_post", "grants": ["client_credentials"], "scope": "read write"},
    "cc-nogrant": {"secret": "nogrant-secret-1", "auth": "client_secret_basic", "grants": ["authorization_code"], "scope": "read write"},
    "cc-special": {"secret": "s3cr+t/with=chars&%", "auth": "client_secret_basic", "grants": ["client_credentials"], "scope": "read write"},
    # Only `read`: get_allowed_scope below silently drops `write` (see README, scopes).
    "cc-readonly": {"secret": "readonly-secret-1", "auth": "client_secret_basic", "grants": ["client_credentials"], "scope": "read"},
}
# Authlib checks requested scopes against the server-wide list only, so
# `admin` is simply not supported here -> invalid_scope.
SCOPES_SUPPORTED = ["read", "write"]
TOKEN_TTL = 600


class Client(ClientMixin):
    def __init__(self, client_id, meta):
        self.client_id = client_id
        self.meta = meta

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        if not scope:
            return ""
        allowed = set(self.meta["scope"].split())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_client_secret(self, client_secret):
        import hmac
        return hmac.compare_digest(client_secret.encode(), self.meta["secret"].encode())

    def check_endpoint_auth_method(self, method, endpoint):
        # The registered method is required at the token endpoint; the
        # introspection endpoint accepts either secret method.
        if endpoint == "token":
            return method == self.meta["auth"]
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        return grant_type in self.meta["grants"]


class Token(TokenMixin):
    def __init__(self, data, client_id):
        self.data = data
        self.client_id = client_id
        self.issued_at = int(time.time())

    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.data.get("scope", "")

    def get_expires_in(self):
        return int(self.data.get("expires_in", 0))

    def is_expired(self):
        return self.issued_at + self.get_expires_in() < time.time()

    def is_revoked(self):
        return False


TOKENS = {}
_lock = threading.Lock()


def query_client(client_id):
    meta = CLIENTS.get(client_id)
    return Client(client_id, meta) if meta else None


def save_token(token, request):
    with _lock:
        TOKENS[token["access_token"]] = Token(dict(token), request.client.get_client_id())


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string, token_type_hint):
        with _lock:
            return TOKENS.get(token_string)

    def check_permission(self, token, client, request):
        return True

    def introspect_token(self, token):
        return {
            "active": True,
            "client_id": token.client_id,
            "token_type": "Bearer",
            "scope": token.get_scope(),
            "iat": token.issued_at,
            "exp": token.issued_at + token.get_expires_in(),
        }


def create_app():
    app = Flask("authlib_server")
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"client_credentials": TOKEN_TTL}
    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.scopes_supported = SCOPES_SUPPORTED
    server.register_grant(ClientCredentialsGrant)
    server.register_endpoint(Introspection)

    @app.route("/token", methods=["POST"])
    def token():
        return server.create_token_response()

    @app.route("/introspect", methods=["POST"])
    def introspect():
        return server.create_endpoint_response(Introspection.ENDPOINT_NAME)

    # RFC 8414 metadata, so that a client given only the token URL can find the introspection endpoint at the
    # issuer the token URL implies (the glue states what Authlib serves; Authlib itself writes no metadata).
    @app.route("/.well-known/oauth-authorization-server", methods=["GET"])
    def metadata():
        from flask import jsonify, request

        base = request.host_url.rstrip("/")
        return jsonify(
            issuer=base,
            token_endpoint=f"{base}/token",
            introspection_endpoint=f"{base}/introspect",
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            introspection_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            grant_types_supported=["client_credentials"],
            scopes_supported=SCOPES_SUPPORTED,
        )

    return app


def main():
    def die(msg):
        sys.stderr.write(f"authlib-server: {msg}\n")
        sys.exit(2)

    port_arg = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OIDC_PORT", "0")
    try:
        port = int(port_arg)
        assert 0 <= port <= 65535
    except (ValueError, AssertionError):
        die(f"bad port {port_arg!r}")
    try:
        max_seconds = float(os.environ.get("OIDC_MAX_SECONDS", "600"))
        assert max_seconds > 0
    except (ValueError, AssertionError):
        die(f"bad OIDC_MAX_SECONDS {os.environ.get('OIDC_MAX_SECONDS')!r}")

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: os._exit(0))

    # werkzeug logs every request with ANSI colours on stderr, which lands in the test log: errors only.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    try:
        httpd = make_server("127.0.0.1", port, create_app(), threaded=True)
    except OSError as e:
        die(f"cannot listen on 127.0.0.1:{port}: {e}")
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    sys.stdout.write(f"LISTENING http://127.0.0.1:{httpd.server_port}\n")
    sys.stdout.flush()

    deadline = time.monotonic() + max_seconds
    try:
        mode = os.fstat(0).st_mode
        watch_stdin = stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(0)
    except OSError:
        watch_stdin = False
    if watch_stdin:
        def wait_eof():
            while os.read(0, 4096):
                pass
            os._exit(0)
        threading.Thread(target=wait_eof, daemon=True).start()
    while time.monotonic() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    sys.stderr.write(f"authlib-server: max lifetime {max_seconds:g}s reached, exiting\n")
    os._exit(0)


if __name__ == "__main__":
    main()
