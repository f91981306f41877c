#!/usr/bin/env node
// End-to-end probe of the oidc-provider interop server's clients that
// authenticate without a shared secret (private_key_jwt, client_secret_jwt,
// tls_client_auth, self_signed_tls_client_auth) and of the failures authcheck
// must diagnose. Prints a Markdown table (status, body with token values
// redacted, server-side error_detail) and exits 1 if a status differs from the
// expected one.
//
//   node tests/interop/probe-jwt.mjs
//       starts scripts/interop-server itself with OIDC_DEBUG=1 (error_detail column filled)
//   node tests/interop/probe-jwt.mjs http://127.0.0.1:PORT https://127.0.0.1:TLSPORT
//       probes a running server (error_detail column empty)
//
// Signing uses `jose` (oidc-provider's own dependency) with the test keys in
// tests/fixtures/; HTTPS trusts tests/fixtures/certs/ca.pem only.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIX = `${ROOT}tests/fixtures/`;
const read = (p) => fs.readFileSync(`${FIX}${p}`, 'utf8');
const priv = (p) => crypto.createPrivateKey(read(p));
const KEYS = {
  rsa: priv('keys/rsa-2048.pem'),
  other: priv('keys/rsa-other.pem'),
  p256: priv('keys/ec-p256.pem'),
  p384: priv('keys/ec-p384.pem'),
};
const CA = read('certs/ca.pem');
const CERTS = {
  mtls: { cert: read('certs/mtls-client.pem'), key: read('certs/mtls-client-key.pem') },
  selfsigned: { cert: read('certs/selfsigned-client.pem'), key: read('certs/selfsigned-client-key.pem') },
  other: { cert: read('certs/mtls-other.pem'), key: read('certs/mtls-other-key.pem') },
  server: { cert: read('certs/server.pem'), key: read('certs/server-key.pem') },
};
const PKJWT_DER = new crypto.X509Certificate(read('certs/rsa-2048.crt')).raw;
const X5T_S256 = crypto.hash('sha256', PKJWT_DER, 'base64url');
const X5T_SHA1 = crypto.hash('sha1', PKJWT_DER, 'base64url');
const SECRETJWT = 'secretjwt-secret-0123456789abcdef0123456789abcdef';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

// ---- server ----------------------------------------------------------------
let issuer = process.argv[2];
let mtls = process.argv[3];
let child;
const detailLines = [];
if (!issuer) {
  child = spawn(`${ROOT}scripts/interop-server`, [], { env: { ...process.env, OIDC_DEBUG: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let buf = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) !== -1) {
      detailLines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  const lines = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const ls = out.split('\n');
      if (ls.length > 2) resolve(ls.slice(0, 2));
    });
    child.on('exit', (code) => reject(new Error(`interop-server exited ${code}: ${detailLines.join('\n')}`)));
  });
  issuer = lines[0].replace(/^LISTENING /, '');
  mtls = lines[1].replace(/^MTLS /, '');
}
if (!issuer?.startsWith('http://') || !mtls?.startsWith('https://')) {
  console.error('usage: probe-jwt.mjs [ISSUER MTLS_BASE]');
  process.exit(2);
}
const TOKEN = `${issuer}/token`;
const MTLS_TOKEN = `${mtls}/token`;
const MTLS_INTRO = `${mtls}/token/introspection`;

// ---- helpers -----------------------------------------------------------------
const now = () => Math.floor(Date.now() / 1000);

async function assertion({
  sub, key, alg, kid, aud = TOKEN, exp = now() + 300, iss = sub, jti = crypto.randomUUID(), nbf, iat = now(), header = {},
}) {
  const claims = { iss, sub, aud, jti, exp, iat };
  if (nbf !== undefined) claims.nbf = nbf;
  const hdr = { alg, typ: 'JWT', ...header };
  if (kid) hdr.kid = kid;
  return new SignJWT(claims).setProtectedHeader(hdr).sign(key);
}

function post(url, form, { headers = {}, tls } = {}) {
  const body = new URLSearchParams(form).toString();
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  const opts = {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...headers },
    agent: false, // one connection per request: client certificates differ between cases
  };
  if (u.protocol === 'https:') Object.assign(opts, { ca: CA, ...(tls ?? {}) });
  return new Promise((resolve, reject) => {
    const req = mod.request(u, opts, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function redact(text) {
  let d;
  try { d = JSON.parse(text); } catch { return text.replace(/\s+/g, ' ').slice(0, 80); }
  if (typeof d.access_token === 'string') d.access_token = `<opaque:${d.access_token.length} chars>`;
  for (const k of ['iat', 'exp', 'jti', 'nbf']) if (k in d) d[k] = `<${k}>`;
  return JSON.stringify(d);
}

const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const GT = { grant_type: 'client_credentials' };
const withAssertion = (a, extra = {}) => ({ ...GT, client_assertion_type: ASSERTION_TYPE, client_assertion: a, ...extra });

// ---- cases ----------------------------------------------------------------------
// [description, request summary, expected status, () => response]
const cases = [];
const c = (desc, summary, expect, run) => cases.push({ desc, summary, expect, run });

// Good assertions.
c('pkjwt RSA RS256, aud=token endpoint', 'cc-pkjwt-rsa RS256 kid=rsa-1', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', kid: 'rsa-1' }))));
c('pkjwt RSA PS256, aud=issuer', 'cc-pkjwt-rsa PS256 kid=rsa-1 aud=<issuer>', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'PS256', kid: 'rsa-1', aud: issuer }))));
c('pkjwt RSA RS256, no kid', 'cc-pkjwt-rsa RS256, header without kid', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256' }))));
c('pkjwt RSA RS256, aud=[token endpoint] array', 'cc-pkjwt-rsa RS256 aud=[<token>]', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', kid: 'rsa-1', aud: [TOKEN] }))));
c('pkjwt RSA with client_id form param', 'cc-pkjwt-rsa RS256 + client_id=cc-pkjwt-rsa', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', kid: 'rsa-1' }), { client_id: 'cc-pkjwt-rsa', scope: 'read' })));
c('pkjwt RSA RS512 (non-default alg enabled)', 'cc-pkjwt-rsa RS512 kid=rsa-1', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS512', kid: 'rsa-1' }))));
c('pkjwt EC ES256, aud=token endpoint', 'cc-pkjwt-ec ES256 kid=ec-1', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-ec', key: KEYS.p256, alg: 'ES256', kid: 'ec-1' }))));
c('pkjwt EC ES384, aud=issuer', 'cc-pkjwt-ec ES384 kid=ec-2 aud=<issuer>', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-ec', key: KEYS.p384, alg: 'ES384', kid: 'ec-2', aud: issuer }))));
c('pkjwt x5t, Entra/MSAL style', 'cc-pkjwt-x5t PS256, header x5t#S256=<thumb>, kid=<thumb>', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-x5t', key: KEYS.rsa, alg: 'PS256', kid: X5T_S256, header: { 'x5t#S256': X5T_S256 } }))));
c('pkjwt x5t, header x5t (SHA-1) only, no kid', 'cc-pkjwt-x5t RS256, header x5t=<sha1 thumb>', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-x5t', key: KEYS.rsa, alg: 'RS256', header: { x5t: X5T_SHA1 } }))));
c('secretjwt HS256, aud=token endpoint', 'cc-secretjwt HS256', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-secretjwt', key: Buffer.from(SECRETJWT), alg: 'HS256' }))));
c('secretjwt HS256, aud=issuer', 'cc-secretjwt HS256 aud=<issuer>', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-secretjwt', key: Buffer.from(SECRETJWT), alg: 'HS256', aud: issuer }))));
c('secretjwt HS512', 'cc-secretjwt HS512', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-secretjwt', key: Buffer.from(SECRETJWT), alg: 'HS512' }))));
c('tls_client_auth on mTLS port', 'cc-tls, client_id form param, cert mtls-client.pem, POST <mtls>/token', 200,
  async () => post(MTLS_TOKEN, { ...GT, client_id: 'cc-tls' }, { tls: CERTS.mtls }));
c('self_signed_tls_client_auth on mTLS port', 'cc-selfsigned, cert selfsigned-client.pem, POST <mtls>/token', 200,
  async () => post(MTLS_TOKEN, { ...GT, client_id: 'cc-selfsigned' }, { tls: CERTS.selfsigned }));
c('pkjwt via mTLS port, aud=issuer', 'cc-pkjwt-rsa RS256 aud=<issuer>, POST <mtls>/token, no cert', 200,
  async () => post(MTLS_TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', aud: issuer }))));
c('pkjwt via mTLS port, aud=mTLS token URL', 'cc-pkjwt-rsa RS256 aud=<mtls>/token, POST <mtls>/token', 200,
  async () => post(MTLS_TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', aud: MTLS_TOKEN }))));
c('expired by 10 s (inside clockTolerance 15 s)', 'cc-pkjwt-rsa RS256 exp=now-10', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', exp: now() - 10, iat: now() - 310 }))));
c('exp one year ahead (no lifetime cap)', 'cc-pkjwt-rsa RS256 exp=now+365d', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', exp: now() + 365 * 86400 }))));
c('iat 1 h in the future', 'cc-pkjwt-rsa RS256 iat=now+3600', 200,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', iat: now() + 3600 }))));

// Failures.
c('wrong key (rsa-other), kid rsa-1', 'cc-pkjwt-rsa RS256 signed with rsa-other.pem, kid=rsa-1', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.other, alg: 'RS256', kid: 'rsa-1' }))));
c('wrong key (rsa-other), no kid', 'cc-pkjwt-rsa RS256 signed with rsa-other.pem, no kid', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.other, alg: 'RS256' }))));
c('unknown kid', 'cc-pkjwt-rsa RS256 kid=rsa-other (signed with rsa-other.pem)', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.other, alg: 'RS256', kid: 'rsa-other' }))));
c('kid = SHA-1 thumbprint (go-azure-sdk style) for x5t client', 'cc-pkjwt-x5t RS256 kid=<sha1 x5t>', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-x5t', key: KEYS.rsa, alg: 'RS256', kid: X5T_SHA1 }))));
c('ES384 signed with the P-256 key id', 'cc-pkjwt-ec ES384 kid=ec-1 (P-384 key)', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-ec', key: KEYS.p384, alg: 'ES384', kid: 'ec-1' }))));
c('wrong aud', 'cc-pkjwt-rsa RS256 aud=https://wrong.example/token', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', aud: 'https://wrong.example/token' }))));
c('wrong aud (array)', 'cc-pkjwt-rsa RS256 aud=["https://wrong.example/"]', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', aud: ['https://wrong.example/'] }))));
c('aud = issuer with trailing slash', 'cc-pkjwt-rsa RS256 aud=<issuer>/', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', aud: `${issuer}/` }))));
c('aud = plain token URL, sent to the mTLS port', 'cc-pkjwt-rsa RS256 aud=<issuer>/token, POST <mtls>/token', 401,
  async () => post(MTLS_TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', aud: TOKEN }))));
c('expired assertion', 'cc-pkjwt-rsa RS256 exp=now-60', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', exp: now() - 60, iat: now() - 360 }))));
c('not yet valid', 'cc-pkjwt-rsa RS256 nbf=now+60', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', nbf: now() + 60 }))));
{
  let replay;
  c('replayed jti: first use', 'cc-pkjwt-rsa RS256 jti=<fixed>', 200, async () => {
    replay = await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', kid: 'rsa-1' });
    return post(TOKEN, withAssertion(replay));
  });
  c('replayed jti: same assertion again', 'the identical client_assertion again', 401, async () => post(TOKEN, withAssertion(replay)));
  c('same jti, new assertion', 'new assertion reusing the previous jti', 401, async () => {
    const { jti } = JSON.parse(Buffer.from(replay.split('.')[1], 'base64url'));
    return post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256', kid: 'rsa-1', jti })));
  });
}
c('client_secret_basic for a private_key_jwt client', 'basic cc-pkjwt-rsa:some-secret', 401,
  async () => post(TOKEN, GT, { headers: { authorization: basic('cc-pkjwt-rsa', 'some-secret') } }));
c('client_secret_post for a private_key_jwt client', 'post client_id=cc-pkjwt-rsa&client_secret=some-secret', 401,
  async () => post(TOKEN, { ...GT, client_id: 'cc-pkjwt-rsa', client_secret: 'some-secret' }));
c('alg not allowed: HS256 for private_key_jwt client', 'cc-pkjwt-rsa HS256 (keyed with a 36-byte string)', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: Buffer.from('some-secret-some-secret-some-secret!'), alg: 'HS256' }))));
c('alg not allowed: RS256 for client_secret_jwt client', 'cc-secretjwt RS256 (rsa-2048.pem)', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-secretjwt', key: KEYS.rsa, alg: 'RS256' }))));
c('private_key_jwt assertion for a client_secret_basic client', 'cc-basic RS256 (rsa-2048.pem)', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-basic', key: KEYS.rsa, alg: 'RS256' }))));
c('client_secret_jwt with the wrong secret', 'cc-secretjwt HS256 keyed "wrong-secret…"', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-secretjwt', key: Buffer.from('wrong-secret-0123456789abcdef0123456789abcdef'), alg: 'HS256' }))));
c('unknown client (sub)', 'sub=iss=nosuch RS256', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'nosuch', key: KEYS.rsa, alg: 'RS256' }))));
c('iss != sub', 'cc-pkjwt-rsa RS256 iss=someone-else', 401,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', iss: 'someone-else', key: KEYS.rsa, alg: 'RS256' }))));
c('client_id form param != sub', 'cc-pkjwt-rsa assertion + client_id=cc-pkjwt-ec', 400,
  async () => post(TOKEN, withAssertion(await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256' }), { client_id: 'cc-pkjwt-ec' })));
c('missing client_assertion_type', 'cc-pkjwt-rsa assertion, no client_assertion_type', 400,
  async () => post(TOKEN, { ...GT, client_assertion: await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256' }) }));
c('wrong client_assertion_type', 'client_assertion_type=urn:ietf:params:oauth:client-assertion-type:saml2-bearer', 400,
  async () => post(TOKEN, { ...GT, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer', client_assertion: await assertion({ sub: 'cc-pkjwt-rsa', key: KEYS.rsa, alg: 'RS256' }) }));
c('garbage client_assertion', 'client_assertion=not-a-jwt', 400,
  async () => post(TOKEN, withAssertion('not-a-jwt')));
c('no client certificate on the mTLS port', 'cc-tls, POST <mtls>/token without a cert', 401,
  async () => post(MTLS_TOKEN, { ...GT, client_id: 'cc-tls' }));
c('cc-tls on the plain port with forged proxy headers', 'cc-tls, POST <issuer>/token, x-ssl-client-cert=<mtls-client DER>, x-ssl-client-verify=SUCCESS', 401,
  async () => post(TOKEN, { ...GT, client_id: 'cc-tls' }, { headers: { 'x-ssl-client-cert': new crypto.X509Certificate(CERTS.mtls.cert).raw.toString('base64'), 'x-ssl-client-verify': 'SUCCESS' } }));
c('cert not chaining to the CA (cc-tls)', 'cc-tls, cert selfsigned-client.pem', 401,
  async () => post(MTLS_TOKEN, { ...GT, client_id: 'cc-tls' }, { tls: CERTS.selfsigned }));
c('CA-signed client cert, other subject (cc-tls)', 'cc-tls, cert mtls-other.pem (CN=authcheck-mtls-other)', 401,
  async () => post(MTLS_TOKEN, { ...GT, client_id: 'cc-tls' }, { tls: CERTS.other }));
c('CA-signed cert, other subject, serverAuth-only EKU (cc-tls)', 'cc-tls, cert server.pem (CN=authcheck-interop-server)', 401,
  async () => post(MTLS_TOKEN, { ...GT, client_id: 'cc-tls' }, { tls: CERTS.server }));
c('unregistered cert (cc-selfsigned)', 'cc-selfsigned, cert mtls-client.pem', 401,
  async () => post(MTLS_TOKEN, { ...GT, client_id: 'cc-selfsigned' }, { tls: CERTS.mtls }));
c('no client certificate (cc-selfsigned)', 'cc-selfsigned, POST <mtls>/token without a cert', 401,
  async () => post(MTLS_TOKEN, { ...GT, client_id: 'cc-selfsigned' }));
c('cc-tls without client_id', 'cert mtls-client.pem, grant_type only', 400,
  async () => post(MTLS_TOKEN, GT, { tls: CERTS.mtls }));

// Introspection through the mTLS alias, authenticated by the certificate.
c('introspect via mTLS alias', 'cc-tls cert, POST <mtls>/token/introspection token=<fresh cc-tls token>', 200, async () => {
  const t = JSON.parse((await post(MTLS_TOKEN, { ...GT, client_id: 'cc-tls' }, { tls: CERTS.mtls })).body).access_token;
  return post(MTLS_INTRO, { client_id: 'cc-tls', token: t }, { tls: CERTS.mtls });
});

// ---- run ----------------------------------------------------------------------
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });
const esc = (s) => String(s).replace(/\|/g, '\\|');
const rows = ['| # | case | request | status | body | error_detail (OIDC_DEBUG=1) |', '|---|------|---------|--------|------|------|'];
const failed = [];
let dateHeader;
let i = 0;
for (const cs of cases) {
  i += 1;
  const before = detailLines.length;
  let res;
  try {
    res = await cs.run();
  } catch (e) {
    res = { status: 0, headers: {}, body: `request failed: ${e.code ?? ''} ${e.message}` };
  }
  if (child) await sleep(40);
  dateHeader ??= res.headers.date;
  let description;
  try { description = JSON.parse(res.body).error_description; } catch { /* not JSON */ }
  const detail = detailLines.slice(before).map((l) => {
    const m = /^oidc-server: ([a-z_.-]+): (\S+) (.*)$/.exec(l);
    if (m?.[1] === 'mtls-front') return `[front] ${m[3].replace(/^\S+ /, '')}`; // drop the URL
    if (!m) return null;
    const rest = description && m[3].startsWith(description) ? m[3].slice(description.length).trim() : m[3];
    return rest || '—';
  }).filter(Boolean).join('; ');
  const www = res.headers['www-authenticate'] ? ` (WWW-Authenticate: ${res.headers['www-authenticate']})` : '';
  rows.push(`| ${i} | ${esc(cs.desc)} | ${esc(cs.summary)} | ${res.status} | \`${esc(redact(res.body))}\`${esc(www)} | ${esc(detail)} |`);
  if (res.status !== cs.expect) failed.push(`#${i} ${cs.desc}: expected ${cs.expect}, got ${res.status} ${res.body}`);
}
console.log(rows.join('\n'));
console.log(`\nissuer ${issuer}; mTLS front ${mtls}; Date header on responses: ${dateHeader ? 'yes' : 'NO'}`);
if (child) child.stdin.end();
if (failed.length) {
  console.error(`\nprobe-jwt: ${failed.length} unexpected status(es):\n${failed.join('\n')}`);
  process.exit(1);
}
