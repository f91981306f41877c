#!/usr/bin/env node
// Third-party OAuth 2.0 authorization server for authcheck interop tests:
// the OpenID-certified `oidc-provider` npm package (version pinned in
// package.json / package-lock.json), configured for the client_credentials
// grant on loopback. Only this glue is ours; all OAuth logic is oidc-provider's.
//
// Usage: node oidc-server.mjs [PORT]        (or env OIDC_PORT; 0 = random, default)
//   stdout: once ready, first line `LISTENING http://127.0.0.1:<port>` (the
//           issuer), then `MTLS https://127.0.0.1:<port>` (the mTLS front).
//           Everything else goes to stderr.
//   Token endpoint:         <issuer>/token
//   Introspection endpoint: <issuer>/token/introspection
//   Discovery:              <issuer>/.well-known/openid-configuration
//   Exits on SIGTERM/SIGINT/SIGHUP, when stdin (a pipe or socket) reaches EOF,
//   and after OIDC_MAX_SECONDS (default 600) in any case.
//   OIDC_DEBUG=1 logs each token/introspection error detail to stderr (and, for
//   the mTLS front, each request's x-ssl-client-verify value).
//   mTLS front (RFC 8705): a second, HTTPS listener on another random loopback
//   port (cert tests/fixtures/certs/server.pem, signed by certs/ca.pem) that
//   asks for a client certificate and hands the request to the same provider
//   with `x-ssl-client-cert` / `x-ssl-client-verify` set, like a TLS-terminating
//   proxy. Its URL is printed as a SECOND stdout line `MTLS https://127.0.0.1:<port>`
//   and published in discovery as `mtls_endpoint_aliases`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Resource servers (RFC 8707 resource indicators). A client_credentials
// request with `resource=<indicator>` gets an access token for that resource.
export const RESOURCES = {
  // JWT (RFC 9068-style, signed RS256 with the key in <issuer>/jwks) access tokens.
  'https://api.authcheck.test/': { scope: 'read write', audience: 'https://api.authcheck.test/', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } },
  // Opaque access tokens, but audience-bound.
  'https://opaque.authcheck.test/': { scope: 'read write', audience: 'https://opaque.authcheck.test/', accessTokenFormat: 'opaque' },
};

// Test-only keys and certificates (tests/fixtures/generate.sh).
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixture = (p) => fs.readFileSync(`${FIXTURES}${p}`, 'utf8');
const derB64 = (pem) => new crypto.X509Certificate(pem).raw.toString('base64');
const publicJwk = (pem, extra) => ({ ...crypto.createPublicKey(pem).export({ format: 'jwk' }), use: 'sig', ...extra });

// Clients that authenticate without a shared secret (plus client_secret_jwt).
// Public keys are read from the fixture PEMs, never hard-coded.
function keyClients() {
  const base = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'read write' };
  const pkjwtCert = fixture('certs/rsa-2048.crt');
  const pkjwtX5tS256 = crypto.hash('sha256', new crypto.X509Certificate(pkjwtCert).raw, 'base64url');
  const selfSigned = fixture('certs/selfsigned-client.pem');
  return [
    // RS256/PS256/... with keys/rsa-2048.pem (no alg pinned on the key or the client).
    { ...base, client_id: 'cc-pkjwt-rsa', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk(fixture('keys/rsa-2048.pem'), { kid: 'rsa-1' })] } },
    // ES256 with keys/ec-p256.pem (kid ec-1), ES384 with keys/ec-p384.pem (kid ec-2).
    { ...base, client_id: 'cc-pkjwt-ec', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk(fixture('keys/ec-p256.pem'), { kid: 'ec-1' }), publicJwk(fixture('keys/ec-p384.pem'), { kid: 'ec-2' })] } },
    // Entra style: keys/rsa-2048.pem with its certificate certs/rsa-2048.crt; kid = the cert's x5t#S256.
    { ...base, client_id: 'cc-pkjwt-x5t', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk(fixture('keys/rsa-2048.pem'), { kid: pkjwtX5tS256, x5c: [derB64(pkjwtCert)] })] } },
    // HS256/HS384/HS512 keyed with the client secret.
    { ...base, client_id: 'cc-secretjwt', client_secret: 'secretjwt-secret-0123456789abcdef0123456789abcdef', token_endpoint_auth_method: 'client_secret_jwt' },
    // RFC 8705 PKI: certs/mtls-client.pem (signed by certs/ca.pem) on the mTLS port.
    { ...base, client_id: 'cc-tls', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=authcheck-mtls-client' },
    // RFC 8705 self-signed: certs/selfsigned-client.pem, registered by its x5c in jwks.
    { ...base, client_id: 'cc-selfsigned', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [publicJwk(selfSigned, { kid: 'selfsigned-1', x5c: [derB64(selfSigned)] })] } },
  ];
}

// Test clients. Without a `resource` parameter tokens are opaque, except for
// cc-jwt whose default resource is the JWT one above.
export const CLIENTS = [
  { client_id: 'cc-basic', client_secret: 'basic-secret-1', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'read write' },
  { client_id: 'cc-post', client_secret: 'post-secret-1', token_endpoint_auth_method: 'client_secret_post', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'read write' },
  { client_id: 'cc-nogrant', client_secret: 'nogrant-secret-1', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: ['http://127.0.0.1/callback'], scope: 'read write' },
  { client_id: 'cc-special', client_secret: 's3cr+t/with=chars&%', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'read write' },
  { client_id: 'cc-jwt', client_secret: 'jwt-secret-1', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'read write' },
  // Only `read`: asking for `write` is invalid_scope (see README, scopes).
  { client_id: 'cc-readonly', client_secret: 'readonly-secret-1', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'read' },
  ...keyClients(),
];
export const DEFAULT_RESOURCE = { 'cc-jwt': 'https://api.authcheck.test/' };
// Scopes the server knows. `admin` is known but no client may have it, so
// asking for it is invalid_scope.
export const SCOPES = ['openid', 'offline_access', 'read', 'write', 'admin'];

// Client-assertion algorithms accepted (oidc-provider's default list lacks the
// 384/512 variants, ES384 is needed for cc-pkjwt-ec's P-384 key).
export const CLIENT_AUTH_ALGS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'Ed25519', 'EdDSA'];

// Headers a TLS-terminating proxy would set; only the mTLS front may set them.
const CERT_HEADER = 'x-ssl-client-cert';
const VERIFY_HEADER = 'x-ssl-client-verify';

// RFC 4514 string of a certificate subject: Node lists the RDNs one per line,
// most significant first; RFC 4514 joins them with ',' least significant first.
export function subjectDn(cert) {
  return cert.subject.split('\n').reverse().join(',');
}

// The client certificate the mTLS front passed on (undefined when none).
function proxiedCertificate(ctx) {
  const b64 = ctx.get(CERT_HEADER);
  if (!b64) return undefined;
  try {
    return new crypto.X509Certificate(Buffer.from(b64, 'base64'));
  } catch {
    return undefined;
  }
}

function die(msg) {
  process.stderr.write(`oidc-server: ${msg}\n`);
  process.exit(2);
}

async function main() {
  // Keep stdout for the LISTENING line only: oidc-provider prints its
  // development NOTICEs with console.info.
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;

  const { default: Provider, errors } = await import('oidc-provider');

  const portArg = process.argv[2] ?? process.env.OIDC_PORT ?? '0';
  const port = Number(portArg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) die(`bad port ${JSON.stringify(portArg)}`);
  const maxSeconds = Number(process.env.OIDC_MAX_SECONDS ?? '600');
  if (!(maxSeconds > 0)) die(`bad OIDC_MAX_SECONDS ${JSON.stringify(process.env.OIDC_MAX_SECONDS)}`);

  let server;
  let tls;
  function shutdown(code = 0) {
    if (server) server.closeAllConnections?.();
    if (tls) tls.closeAllConnections?.();
    process.exit(code);
  }
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => shutdown(0));
  setTimeout(() => { process.stderr.write(`oidc-server: max lifetime ${maxSeconds}s reached, exiting\n`); shutdown(0); }, maxSeconds * 1000).unref();
  // Exit when the parent closes our stdin (or dies). Only for a pipe/socket/tty:
  // a /dev/null stdin would otherwise end the server at once.
  try {
    const st = fs.fstatSync(0);
    if (st.isFIFO() || st.isSocket() || process.stdin.isTTY) {
      process.stdin.on('end', () => shutdown(0));
      process.stdin.on('close', () => shutdown(0));
      process.stdin.on('error', () => shutdown(0));
      process.stdin.resume();
    }
  } catch { /* no fd 0: rely on signals and max lifetime */ }

  let handler = (_req, res) => { res.statusCode = 503; res.end(); };
  server = http.createServer((req, res) => handler(req, res));
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  }).catch((e) => die(`cannot listen on 127.0.0.1:${port}: ${e.message}`));

  // mTLS front: same provider, HTTPS, client certificate requested but not
  // required (the provider decides), verified against certs/ca.pem.
  tls = https.createServer({
    key: fixture('certs/server-key.pem'),
    cert: fixture('certs/server.pem'),
    ca: fixture('certs/ca.pem'),
    requestCert: true,
    rejectUnauthorized: false,
  }, (req, res) => {
    delete req.headers[CERT_HEADER];
    delete req.headers[VERIFY_HEADER];
    const peer = req.socket.getPeerCertificate();
    if (peer?.raw) {
      req.headers[CERT_HEADER] = peer.raw.toString('base64');
      req.headers[VERIFY_HEADER] = req.socket.authorized ? 'SUCCESS' : `FAILED:${req.socket.authorizationError}`;
    } else {
      req.headers[VERIFY_HEADER] = 'NONE';
    }
    if (process.env.OIDC_DEBUG === '1') {
      process.stderr.write(`oidc-server: mtls-front: ${req.method} ${req.url} ${VERIFY_HEADER}=${req.headers[VERIFY_HEADER]}${peer?.subject ? ` subject=${subjectDn(new crypto.X509Certificate(peer.raw))}` : ''}\n`);
    }
    handler(req, res);
  });
  tls.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    tls.once('error', reject);
    tls.listen(0, '127.0.0.1', resolve);
  }).catch((e) => die(`cannot listen on 127.0.0.1 for the mTLS front: ${e.message}`));
  const mtlsBase = `https://127.0.0.1:${tls.address().port}`;

  const issuer = `http://127.0.0.1:${server.address().port}`;
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'interop-rs256', use: 'sig', alg: 'RS256' };

  const provider = new Provider(issuer, {
    clients: CLIENTS,
    scopes: SCOPES,
    jwks: { keys: [jwk] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt', 'client_secret_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'],
    enabledJWA: { clientAuthSigningAlgValues: CLIENT_AUTH_ALGS },
    discovery: {
      claim_types_supported: ['normal'], // oidc-provider's default, kept
      mtls_endpoint_aliases: {
        token_endpoint: `${mtlsBase}/token`,
        introspection_endpoint: `${mtlsBase}/token/introspection`,
      },
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      mTLS: {
        enabled: true,
        tlsClientAuth: true,
        selfSignedTlsClientAuth: true,
        certificateBoundAccessTokens: false,
        getCertificate: proxiedCertificate,
        certificateAuthorized: (ctx) => ctx.get(VERIFY_HEADER) === 'SUCCESS',
        certificateSubjectMatches(ctx, property, expected) {
          const cert = proxiedCertificate(ctx);
          if (!cert) return false;
          const sans = (cert.subjectAltName ?? '').split(', ').filter(Boolean);
          const san = (prefix) => sans.filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length));
          switch (property) {
            case 'tls_client_auth_subject_dn': return subjectDn(cert) === expected;
            case 'tls_client_auth_san_dns': return san('DNS:').includes(expected);
            case 'tls_client_auth_san_uri': return san('URI:').includes(expected);
            case 'tls_client_auth_san_ip': return san('IP Address:').includes(expected);
            case 'tls_client_auth_san_email': return san('email:').includes(expected);
            default: return false;
          }
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, client, oneOf) => oneOf ?? DEFAULT_RESOURCE[client.clientId],
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          const info = RESOURCES[indicator];
          if (!info) throw new errors.InvalidTarget();
          return info;
        },
      },
    },
    ttl: { ClientCredentials: 600 },
    pkce: { required: () => false },
  });

  if (process.env.OIDC_DEBUG === '1') {
    for (const ev of ['grant.error', 'introspection.error', 'server_error']) {
      provider.on(ev, (_ctx, err) => process.stderr.write(`oidc-server: ${ev}: ${err?.error} ${err?.error_description} ${err?.error_detail ?? ''}\n`));
    }
  }

  // Never trust proxy certificate headers arriving on the plain port.
  const callback = provider.callback();
  handler = (req, res) => {
    if (!req.socket.encrypted) {
      delete req.headers[CERT_HEADER];
      delete req.headers[VERIFY_HEADER];
    }
    callback(req, res);
  };
  process.stdout.write(`LISTENING ${issuer}\nMTLS ${mtlsBase}\n`);
}

// Importing this file (e.g. for the tables above) does not start a server.
if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  await main();
}
