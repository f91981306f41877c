#!/usr/bin/env bash
# Send the interop cases to a running token server with curl and print a
# Markdown table of the observed HTTP status and JSON body per case.
# Access-token values are replaced by <opaque:N chars> / <JWT ...> since they vary.
# Rows 1-24 are the original cases; 25+ cover scopes (cc-readonly).
#
#   tests/interop/probe.sh http://127.0.0.1:PORT [TOKEN_PATH] [INTROSPECT_PATH]
# defaults: /token and /token/introspection (oidc-provider's paths).
set -euo pipefail
BASE="${1:?usage: probe.sh BASE_URL [TOKEN_PATH] [INTROSPECT_PATH]}"
TOKEN="$BASE${2:-/token}"
INTRO="$BASE${3:-/token/introspection}"

# form-urlencode (RFC 6749 2.3.1 / appendix B) then base64, vs. raw base64.
b64_proper() { python3 -c 'import sys,base64,urllib.parse as u; q=lambda s:u.quote_plus(s,safe=""); print(base64.b64encode((q(sys.argv[1])+":"+q(sys.argv[2])).encode()).decode())' "$1" "$2"; }
b64_raw() { printf '%s:%s' "$1" "$2" | base64 -w0; }

redact() {
  python3 -c '
import sys, json, re
raw = sys.stdin.read()
try:
    d = json.loads(raw)
except Exception:
    print(" ".join(raw.split())[:80].replace("|", "\\|")); sys.exit()
def red(v):
    if isinstance(v, str) and v.count(".") == 2 and v.startswith("eyJ"):
        import base64
        h, p, _ = v.split(".")
        pad = lambda s: s + "=" * (-len(s) % 4)
        hd = json.loads(base64.urlsafe_b64decode(pad(h)))
        pl = json.loads(base64.urlsafe_b64decode(pad(p)))
        return "<JWT typ=%s alg=%s aud=%s scope=%s>" % (hd.get("typ"), hd.get("alg"), pl.get("aud"), pl.get("scope"))
    return "<opaque:%d chars>" % len(v)
for k in ("access_token", "refresh_token"):
    if k in d: d[k] = red(d[k])
for k in ("iat", "exp", "jti", "nbf"):
    if k in d: d[k] = "<%s>" % k
print(json.dumps(d, separators=(",", ":")).replace("|", "\\|"))
'
}

echo "| # | case | request | status | body |"
echo "|---|------|---------|--------|------|"
n=0
# row DESCRIPTION REQUEST-SUMMARY curl-args...
row() {
  local desc="$1" summary="$2"; shift 2
  n=$((n + 1))
  local out status body
  out="$(curl -sS --max-time 10 -w '\n%{http_code}' "$@")" || out=$'curl failed\n000'
  status="${out##*$'\n'}"
  body="$(printf '%s' "${out%$'\n'*}" | redact)"
  printf '| %d | %s | %s | %s | `%s` |\n' "$n" "$desc" "$summary" "$status" "$body"
}
GT=(-d grant_type=client_credentials)

row "good basic" "basic cc-basic:basic-secret-1, scope=read write" \
  -H "Authorization: Basic $(b64_proper cc-basic basic-secret-1)" "${GT[@]}" --data-urlencode "scope=read write" "$TOKEN"
row "good basic, no scope param" "basic cc-basic" \
  -H "Authorization: Basic $(b64_proper cc-basic basic-secret-1)" "${GT[@]}" "$TOKEN"
row "good post" "post client_id=cc-post&client_secret=post-secret-1, scope=read" \
  "${GT[@]}" -d client_id=cc-post -d client_secret=post-secret-1 -d scope=read "$TOKEN"
row "wrong secret (basic)" "basic cc-basic:WRONG" \
  -H "Authorization: Basic $(b64_proper cc-basic WRONG)" "${GT[@]}" -d scope=read "$TOKEN"
row "wrong secret (post)" "post cc-post / WRONG" \
  "${GT[@]}" -d client_id=cc-post -d client_secret=WRONG "$TOKEN"
row "unknown client id" "basic nosuch:whatever" \
  -H "Authorization: Basic $(b64_proper nosuch whatever)" "${GT[@]}" "$TOKEN"
row "client without client_credentials grant" "basic cc-nogrant:nogrant-secret-1" \
  -H "Authorization: Basic $(b64_proper cc-nogrant nogrant-secret-1)" "${GT[@]}" -d scope=read "$TOKEN"
row "refused scope admin" "basic cc-basic, scope=admin" \
  -H "Authorization: Basic $(b64_proper cc-basic basic-secret-1)" "${GT[@]}" -d scope=admin "$TOKEN"
row "scope read+admin" "basic cc-basic, scope=read admin" \
  -H "Authorization: Basic $(b64_proper cc-basic basic-secret-1)" "${GT[@]}" --data-urlencode "scope=read admin" "$TOKEN"
row "unknown scope" "basic cc-basic, scope=bogus" \
  -H "Authorization: Basic $(b64_proper cc-basic basic-secret-1)" "${GT[@]}" -d scope=bogus "$TOKEN"
row "basic sent to post-registered client" "basic cc-post:post-secret-1" \
  -H "Authorization: Basic $(b64_proper cc-post post-secret-1)" "${GT[@]}" -d scope=read "$TOKEN"
row "post sent to basic-registered client" "post cc-basic / basic-secret-1" \
  "${GT[@]}" -d client_id=cc-basic -d client_secret=basic-secret-1 -d scope=read "$TOKEN"
row "both basic and post credentials" "basic cc-basic + post cc-basic" \
  -H "Authorization: Basic $(b64_proper cc-basic basic-secret-1)" "${GT[@]}" -d client_id=cc-basic -d client_secret=basic-secret-1 "$TOKEN"
row "no client authentication" "grant_type only" \
  "${GT[@]}" "$TOKEN"
row "cc-special, urlencode then base64" "basic $(b64_proper cc-special 's3cr+t/with=chars&%')" \
  -H "Authorization: Basic $(b64_proper cc-special 's3cr+t/with=chars&%')" "${GT[@]}" -d scope=read "$TOKEN"
row "cc-special, raw base64 (no urlencode)" "basic $(b64_raw cc-special 's3cr+t/with=chars&%')" \
  -H "Authorization: Basic $(b64_raw cc-special 's3cr+t/with=chars&%')" "${GT[@]}" -d scope=read "$TOKEN"
row "unsupported grant_type" "basic cc-basic, grant_type=password" \
  -H "Authorization: Basic $(b64_proper cc-basic basic-secret-1)" -d grant_type=password -d username=u -d password=p "$TOKEN"
row "missing grant_type" "basic cc-basic, no grant_type" \
  -H "Authorization: Basic $(b64_proper cc-basic basic-secret-1)" -d scope=read "$TOKEN"
row "resource indicator (JWT)" "basic cc-basic, resource=https://api.authcheck.test/" \
  -H "Authorization: Basic $(b64_proper cc-basic basic-secret-1)" "${GT[@]}" -d scope=read --data-urlencode resource=https://api.authcheck.test/ "$TOKEN"
row "unknown resource" "basic cc-basic, resource=https://nope.test/" \
  -H "Authorization: Basic $(b64_proper cc-basic basic-secret-1)" "${GT[@]}" --data-urlencode resource=https://nope.test/ "$TOKEN"
row "cc-jwt (default JWT resource)" "basic cc-jwt:jwt-secret-1, scope=read" \
  -H "Authorization: Basic $(b64_proper cc-jwt jwt-secret-1)" "${GT[@]}" -d scope=read "$TOKEN"

# Introspection of a fresh opaque token.
tok="$(curl -sS --max-time 10 -H "Authorization: Basic $(b64_proper cc-basic basic-secret-1)" "${GT[@]}" -d scope=read "$TOKEN" \
  | python3 -c 'import sys,json; print(json.load(sys.stdin).get("access_token",""))' || true)"
row "introspect active token" "basic cc-basic, token=<fresh token>" \
  -H "Authorization: Basic $(b64_proper cc-basic basic-secret-1)" --data-urlencode "token=$tok" "$INTRO"
row "introspect garbage token" "basic cc-basic, token=garbage" \
  -H "Authorization: Basic $(b64_proper cc-basic basic-secret-1)" -d token=garbage "$INTRO"
row "GET token endpoint" "GET" "$TOKEN"

# Scopes (rows 25+): what a 200 says about scope, and what is refused.
row "cc-basic scope=write" "basic cc-basic, scope=write" \
  -H "Authorization: Basic $(b64_proper cc-basic basic-secret-1)" "${GT[@]}" -d scope=write "$TOKEN"
row "cc-readonly scope=read" "basic cc-readonly:readonly-secret-1, scope=read" \
  -H "Authorization: Basic $(b64_proper cc-readonly readonly-secret-1)" "${GT[@]}" -d scope=read "$TOKEN"
row "cc-readonly scope=write (not allowed)" "basic cc-readonly, scope=write" \
  -H "Authorization: Basic $(b64_proper cc-readonly readonly-secret-1)" "${GT[@]}" -d scope=write "$TOKEN"
row "cc-readonly scope=read write" "basic cc-readonly, scope=read write" \
  -H "Authorization: Basic $(b64_proper cc-readonly readonly-secret-1)" "${GT[@]}" --data-urlencode "scope=read write" "$TOKEN"
row "cc-readonly, no scope param" "basic cc-readonly" \
  -H "Authorization: Basic $(b64_proper cc-readonly readonly-secret-1)" "${GT[@]}" "$TOKEN"

# intro_row DESC SUMMARY ID SECRET [token request args...]: get a token as ID
# with those args, then introspect it authenticated as ID.
intro_row() {
  local desc="$1" summary="$2" id="$3" secret="$4"; shift 4
  local t
  t="$(curl -sS --max-time 10 -H "Authorization: Basic $(b64_proper "$id" "$secret")" "${GT[@]}" "$@" "$TOKEN" \
    | python3 -c 'import sys,json; print(json.load(sys.stdin).get("access_token",""))' || true)"
  if [ -z "$t" ]; then
    n=$((n + 1)); printf '| %d | %s | %s | - | (no token was issued: nothing to introspect) |\n' "$n" "$desc" "$summary"; return
  fi
  row "$desc" "$summary" -H "Authorization: Basic $(b64_proper "$id" "$secret")" --data-urlencode "token=$t" "$INTRO"
}
intro_row "introspect cc-basic token, no scope requested" "as cc-basic, token from row 2's request" cc-basic basic-secret-1
intro_row "introspect cc-basic token, scope=write" "as cc-basic, token from row 25's request" cc-basic basic-secret-1 -d scope=write
intro_row "introspect cc-readonly token, no scope requested" "as cc-readonly, token from row 29's request" cc-readonly readonly-secret-1
intro_row "introspect cc-readonly token, scope=write" "as cc-readonly, token from row 27's request" cc-readonly readonly-secret-1 -d scope=write
intro_row "introspect cc-readonly token, scope=read write" "as cc-readonly, token from row 28's request" cc-readonly readonly-secret-1 --data-urlencode "scope=read write"
