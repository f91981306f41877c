#!/usr/bin/env python3
"""Gets a Google access token with google-auth, Google's own client library, and prints ONE JSON line.

Run with the venv's python (scripts/cloud-venv prints it). The credential file is what GOOGLE_APPLICATION_CREDENTIALS
would name: an `external_account` configuration (workload identity federation, optionally with
`service_account_impersonation_url`) or a `service_account` key file. google-auth loads it with its own loader
(google.auth.load_credentials_from_file, which builds google.auth.identity_pool.Credentials.from_info or
google.oauth2.service_account.Credentials.from_service_account_info), scopes it, and refreshes it; the token then
calls Resource Manager's testIamPermissions (and, with --get-project, projects.get) with requests.

Success: {"credentials": <class>, "token": {"length", "prefix"}, "expiry": <ISO 8601 UTC>,
"testIamPermissions": {"status", "body"}, "project": {"status", "body"}}; exit 0.
Refresh refused: {"error": {"class", "message", "response"}} from google.auth.exceptions; exit 1.
Anything else (bad arguments, no answer, a non-loopback URL): {"error": {"class": "client:<exception>", ...}}; exit 2.
The token itself, and the key, are never printed: only the token's length and its first 5 characters.

Only the loopback test server is ever contacted: every URL in the credential file and on the command line must be
http://127.0.0.1 or http://localhost, the HTTP session refuses any other host (so a default Google endpoint that
google-auth might fall back to fails loudly instead of leaving the machine), proxies and netrc are ignored, and the
metadata server is switched off (NO_GCE_CHECK, GCE_METADATA_HOST and GCE_METADATA_IP on a closed loopback port).
"""

import argparse
import json
import os
import sys
import urllib.parse

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# A loopback port nothing listens on: a metadata lookup, should one happen, is refused at once.
CLOSED_LOOPBACK = "127.0.0.1:1"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", required=True, help="credential file (external_account or service_account)")
    parser.add_argument("--resource-manager", required=True, help="Resource Manager base URL, http://127.0.0.1:PORT")
    parser.add_argument("--project", required=True, help="project id or number for testIamPermissions")
    parser.add_argument("--permission", action="append", default=[], help="a permission to test (repeatable)")
    parser.add_argument("--scope", action="append", help=f"OAuth scope (repeatable; default {CLOUD_PLATFORM})")
    parser.add_argument("--get-project", action="store_true", help="also GET /v1/projects/PROJECT")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds for each testIamPermissions call")
    return parser.parse_args()


def isolate():
    """No ambient Google configuration, no metadata server, no proxy: only what the command line says."""
    for name in list(os.environ):
        upper = name.upper()
        if (
            upper.startswith(("GOOGLE_", "GCE_", "CLOUDSDK_", "GCLOUD_"))
            or upper in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "NETRC")
        ):
            del os.environ[name]
    os.environ["NO_GCE_CHECK"] = "True"
    os.environ["GCE_METADATA_HOST"] = CLOSED_LOOPBACK
    os.environ["GCE_METADATA_IP"] = CLOSED_LOOPBACK
    os.environ["CLOUDSDK_CONFIG"] = os.devnull
    os.environ["GOOGLE_API_USE_CLIENT_CERTIFICATE"] = "false"


def require_loopback(url, what):
    parsed = urllib.parse.urlsplit(url or "")
    if parsed.scheme != "http" or parsed.hostname not in LOOPBACK_HOSTS:
        raise ValueError(f"{what} is not a loopback http URL: {url!r}")


def check_file(info):
    """The credential file's endpoints must all be the loopback server."""
    kind = info.get("type")
    if kind == "external_account":
        require_loopback(info.get("token_url"), "token_url")
        if "service_account_impersonation_url" in info:
            require_loopback(info["service_account_impersonation_url"], "service_account_impersonation_url")
        if "url" in (info.get("credential_source") or {}):
            require_loopback(info["credential_source"]["url"], "credential_source.url")
    elif kind == "service_account":
        require_loopback(info.get("token_uri"), "token_uri")
    else:
        raise ValueError(f"credential type not handled here: {kind!r}")


def loopback_session():
    import requests

    class LoopbackOnly(requests.Session):
        def request(self, method, url, *args, **kwargs):
            require_loopback(url, f"{method} request")
            return super().request(method, url, *args, **kwargs)

    session = LoopbackOnly()
    session.trust_env = False  # no proxies, no netrc, no CA bundle from the environment
    return session


def answer(response):
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return {"status": response.status_code, "body": body}


def auth_error(err):
    """google.auth's exception: its class, message (first argument) and the server's answer (second), if any."""
    args = list(err.args)
    response = args[1] if len(args) > 1 else None
    if response is not None and not isinstance(response, str):
        response = json.dumps(response, sort_keys=True)
    return {
        "class": f"{type(err).__module__}.{type(err).__name__}",
        "message": str(args[0]) if args else str(err),
        "response": response,
    }


def main():
    args = parse_args()
    isolate()

    import google.auth
    import google.auth.exceptions
    import google.auth.transport.requests

    try:
        require_loopback(args.resource_manager, "--resource-manager")
        with open(args.credentials, encoding="utf-8") as f:
            check_file(json.load(f))
        session = loopback_session()
        request = google.auth.transport.requests.Request(session=session)
        # Without scopes the loader does not look the project up (a call to the real Resource Manager); the
        # scopes come after, as a client library adds them.
        credentials, _ = google.auth.load_credentials_from_file(args.credentials, request=request)
        credentials = credentials.with_scopes(args.scope or [CLOUD_PLATFORM])
        kind = f"{type(credentials).__module__}.{type(credentials).__name__}"
    except Exception as err:  # noqa: BLE001 - every setup failure is reported the same way
        print(json.dumps({"error": {"class": f"client:{type(err).__name__}", "message": str(err)}}, sort_keys=True))
        return 2

    try:
        credentials.refresh(request)
    except google.auth.exceptions.GoogleAuthError as err:
        print(json.dumps({"credentials": kind, "error": auth_error(err)}, sort_keys=True))
        return 1
    except Exception as err:  # noqa: BLE001
        out = {"credentials": kind, "error": {"class": f"client:{type(err).__name__}", "message": str(err)}}
        print(json.dumps(out, sort_keys=True))
        return 2

    token = credentials.token or ""
    out = {
        "credentials": kind,
        "token": {"length": len(token), "prefix": token[:5]},
        "expiry": credentials.expiry.isoformat() + "Z" if credentials.expiry else None,
    }
    headers = {"Authorization": f"Bearer {token}"}
    base = args.resource_manager.rstrip("/")
    project = urllib.parse.quote(args.project, safe="")
    try:
        out["testIamPermissions"] = answer(
            session.post(
                f"{base}/v1/projects/{project}:testIamPermissions",
                json={"permissions": args.permission},
                headers=headers,
                timeout=args.timeout,
            )
        )
        if args.get_project:
            out["project"] = answer(session.get(f"{base}/v1/projects/{project}", headers=headers, timeout=args.timeout))
    except Exception as err:  # noqa: BLE001
        out["error"] = {"class": f"client:{type(err).__name__}", "message": str(err)}
        print(json.dumps(out, sort_keys=True))
        return 2
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
