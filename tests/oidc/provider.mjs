// A real OpenID Connect provider on loopback for skillreg's sign-in test: npm's oidc-provider
// (an OpenID-certified implementation, pinned in package-lock.json) with one confidential
// client, PKCE required, a signing key made at start, and a few test people. Its login and
// consent pages are this file's own small forms (the library leaves them to the embedder), so
// the browser signs in with a password and consents as a person does.
//
//   const op = await startProvider({ clientId, clientSecret, redirectUris, people });
//   op.issuer ... op.tamper = 'forge-sub' | 'replay' | null ... await op.close();
//
// prefix puts the issuer under a path, as Keycloak's realms (/realms/NAME) or a provider
// behind a reverse proxy have it, and slash ends it with '/', as Authentik's issuers
// (/application/o/SLUG/) do; alg is the id_token's signature (RS256 or ES256), the key set
// holding keys of both kinds either way. host names the issuer's host: 'localhost' puts the
// provider on another site than skillreg on 127.0.0.1, as a real provider is (its cookies
// apart, and skillreg's SameSite=Lax cookies crossing from it); it listens on 127.0.0.1.
//
// op.tamper changes the token endpoint's answer on its way out, as an attacker between the
// provider and skillreg could, to show that skillreg checks what it is given: 'forge-sub'
// rewrites the id_token's subject and keeps the provider's signature; 'replay' answers with
// an id_token the provider issued for an earlier sign-in (validly signed, another nonce).
// op.gate, an async function, holds each token request until it resolves.
//
// Run alone (node provider.mjs) it prints its issuer and serves until stopped, for a look by hand.
import crypto from 'node:crypto';
import http from 'node:http';
import { Provider } from 'oidc-provider';

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head>`
    + `<body><h1>${esc(title)}</h1>${body}</body></html>`;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (d) => {
      s += d;
      if (s.length > 65536) reject(new Error('form too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(s)));
    req.on('error', reject);
  });
}

function b64urlJson(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

// Listens on 127.0.0.1:port (0: a free one); resolves with the port.
function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server.address().port));
  });
}

export async function startProvider({ clientId, clientSecret, redirectUris, people, port = 0, prefix = '',
  slash = false, alg = 'RS256', host = '127.0.0.1' }) {
  const server = http.createServer();
  const boundPort = await listen(server, port);
  const issuer = `http://${host}:${boundPort}${prefix}${slash ? '/' : ''}`;
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const keys = [{ ...rsa.export({ format: 'jwk' }), kid: 'test-rs256', use: 'sig', alg: 'RS256' },
    { ...ec.export({ format: 'jwk' }), kid: 'test-es256', use: 'sig', alg: 'ES256' }];
  const bySub = new Map(people.map((p) => [p.sub, p]));
  const op = {
    issuer,
    tamper: null,
    issuedIdTokens: [], // every id_token the token endpoint gave, in order
    tokenRequests: 0,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };

  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: alg,
    }],
    jwks: { keys },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 3600, Interaction: 600, Session: 3600 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `${prefix}/interaction/${interaction.uid}` },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    async findAccount(ctx, sub) {
      const p = bySub.get(sub);
      if (!p) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, name: p.name, preferred_username: p.username, email: p.email, email_verified: true };
        },
      };
    },
    // The library's own error page pulls a web font from the internet; this one stays local.
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Provider error', `<pre>${esc(JSON.stringify(out))}</pre>`);
    },
  });
  provider.on('server_error', (ctx, err) => console.error(`# provider server_error: ${err.stack}`));

  // The token endpoint's answer, seen (and changed when op.tamper says so) on its way out.
  provider.use(async (ctx, next) => {
    // op.gate, when set, holds each token request until it lets it go (a test's barrier).
    if (op.gate && ctx.path === '/token') await op.gate();
    await next();
    if (ctx.path !== '/token' || ctx.method !== 'POST' || ctx.status !== 200 || !ctx.body?.id_token) return;
    op.tokenRequests++;
    const fresh = ctx.body.id_token;
    if (op.tamper === 'forge-sub') {
      const [h, p, s] = fresh.split('.');
      const claims = b64urlJson(p);
      claims.sub = op.forgedSub;
      ctx.body = { ...ctx.body, id_token: `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}` };
    } else if (op.tamper === 'replay') {
      ctx.body = { ...ctx.body, id_token: op.issuedIdTokens[0] };
    }
    op.issuedIdTokens.push(fresh);
  });

  const interactions = async (req, res) => {
    const url = new URL(req.url, issuer);
    const m = url.pathname.match(/^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?$/);
    if (!m) return false;
    const details = await provider.interactionDetails(req, res);
    const { uid, prompt, params } = details;
    const html = (status, title, body) => {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(page(title, body));
    };
    const loginForm = (error) => html(200, 'Sign in to the test provider',
      `${error ? `<p id="error">${esc(error)}</p>` : ''}`
      + `<form method="post" action="${prefix}/interaction/${esc(uid)}/login">`
      + '<label>Username <input id="username" name="username" autocomplete="username"></label>'
      + '<label>Password <input id="password" name="password" type="password"></label>'
      + '<button type="submit" id="signin">Sign in</button></form>');
    const step = m[2];
    if (!step && prompt.name === 'login') {
      loginForm(null);
    } else if (!step && prompt.name === 'consent') {
      const scopes = (prompt.details.missingOIDCScope || []).join(' ');
      html(200, 'Authorize',
        `<p id="consent"><strong>${esc(params.client_id)}</strong> asks for: <span id="scopes">${esc(scopes)}</span></p>`
        + `<form method="post" action="${prefix}/interaction/${esc(uid)}/confirm"><button type="submit" id="allow">Allow</button></form>`
        + `<form method="post" action="${prefix}/interaction/${esc(uid)}/abort"><button type="submit" id="deny">Deny</button></form>`);
    } else if (step === 'login' && req.method === 'POST' && prompt.name === 'login') {
      const form = await readForm(req);
      const who = people.find((p) => p.username === form.get('username'));
      if (!who || who.password !== form.get('password')) {
        loginForm('Wrong username or password.');
      } else {
        await provider.interactionFinished(req, res, { login: { accountId: who.sub } }, { mergeWithLastSubmission: false });
      }
    } else if (step === 'confirm' && req.method === 'POST' && prompt.name === 'consent') {
      const grant = details.grantId ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
      if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
      if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } else if (step === 'abort' && req.method === 'POST') {
      await provider.interactionFinished(req, res,
        { error: 'access_denied', error_description: 'The person declined.' }, { mergeWithLastSubmission: false });
    } else {
      html(400, 'Bad request', '<p>This step does not fit the interaction.</p>');
    }
    return true;
  };

  const handler = provider.callback();
  server.on('request', (req, res) => {
    // Mounted under prefix: the library reads its mount path from originalUrl.
    if (prefix) {
      if (!req.url.startsWith(`${prefix}/`)) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('not under the issuer\'s path\n');
        return;
      }
      req.originalUrl = req.url;
      req.url = req.url.slice(prefix.length);
    }
    interactions(req, res).then((done) => {
      if (!done) handler(req, res);
    }).catch((err) => {
      if (!res.headersSent) {
        res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`interaction failed: ${err.message}\n`);
      }
    });
  });
  return op;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const op = await startProvider({
    clientId: 'skillreg', clientSecret: 'secret', redirectUris: ['http://127.0.0.1:8080/auth/oidc/Test/callback'],
    people: [{ sub: 'sub-1', username: 'jane', password: 'pw', name: 'Jane', email: 'jane@example.test' }],
    port: Number(process.env.PORT || 0),
  });
  console.log(`issuer ${op.issuer} (client skillreg, secret "secret", user jane / pw)`);
}
