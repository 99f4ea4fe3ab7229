// The authorization server of the SMART tests: oidc-provider (an OpenID-certified OAuth 2.0
// server) on loopback, and in front of a FHIR server a plain proxy that lets a request through
// only with a bearer token the provider's introspection endpoint calls active.
//
// Environment:
//   OAUTH_OUT_DIR  (required) where the keys made at start and server.json are written
//   FHIR_UPSTREAM  the FHIR server behind the proxy (e.g. http://127.0.0.1:8080); without it
//                  the proxy answers reads of Patient/{id} itself with a small Patient
//
// Clients:
//   backend-service  confidential, private_key_jwt with an RS384 and an ES384 key (both made
//                    here, the private halves written to OAUTH_OUT_DIR), client_credentials
//   public-app       public (no secret), PKCE required, authorization_code and refresh_token,
//                    any loopback redirect port (a native app)
//   fhir-proxy       the proxy itself, client_secret_basic, for introspection only
//
// The login form of oidc-provider's development interactions takes any login and password;
// the login is the user's account id, and this configuration puts it in the token response as
// the `patient` in context (SMART `launch/patient`) and in the `fhirUser` claim.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';

import Provider from 'oidc-provider';

const outDir = process.env.OAUTH_OUT_DIR;
if (!outDir) {
  console.error('OAUTH_OUT_DIR is not set');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const upstream = process.env.FHIR_UPSTREAM?.replace(/\/$/, '');

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

const providerServer = http.createServer();
const proxyServer = http.createServer();
const issuer = `http://127.0.0.1:${await listen(providerServer)}`;
const fhirBase = `http://127.0.0.1:${await listen(proxyServer)}/fhir`;

// The backend client's keys, made fresh on every start.
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const rsaPublic = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS384', use: 'sig' };
const ecPublic = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES384', use: 'sig' };
writeFileSync(join(outDir, 'rsa-private.pem'), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
writeFileSync(
  join(outDir, 'ec-private.jwk'),
  JSON.stringify({ ...ec.privateKey.export({ format: 'jwk' }), kid: 'ec-1' }),
  { mode: 0o600 },
);
const proxySecret = randomBytes(24).toString('hex');

const SCOPES = [
  'openid', 'fhirUser', 'offline_access', 'online_access', 'launch', 'launch/patient',
  'patient/*.rs', 'patient/*.read', 'patient/Patient.rs', 'user/*.rs',
  'system/*.rs', 'system/*.read', 'system/Patient.rs',
];

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'backend-service',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [rsaPublic, ecPublic] },
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: 'public-app',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
    },
    {
      client_id: 'fhir-proxy',
      client_secret: proxySecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    },
  ],
  scopes: SCOPES,
  claims: { openid: ['sub'], fhirUser: ['fhirUser'] },
  conformIdTokenClaims: false,
  findAccount: (_ctx, id) => ({
    accountId: id,
    claims: () => ({ sub: id, fhirUser: `${fhirBase}/Patient/${id}` }),
  }),
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    devInteractions: { enabled: true },
  },
  enabledJWA: { clientAuthSigningAlgValues: ['RS256', 'RS384', 'PS256', 'ES256', 'ES384'] },
  // SMART servers hand a refresh token to apps that may refresh; oidc-provider would otherwise
  // want `prompt=consent` with `offline_access`, which SMART apps do not send.
  issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err));

// The SMART launch context in the token response: the patient is the logged-in account.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && ctx.body && typeof ctx.body === 'object' && ctx.body.access_token) {
    const grant = ctx.oidc?.entities?.AuthorizationCode ?? ctx.oidc?.entities?.RefreshToken;
    if (grant?.accountId && (grant.scope ?? '').split(' ').includes('launch/patient')) {
      ctx.body.patient = grant.accountId;
      ctx.body.need_patient_banner = true;
    }
  }
});
providerServer.on('request', provider.callback());

const smartConfiguration = {
  issuer,
  jwks_uri: `${issuer}/jwks`,
  authorization_endpoint: `${issuer}/auth`,
  token_endpoint: `${issuer}/token`,
  introspection_endpoint: `${issuer}/token/introspection`,
  grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
  code_challenge_methods_supported: ['S256'],
  token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic', 'none'],
  token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
  response_types_supported: ['code'],
  scopes_supported: SCOPES,
  capabilities: [
    'launch-standalone', 'client-public', 'client-confidential-asymmetric',
    'context-standalone-patient', 'sso-openid-connect', 'permission-offline', 'permission-v2',
  ],
};

async function introspect(token) {
  const response = await fetch(smartConfiguration.introspection_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`fhir-proxy:${proxySecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ token }).toString(),
  });
  if (!response.ok) return false;
  const body = await response.json();
  return body.active === true;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

let checked = 0;
proxyServer.on('request', async (req, res) => {
  try {
    const url = new URL(req.url, fhirBase);
    if (req.method === 'GET' && url.pathname === '/fhir/.well-known/smart-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(smartConfiguration));
      return;
    }
    if (url.pathname === '/proxy/checked') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ checked }));
      return;
    }
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    checked += 1;
    if (!token || !(await introspect(token))) {
      res.writeHead(401, {
        'content-type': 'application/fhir+json',
        'www-authenticate': 'Bearer error="invalid_token"',
      });
      res.end(JSON.stringify({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'login', diagnostics: 'a valid bearer token is required' }],
      }));
      return;
    }
    if (!url.pathname.startsWith('/fhir/')) {
      res.writeHead(404);
      res.end();
      return;
    }
    const rest = url.pathname.slice('/fhir'.length) + url.search;
    if (!upstream) {
      const m = /^\/Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(url.pathname.slice('/fhir'.length));
      if (req.method !== 'GET' || !m) {
        res.writeHead(404, { 'content-type': 'application/fhir+json' });
        res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'Patient', id: m[1], name: [{ family: 'Proxy', given: ['Local'] }] }));
      return;
    }
    const body = ['GET', 'HEAD'].includes(req.method) ? undefined : await readBody(req);
    const headers = {};
    for (const name of ['accept', 'content-type', 'prefer', 'if-match', 'if-none-match']) {
      if (req.headers[name]) headers[name] = req.headers[name];
    }
    const answer = await fetch(upstream + rest, { method: req.method, headers, body, redirect: 'manual' });
    const out = {};
    for (const name of ['content-type', 'etag', 'last-modified', 'location']) {
      const v = answer.headers.get(name);
      if (v) out[name] = v;
    }
    res.writeHead(answer.status, out);
    res.end(Buffer.from(await answer.arrayBuffer()));
  } catch (e) {
    console.error('proxy error', e);
    res.writeHead(502);
    res.end();
  }
});

writeFileSync(join(outDir, 'server.json'), JSON.stringify({ issuer, fhir_base: fhirBase, upstream: upstream ?? null }));
console.log(`ready: issuer ${issuer}, FHIR base ${fhirBase}, upstream ${upstream ?? '(built in)'}`);
