#!/usr/bin/env python3
"""moto (a real AWS emulator this project did not write) on loopback, with IAM authentication on.

The credential checks (access key lookup, SigV4 verification, IAM policy and trust policy evaluation, the
error bodies) are moto's; this file only seeds one account and proves the checks are live before it says so.

Usage: moto_server.py [PORT]          (0 or nothing = random port)
  stdout: exactly one JSON line once ready (nothing else; logs go to stderr):
    {"endpoint":"http://127.0.0.1:PORT","account":"123456789012",
     "users":{"ci-deployer":{"access_key_id":..,"secret_access_key":..,"arn":..},"ci-nobody":{..}},
     "roles":{"deploy":"arn:aws:iam::123456789012:role/deploy"},"region":"us-east-1"}
  Seeded: user ci-deployer (key; inline policy allowing sts:AssumeRole on role deploy), user ci-nobody (key, no
  policies), role deploy (trusts ci-deployer's user ARN). STS and IAM are both served on the one port.
  Exits 1 (reason on stderr, no JSON line) if the self-check fails or start-up takes longer than
  MOTO_STARTUP_SECONDS (default 90), 2 on a bad or busy PORT; exits 0 on EOF of a pipe/socket/tty stdin, on SIGTERM/SIGINT/SIGHUP, and
  after MOTO_MAX_SECONDS (default 600). MOTO_SERVER_VERBOSE=1 keeps moto's and werkzeug's logs (on stderr).
"""
import json
import logging
import os
import signal
import socket
import stat
import sys
import threading
import time

# The self-check must test the server, not whatever AWS profile, endpoint override or credentials the developer
# or CI runner has: boto3 in this process sees no config files and no AWS_* variables.
for _name in list(os.environ):
    if _name.startswith("AWS_"):
        del os.environ[_name]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from moto import settings  # noqa: E402
from moto.core.authorization import ActionAuthenticatorMixin  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

REGION = "us-east-1"
DEPLOYER = "ci-deployer"
NOBODY = "ci-nobody"
ROLE = "deploy"
# AWS's documented example key id: never issued by moto, so it must be refused as unknown.
UNKNOWN_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SELF_CHECK_SESSION = "moto-server-self-check"


def log(msg):
    sys.stderr.write(f"moto-server: {msg}\n")
    sys.stderr.flush()


def fail(msg, code=1):
    log(msg)
    # os._exit: the server thread and any boto3 connection threads must not keep the process alive.
    os._exit(code)


def client(endpoint, service, key_id, secret, token=None):
    # One attempt and short timeouts: a retried or hanging call would hide the answer the self-check wants and
    # could stretch start-up past the harness's bound.
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=15),
    )


def seed(endpoint):
    """Creates the users, keys and role while moto still accepts anything (auth off)."""
    # With auth off, moto files unknown keys under its default account: these dummy credentials only pick it.
    iam = client(endpoint, "iam", "AKIASEEDINGONLY00000", "seeding-only")
    users = {}
    for name in (DEPLOYER, NOBODY):
        arn = iam.create_user(UserName=name)["User"]["Arn"]
        key = iam.create_access_key(UserName=name)["AccessKey"]
        users[name] = {
            "access_key_id": key["AccessKeyId"],
            "secret_access_key": key["SecretAccessKey"],
            "arn": arn,
        }
    account = users[DEPLOYER]["arn"].split(":")[4]
    role_arn = f"arn:aws:iam::{account}:role/{ROLE}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": users[DEPLOYER]["arn"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    created = iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if created != role_arn:
        fail(f"role ARN {created!r}, expected {role_arn!r}")
    allow_assume = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}],
    }
    iam.put_user_policy(UserName=DEPLOYER, PolicyName="assume-deploy", PolicyDocument=json.dumps(allow_assume))
    return account, users, role_arn


def switch_auth_on():
    # moto authenticates a request only once `request_count` has reached INITIAL_NO_AUTH_ACTION_COUNT (default
    # infinity = never) and counts requests only while below it. At 0 every request is checked and the counter
    # never moves again, so neither the self-check nor the tests can use up or shift anything.
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    ActionAuthenticatorMixin.request_count = 0


def expect_error(what, call, code):
    try:
        call()
    except ClientError as e:
        got = e.response.get("Error", {}).get("Code")
        if got != code:
            fail(f"self-check: {what}: error {got!r} ({e}), expected {code!r}")
        return
    fail(f"self-check: {what}: succeeded, expected {code!r} (is IAM authentication on?)")


def self_check(endpoint, account, users, role_arn):
    """Proves moto now checks keys, signatures and policies, so a green test means something."""
    deployer, nobody = users[DEPLOYER], users[NOBODY]
    sts = client(endpoint, "sts", deployer["access_key_id"], deployer["secret_access_key"])
    try:
        arn = sts.get_caller_identity()["Arn"]
    except ClientError as e:
        fail(f"self-check: {DEPLOYER} GetCallerIdentity failed: {e}")
    if arn != deployer["arn"]:
        fail(f"self-check: {DEPLOYER} GetCallerIdentity says {arn!r}, expected {deployer['arn']!r}")

    wrong = client(endpoint, "sts", deployer["access_key_id"], deployer["secret_access_key"][:-4] + "XXXX")
    expect_error("wrong secret", wrong.get_caller_identity, "SignatureDoesNotMatch")

    unknown = client(endpoint, "sts", UNKNOWN_KEY_ID, deployer["secret_access_key"])
    expect_error("unknown key id", unknown.get_caller_identity, "InvalidClientTokenId")

    try:
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=SELF_CHECK_SESSION)["Credentials"]
    except ClientError as e:
        fail(f"self-check: {DEPLOYER} AssumeRole {role_arn} failed: {e}")
    session = client(endpoint, "sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    try:
        arn = session.get_caller_identity()["Arn"]
    except ClientError as e:
        fail(f"self-check: GetCallerIdentity with the session credentials failed: {e}")
    expected = f"arn:aws:sts::{account}:assumed-role/{ROLE}/{SELF_CHECK_SESSION}"
    if arn != expected:
        fail(f"self-check: session GetCallerIdentity says {arn!r}, expected {expected!r}")

    denied = client(endpoint, "sts", nobody["access_key_id"], nobody["secret_access_key"])
    expect_error(
        f"{NOBODY} AssumeRole",
        lambda: denied.assume_role(RoleArn=role_arn, RoleSessionName=SELF_CHECK_SESSION),
        "AccessDenied",
    )


def main():
    port_arg = sys.argv[1] if len(sys.argv) > 1 else "0"
    try:
        port = int(port_arg)
        assert 0 <= port <= 65535
    except (ValueError, AssertionError):
        fail(f"bad port {port_arg!r}", 2)
    try:
        max_seconds = float(os.environ.get("MOTO_MAX_SECONDS", "600"))
        startup_seconds = float(os.environ.get("MOTO_STARTUP_SECONDS", "90"))
        assert max_seconds > 0 and startup_seconds > 0
    except (ValueError, AssertionError):
        fail("bad MOTO_MAX_SECONDS or MOTO_STARTUP_SECONDS", 2)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: os._exit(0))

    # A harness waits for the JSON line; if anything below hangs, it must fail with a reason, not wait forever.
    ready = threading.Event()

    def startup_watchdog():
        if not ready.wait(startup_seconds):
            fail(f"not ready after {startup_seconds:g}s (MOTO_STARTUP_SECONDS)")

    threading.Thread(target=startup_watchdog, daemon=True).start()

    # werkzeug logs every request and moto logs at INFO; the test log should only show failures.
    if os.environ.get("MOTO_SERVER_VERBOSE") != "1":
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        logging.getLogger("moto").setLevel(logging.ERROR)

    started = time.monotonic()
    if port:
        # ThreadedMotoServer binds inside its own thread and, on a busy port, never signals ready (start() would
        # wait until the watchdog fires): try the port here first, with the same SO_REUSEADDR werkzeug uses.
        try:
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(("127.0.0.1", port))
        except OSError as e:
            fail(f"cannot listen on 127.0.0.1:{port}: {e}", 2)
    # verbose=False: ThreadedMotoServer would otherwise print a banner on stdout, which is the harness's channel.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    endpoint = f"http://{host}:{bound}"

    # A brand-new server: moto's state is per process, so there is nothing to reset before seeding.
    try:
        account, users, role_arn = seed(endpoint)
        switch_auth_on()
        self_check(endpoint, account, users, role_arn)
    except Exception as e:  # a connection error or a moto bug: one line saying so beats a traceback
        fail(f"start-up failed: {type(e).__name__}: {e}")

    line = {
        "endpoint": endpoint,
        "account": account,
        "users": users,
        "roles": {ROLE: role_arn},
        "region": REGION,
    }
    ready.set()  # before the line: once a harness has it, the watchdog must not kill the server
    sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stdout.flush()
    if os.environ.get("MOTO_SERVER_VERBOSE") == "1":
        log(f"ready on {endpoint} after {time.monotonic() - started:.2f}s")

    # The harness holds our stdin open while it needs us: its EOF (drop, panic, harness killed) ends the server.
    # A /dev/null or file stdin would be at EOF at once, so only pipes, sockets and ttys are watched.
    stop = threading.Event()
    try:
        mode = os.fstat(0).st_mode
        watch_stdin = stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(0)
    except OSError:
        watch_stdin = False
    if watch_stdin:
        def wait_eof():
            try:
                while os.read(0, 4096):
                    pass
            except OSError:
                pass
            stop.set()

        threading.Thread(target=wait_eof, daemon=True).start()
    if not stop.wait(max_seconds):
        log(f"max lifetime {max_seconds:g}s reached (MOTO_MAX_SECONDS), exiting")

    # A clean shutdown, but bounded: a request stuck in a handler must not keep the process alive.
    stopper = threading.Thread(target=server.stop, daemon=True)
    stopper.start()
    stopper.join(5)
    os._exit(0)


if __name__ == "__main__":
    main()


# Observed answers (moto 5.2.5)
# =============================
# Raw HTTP as this server sent it with IAM authentication on (werkzeug 3.1.9, Python 3.11), for SigV4-signed
# `POST /` form requests (Content-Type application/x-www-form-urlencoded, `Action=...&Version=2011-06-15`, credential
# scope us-east-1/sts) made with botocore's SigV4Auth and http.client. Header order and case are as received. Secret
# values are replaced by <placeholders>; ids, request ids and dates are one run's.
#
# Shape, in short:
#   - success: 200, Content-Type text/xml, the AWS query-protocol XML with xmlns and
#     <ResponseMetadata><RequestId>, equal to the x-amzn-requestid header.
#   - auth failure: 403, Content-Type "text/html; charset=utf-8" (not text/xml), an extra header "status: 403",
#     an <?xml?> declaration line, then <ErrorResponse><Errors><Error><Code/><Message/><Type/></Error></Errors>
#     </ErrorResponse>. Real STS sends <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>
#     <Type/><Code/><Message/></Error><RequestId/></ErrorResponse>: no <Errors> wrapper, with xmlns and a body
#     <RequestId>. A parser that handles both must look for Error under ErrorResponse and under
#     ErrorResponse/Errors; on moto the request id of an error is only in the x-amzn-requestid header.
#   - request ids are 52 random alphanumerics, not UUIDs as real STS sends.
#
# --- GetCallerIdentity, ci-deployer's key (success)
#   HTTP 200 OK
#   Server: Werkzeug/3.1.9 Python/3.11.7
#   Date: Fri, 04 Dec 2026 15:33:16 GMT
#   Content-Type: text/xml
#   server: amazon.com
#   x-amzn-requestid: EuVo15pfTeor3kp1CK98zS2bqlCnNviFHKEiDKeKn7bpgXvas5oY
#   Content-Length: 389
#   Access-Control-Allow-Origin: *
#   Connection: close
#   <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><UserId>g1u239px56hqqoo6q5rs</UserId><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/ci-deployer</Arn></GetCallerIdentityResult><ResponseMetadata><RequestId>EuVo15pfTeor3kp1CK98zS2bqlCnNviFHKEiDKeKn7bpgXvas5oY</RequestId></ResponseMetadata></GetCallerIdentityResponse>
#
# --- GetCallerIdentity, ci-deployer's key id with a wrong secret
#   HTTP 403 FORBIDDEN
#   Server: Werkzeug/3.1.9 Python/3.11.7
#   Date: Fri, 04 Dec 2026 15:33:16 GMT
#   server: amazon.com
#   status: 403
#   x-amzn-requestid: a8G03D3JuA6rroqaTHkWXQDQO70U9Bn0XvoosbNZVoZFaEF0eBv5
#   Content-Type: text/html; charset=utf-8
#   Content-Length: 352
#   Access-Control-Allow-Origin: *
#   Connection: close
#   <?xml version="1.0" encoding="utf-8"?>
#   <ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.</Message><Type>Sender</Type></Error></Errors></ErrorResponse>
#
# --- GetCallerIdentity, unknown key id AKIAIOSFODNN7EXAMPLE
#   HTTP 403 FORBIDDEN
#   Server: Werkzeug/3.1.9 Python/3.11.7
#   Date: Fri, 04 Dec 2026 15:33:16 GMT
#   server: amazon.com
#   status: 403
#   x-amzn-requestid: U0EHgn9lReYIooh2nHnblCugaiNtLY3bZTIZ1KkfjzfVqM6CEjXs
#   Content-Type: text/html; charset=utf-8
#   Content-Length: 227
#   Access-Control-Allow-Origin: *
#   Connection: close
#   <?xml version="1.0" encoding="utf-8"?>
#   <ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message><Type>Sender</Type></Error></Errors></ErrorResponse>
#
# --- AssumeRole deploy as ci-nobody (no policy)
#   HTTP 403 FORBIDDEN
#   Server: Werkzeug/3.1.9 Python/3.11.7
#   Date: Fri, 04 Dec 2026 15:33:16 GMT
#   server: amazon.com
#   status: 403
#   x-amzn-requestid: ABfQfM7ndLCs38DLN5GVXXNqMi8OmhzHlwW3ADpYxQuxu3b7Uyus
#   Content-Type: text/html; charset=utf-8
#   Content-Length: 256
#   Access-Control-Allow-Origin: *
#   Connection: close
#   <?xml version="1.0" encoding="utf-8"?>
#   <ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/ci-nobody is not authorized to perform: sts:AssumeRole</Message><Type>Sender</Type></Error></Errors></ErrorResponse>
#
# --- AssumeRole deploy as ci-deployer (success; RoleSessionName=probe-session)
#   HTTP 200 OK
#   Server: Werkzeug/3.1.9 Python/3.11.7
#   Date: Fri, 04 Dec 2026 15:33:16 GMT
#   Content-Type: text/xml
#   server: amazon.com
#   x-amzn-requestid: fnJexDs2I7SM7KmvAbRX86McDhs2oCqeyb8OXLWzzTVJI1Zn2Lxc
#   Content-Length: 1035
#   Access-Control-Allow-Origin: *
#   Connection: close
#   <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIARZPUZDIKOQJKIL64</AccessKeyId><SecretAccessKey><session secret></SecretAccessKey><SessionToken><session token, 356 chars, base64 starting FQoGZXIvYXdzE></SessionToken><Expiration>2026-12-04T16:33:16.919137Z</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROARZPUZDIKEDCLOTMBC:probe-session</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/deploy/probe-session</Arn></AssumedRoleUser><PackedPolicySize>6</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>fnJexDs2I7SM7KmvAbRX86McDhs2oCqeyb8OXLWzzTVJI1Zn2Lxc</RequestId></ResponseMetadata></AssumeRoleResponse>
#
# --- GetCallerIdentity with those session credentials (session token sent)
#   HTTP 200 OK
#   Server: Werkzeug/3.1.9 Python/3.11.7
#   Date: Fri, 04 Dec 2026 15:33:16 GMT
#   Content-Type: text/xml
#   server: amazon.com
#   x-amzn-requestid: OZePMyDzn1gG5il4TrDFzaN3RSxcFXT13tBUNg85PiXJEgS5nvUB
#   Content-Length: 421
#   Access-Control-Allow-Origin: *
#   Connection: close
#   <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><UserId>AROARZPUZDIKEDCLOTMBC:probe-session</UserId><Account>123456789012</Account><Arn>arn:aws:sts::123456789012:assumed-role/deploy/probe-session</Arn></GetCallerIdentityResult><ResponseMetadata><RequestId>OZePMyDzn1gG5il4TrDFzaN3RSxcFXT13tBUNg85PiXJEgS5nvUB</RequestId></ResponseMetadata></GetCallerIdentityResponse>
#
# --- GetCallerIdentity with the session key id and secret but a wrong X-Amz-Security-Token
#   HTTP 403 FORBIDDEN
#   Server: Werkzeug/3.1.9 Python/3.11.7
#   Date: Fri, 04 Dec 2026 15:33:16 GMT
#   server: amazon.com
#   status: 403
#   x-amzn-requestid: diqnc7XqQCuSPh9AoqlyOsBqqXPsvrgdmS3jPFfv6Um4djCXPjXQ
#   Content-Type: text/html; charset=utf-8
#   Content-Length: 227
#   Access-Control-Allow-Origin: *
#   Connection: close
#   <?xml version="1.0" encoding="utf-8"?>
#   <ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message><Type>Sender</Type></Error></Errors></ErrorResponse>
#
# Other behaviour seen (same server, same way of asking):
#   - session key id (ASIA...) and secret without any X-Amz-Security-Token: 403 InvalidClientTokenId (body as above).
#   - a user's AKIA key with an X-Amz-Security-Token header: 403 InvalidClientTokenId.
#   - session key id with the right token but a wrong secret: 403 SignatureDoesNotMatch.
#   - ci-nobody GetCallerIdentity: 200 (moto always allows sts:GetCallerIdentity, like AWS).
#   - ci-deployer AssumeRole on role/nonexistent, or on arn:aws:iam::999999999999:role/deploy: 403 AccessDenied
#     "User: arn:aws:iam::123456789012:user/ci-deployer is not authorized to perform: sts:AssumeRole" (the inline
#     policy's Resource is honoured; the message never names the role).
#   - AssumeRole deploy with the deploy session's own credentials (role chaining; the role has no policy): 403
#     AccessDenied "User: arn:aws:sts::123456789012:assumed-role/deploy/probe-session is not authorized to perform:
#     sts:AssumeRole".
#   - NOT checked by moto: the X-Amz-Date age (a request signed two days ago: 200), session expiry (credentials
#     whose <Expiration> is in the past still pass GetCallerIdentity: 200), access key Status=Inactive (still 200),
#     and DurationSeconds beyond the role's maximum (900000 accepted; boto3 itself refuses < 900).
#   - no Authorization header at all: 500 text/html "Internal Server Error" (a KeyError in moto; traceback on
#     stderr), not MissingAuthenticationToken.
#   - POST /moto-api/reset-auth with body "inf" (Content-Type not form-encoded) switches authentication off for
#     everyone, unauthenticated; with auth off an unknown key's GetCallerIdentity is 200
#     arn:aws:sts::123456789012:user/moto. Tests must not call it by accident; /moto-api/reset would drop the users.
