#!/usr/bin/env python3
"""Asks an STS endpoint with boto3, the real AWS client, and prints ONE JSON line of what boto3 parsed.

Run with the AWS venv's python (scripts/cloud-venv prints it). Steps, one sub-command each:
  web-identity     AssumeRoleWithWebIdentity (unsigned), then GetCallerIdentity signed with the session it got
  caller-identity  GetCallerIdentity signed with a key (and session token) from the environment
  assume-role      AssumeRole signed with a key from the environment, then GetCallerIdentity with the session
Success: {"<Operation>": {boto3's fields}, ...}. Credentials show AccessKeyId and Expiration, and only the
lengths of SecretAccessKey and SessionToken. Failure: the steps that succeeded, then "step" (the operation that
failed) and {"error": {"code", "message", "status", "type", "request_id"}} from botocore's ClientError; exit 1.
Anything else (no answer, bad arguments): {"error": {"code": "client:<exception>", ...}}; exit 2.
Secrets are read from the environment variables named on the command line, never from arguments.
"""

import argparse
import json
import os
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="STS endpoint URL, e.g. http://127.0.0.1:PORT")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--timeout", type=float, default=10.0, help="connect and read timeout, seconds")
    steps = parser.add_subparsers(dest="command", required=True)

    web = steps.add_parser("web-identity")
    web.add_argument("--role-arn", required=True)
    web.add_argument("--session-name", required=True)
    web.add_argument("--token-file", required=True)
    web.add_argument("--duration-seconds", type=int)
    web.add_argument("--pause", type=float, default=0.0, help="seconds to wait before GetCallerIdentity")
    web.add_argument("--skip-caller-identity", action="store_true")

    caller = steps.add_parser("caller-identity")
    caller.add_argument("--access-key-id", required=True)
    caller.add_argument("--secret-access-key-env", required=True)
    caller.add_argument("--session-token-env")

    assume = steps.add_parser("assume-role")
    assume.add_argument("--access-key-id", required=True)
    assume.add_argument("--secret-access-key-env", required=True)
    assume.add_argument("--role-arn", required=True)
    assume.add_argument("--session-name", required=True)
    assume.add_argument("--skip-caller-identity", action="store_true")
    return parser.parse_args()


def isolate():
    """No shared config, no profile, no metadata service, no proxy: only what the command line says."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            del os.environ[name]
    os.environ["AWS_CONFIG_FILE"] = "/dev/null"
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def public(response):
    """boto3's parsed answer as JSON, with secrets replaced by their lengths."""
    out = {}
    for key, value in response.items():
        if key == "ResponseMetadata":
            out["RequestId"] = value.get("RequestId")
        elif key == "Credentials":
            out[key] = {
                "AccessKeyId": value.get("AccessKeyId"),
                "Expiration": value["Expiration"].isoformat() if "Expiration" in value else None,
                "SecretAccessKeyLength": len(value.get("SecretAccessKey", "")),
                "SessionTokenLength": len(value.get("SessionToken", "")),
            }
        else:
            out[key] = value
    return out


def main():
    args = parse_args()
    secret = os.environ.get(getattr(args, "secret_access_key_env", None) or "", None)
    token_env = getattr(args, "session_token_env", None)
    session_token = os.environ.get(token_env) if token_env else None
    isolate()

    import boto3
    import botocore
    from botocore.config import Config
    from botocore.exceptions import ClientError

    config = Config(
        # total_max_attempts counts the first attempt: 1 means no retry (max_attempts=1 would allow one).
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=args.timeout,
        read_timeout=args.timeout,
    )
    session = boto3.session.Session()

    def client(key_id=None, key_secret=None, token=None, unsigned=False):
        cfg = config.merge(Config(signature_version=botocore.UNSIGNED)) if unsigned else config
        return session.client(
            "sts",
            region_name=args.region,
            endpoint_url=args.endpoint,
            aws_access_key_id=key_id,
            aws_secret_access_key=key_secret,
            aws_session_token=token,
            config=cfg,
        )

    output = {}
    step = None
    try:
        if args.command == "caller-identity":
            if secret is None:
                raise ValueError(f"environment variable {args.secret_access_key_env} is not set")
            step = "GetCallerIdentity"
            output[step] = public(client(args.access_key_id, secret, session_token).get_caller_identity())
            creds = None
        elif args.command == "web-identity":
            with open(args.token_file, encoding="utf-8") as f:
                web_token = f.read().strip()
            request = {
                "RoleArn": args.role_arn,
                "RoleSessionName": args.session_name,
                "WebIdentityToken": web_token,
            }
            if args.duration_seconds is not None:
                request["DurationSeconds"] = args.duration_seconds
            step = "AssumeRoleWithWebIdentity"
            answer = client(unsigned=True).assume_role_with_web_identity(**request)
            output[step] = public(answer)
            creds = None if args.skip_caller_identity else answer["Credentials"]
        else:
            if secret is None:
                raise ValueError(f"environment variable {args.secret_access_key_env} is not set")
            step = "AssumeRole"
            answer = client(args.access_key_id, secret).assume_role(
                RoleArn=args.role_arn, RoleSessionName=args.session_name
            )
            output[step] = public(answer)
            creds = None if args.skip_caller_identity else answer["Credentials"]
        if creds is not None:
            time.sleep(max(0.0, args.pause if args.command == "web-identity" else 0.0))
            step = "GetCallerIdentity"
            sts = client(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
            output[step] = public(sts.get_caller_identity())
    except ClientError as err:
        response = err.response
        error = response.get("Error", {})
        metadata = response.get("ResponseMetadata", {})
        output["step"] = step
        output["error"] = {
            "code": error.get("Code"),
            "message": error.get("Message"),
            "status": metadata.get("HTTPStatusCode"),
            "type": error.get("Type"),
            "request_id": metadata.get("RequestId"),
        }
        print(json.dumps(output, sort_keys=True))
        return 1
    except Exception as err:  # noqa: BLE001 - every other failure is reported the same way
        output["step"] = step
        output["error"] = {"code": f"client:{type(err).__name__}", "message": str(err), "status": None}
        print(json.dumps(output, sort_keys=True))
        return 2
    print(json.dumps(output, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
