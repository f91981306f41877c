#!/usr/bin/env node
// Third-party OAuth 2.0 authorization server for authcheck interop tests:
// the OpenID-certified `oidc-provider` npm package (version pinned in
// package.json / package-lock.json), configured for the client_credentials
// grant on loopback. Only this glue is ours; all OAuth logic is oidc-provider's.
//
// Usage: node oidc-server.mjs [PORT]        (or env OIDC_PORT; 0 = random, default)
//   stdout: exactly one line `LISTENING http://127.0.0.1:<port>` once ready;
//           the issuer is that URL. Everything else goes to stderr.
//   Token endpoint:         <issuer>/token
//   Introspection endpoint: <issuer>/token/introspection
//   Discovery:              <issuer>/.well-known/openid-configuration
//   Exits on SIGTERM/SIGINT/SIGHUP, when stdin (a pipe or socket) reaches EOF,
//   and after OIDC_MAX_SECONDS (default 600) in any case.
//   OIDC_DEBUG=1 logs each token/introspection error detail to stderr.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

// Resource servers (RFC 8707 resource indicators). A client_credentials
// request with `resource=<indicator>` gets an access token for that resource.
export const RESOURCES = {
  // JWT (RFC 9068-style, signed RS256 with the key in <issuer>/jwks) access tokens.
  'https://api.authcheck.test/': { scope: 'read write', audience: 'https://api.authcheck.test/', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } },
  // Opaque access tokens, but audience-bound.
  'https://opaque.authcheck.test/': { scope: 'read write', audience: 'https://opaque.authcheck.test/', accessTokenFormat: 'opaque' },
};

// Test clients. Without a `resource` parameter tokens are opaque, except for
// cc-jwt whose default resource is the JWT one above.
export const CLIENTS = [
  { client_id: 'cc-basic', client_secret: 'basic-secret-1', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'read write' },
  { client_id: 'cc-post', client_secret: 'post-secret-1', token_endpoint_auth_method: 'client_secret_post', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'read write' },
  { client_id: 'cc-nogrant', client_secret: 'nogrant-secret-1', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: ['http://127.0.0.1/callback'], scope: 'read write' },
  { client_id: 'cc-special', client_secret: 's3cr+t/with=chars&%', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'read write' },
  { client_id: 'cc-jwt', client_secret: 'jwt-secret-1', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'read write' },
];
export const DEFAULT_RESOURCE = { 'cc-jwt': 'https://api.authcheck.test/' };
// Scopes the server knows. `admin` is known but no client may have it, so
// asking for it is invalid_scope.
export const SCOPES = ['openid', 'offline_access', 'read', 'write', 'admin'];

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
  function shutdown(code = 0) {
    if (server) server.closeAllConnections?.();
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

  const issuer = `http://127.0.0.1:${server.address().port}`;
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'interop-rs256', use: 'sig', alg: 'RS256' };

  const provider = new Provider(issuer, {
    clients: CLIENTS,
    scopes: SCOPES,
    jwks: { keys: [jwk] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
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

  handler = provider.callback();
  process.stdout.write(`LISTENING ${issuer}\n`);
}

// Importing this file (e.g. for the tables above) does not start a server.
if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  await main();
}
