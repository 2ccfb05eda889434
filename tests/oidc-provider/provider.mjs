// A real OpenID Connect provider for the sign-in tests: the OpenID-certified `oidc-provider`,
// configured the way the service meets GビズID (authorization code flow, PKCE required, a
// confidential client), listening on 127.0.0.1.
//
// Environment:
//   PORT            the port to listen on (0, the default, picks a free one)
//   REDIRECT_URIS   the service's callback URL(s), comma-separated
//   ID_TOKEN_TTL    seconds an ID token is valid (default 600)
//   CLAIMS_IN       `id_token` (the default: the account's claims are in the ID token too) or
//                   `userinfo` (only at the UserInfo endpoint, as the OpenID Connect default)
//
// Once listening it prints one line of JSON on standard output: {"issuer": "http://127.0.0.1:PORT"}.
//
// Accounts: any login name is accepted (any password) by the provider's own development
// login page. The name says what the account carries: "CORPORATE_NUMBER:KIND", for example
// "1234567890123:prime"; "-" for either part leaves that claim out.
//
// Test controls (plain HTTP, under /__test/):
//   POST /__test/rotate-keys   new signing keys (the old ones are no longer published)
//   POST /__test/tamper        JSON {"aud", "nonce", "exp_offset", "iat_offset"}: later ID tokens
//                              are issued with these values (the offsets in seconds from now),
//                              signed with the provider's own key; {} resets

import http from 'node:http';
import { randomUUID } from 'node:crypto';

import * as jose from 'jose';
import Provider from 'oidc-provider';

export const CLIENTS = [
  { client_id: 'security-action', client_secret: 'security-action-secret' },
  { client_id: 'another-service', client_secret: 'another-service-secret' },
];

const port = Number(process.env.PORT ?? 0);
const redirectUris = (process.env.REDIRECT_URIS ?? 'http://127.0.0.1/callback')
  .split(',').map((u) => u.trim()).filter(Boolean);
const idTokenTtl = Number(process.env.ID_TOKEN_TTL ?? 600);
const claimsInIdToken = (process.env.CLAIMS_IN ?? 'id_token') === 'id_token';

let signingKey;
let tamper = {};

async function newSigningKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  jwk.kid = randomUUID();
  jwk.alg = 'RS256';
  jwk.use = 'sig';
  return jwk;
}

function findAccount(ctx, id) {
  const [corporateNumber, kind] = String(id).split(':');
  return {
    accountId: id,
    async claims() {
      const claims = { sub: id, name: `テスト ${id}` };
      if (corporateNumber && corporateNumber !== '-') claims.corporate_number = corporateNumber;
      if (kind && kind !== '-') claims.account_type = kind;
      return claims;
    },
  };
}

function newProvider(issuer) {
  const provider = new Provider(issuer, {
    clients: CLIENTS.map((c) => ({
      ...c,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: [signingKey] },
    findAccount,
    claims: { openid: ['sub'], profile: ['name', 'corporate_number', 'account_type'] },
    // Whether the claims of the requested scopes go into the ID token too, or only to UserInfo.
    conformIdTokenClaims: !claimsInIdToken,
    pkce: { required: () => true },
    ttl: { IdToken: idTokenTtl },
    cookies: { keys: ['test-cookie-key'] },
    features: { devInteractions: { enabled: true } },
  });
  provider.proxy = false;
  // Tampering, for the attacks the service must refuse: the token endpoint's ID token is
  // replaced by one with other claims, signed with the provider's own current key.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token
        && Object.keys(tamper).length > 0) {
      const claims = jose.decodeJwt(ctx.body.id_token);
      if (tamper.aud !== undefined) claims.aud = tamper.aud;
      if (tamper.nonce !== undefined) claims.nonce = tamper.nonce;
      const now = Math.floor(Date.now() / 1000);
      if (tamper.exp_offset !== undefined) {
        claims.exp = now + tamper.exp_offset;
        claims.iat = Math.min(claims.iat, claims.exp - 1);
      }
      if (tamper.iat_offset !== undefined) {
        claims.iat = now + tamper.iat_offset;
        claims.exp = Math.max(claims.exp, claims.iat + 600);
      }
      const key = await jose.importJWK(signingKey, 'RS256');
      ctx.body = {
        ...ctx.body,
        id_token: await new jose.SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid })
          .sign(key),
      };
    }
  });
  return provider;
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

signingKey = await newSigningKey();
let provider;
let handler;
const server = http.createServer(async (req, res) => {
  try {
    if (req.method === 'POST' && req.url === '/__test/rotate-keys') {
      signingKey = await newSigningKey();
      provider = newProvider(provider.issuer);
      handler = provider.callback();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kid: signingKey.kid }));
      return;
    }
    if (req.method === 'POST' && req.url === '/__test/tamper') {
      tamper = await readJson(req);
      res.writeHead(204);
      res.end();
      return;
    }
    handler(req, res);
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error));
  }
});
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = newProvider(issuer);
  handler = provider.callback();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

// A reader that went away must not stop the provider.
process.stdout.on('error', () => {});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
