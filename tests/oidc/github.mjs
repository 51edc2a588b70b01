// A stand-in for GitHub on loopback, speaking what skillreg uses of it as GitHub documents it
// ("Authorizing OAuth apps", the REST API's users endpoints), in GitHub Enterprise Server's
// layout (the site at the root, the API under /api/v3), which is what skillreg's --github-url
// selects:
//   GET  /login/oauth/authorize   sign-in page (when no session), then the authorize page
//   POST /session, /login/oauth/authorize   the forms of those pages
//   POST /login/oauth/access_token   the code (single use, ten minutes, PKCE S256 checked,
//        redirect_uri checked) for a gho_ token; refusals answer 200 with "error" as GitHub does
//   GET  /api/v3/user, /api/v3/user/emails   with the token (401 "Bad credentials" otherwise)
// A person's e-mail can be private (null in /user), as GitHub lets people choose; the stand-in
// then lists it only in /user/emails, which needs the user:email scope.
//
//   const gh = await startGitHub({ clientId, clientSecret, callback, people });
//   gh.url ... gh.rename(id, login) ... gh.calls ... await gh.close();
import crypto from 'node:crypto';
import http from 'node:http';

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

function cookies(req) {
  const out = {};
  for (const part of (req.headers.cookie || '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

const random = (n) => crypto.randomBytes(n).toString('hex');
const s256 = (v) => crypto.createHash('sha256').update(v).digest('base64url');

// host names the stand-in's host in its URLs ('localhost': another site than skillreg's
// 127.0.0.1, as github.com is); it listens on 127.0.0.1.
export async function startGitHub({ clientId, clientSecret, callback, people, host = '127.0.0.1' }) {
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://${host}:${server.address().port}`;
  const sessions = new Map(); // cookie value -> person id
  const authorized = new Map(); // person id -> scopes granted to the app
  const codes = new Map(); // code -> { id, scope, redirectUri, challenge, expires }
  const tokens = new Map(); // token -> { id, scope }
  const gh = {
    url,
    calls: [], // "METHOD /path" of every API call, in order
    issuedTokens: [],
    rename(id, login) {
      people.find((p) => p.id === id).login = login;
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };

  const send = (res, status, type, body, headers = {}) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
    res.end(body);
  };
  const html = (res, status, title, body, headers) => send(res, status, 'text/html; charset=utf-8', page(title, body), headers);
  const json = (res, status, value) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
  const back = (res, to, params) => {
    const u = new URL(to);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    res.writeHead(302, { Location: u.href });
    res.end();
  };
  // GitHub's rule: the callback's host and port exactly, its path the registered one or below.
  const redirectOk = (r) => {
    const a = URL.parse(r);
    const b = new URL(callback);
    return a && a.origin === b.origin && (a.pathname === b.pathname || a.pathname.startsWith(`${b.pathname}/`));
  };

  const authorizePage = (res, q, who) => html(res, 200, 'Authorize application',
    `<p id="app">An application (${esc(q.get('client_id'))}) asks for access to your account <strong id="who">@${esc(who.login)}</strong>.</p>`
    + `<p>Scopes: <span id="scopes">${esc(q.get('scope') || '')}</span></p>`
    + `<form method="post" action="/login/oauth/authorize?${esc(q.toString())}">`
    + '<button type="submit" name="authorize" value="1" id="authorize">Authorize</button>'
    + '<button type="submit" name="authorize" value="0" id="cancel">Cancel</button></form>');

  async function route(req, res) {
    const u = new URL(req.url, url);
    const q = u.searchParams;
    const sid = cookies(req).user_session;
    const who = sid && sessions.has(sid) ? people.find((p) => p.id === sessions.get(sid)) : null;
    if (u.pathname === '/login/oauth/authorize') {
      if (q.get('client_id') !== clientId) return html(res, 404, 'Not found', '<p>No such application.</p>');
      const redirectUri = q.get('redirect_uri') || callback;
      if (!redirectOk(redirectUri)) {
        return html(res, 400, 'Redirect URI mismatch', '<p>The redirect_uri is not associated with this application.</p>');
      }
      if (!who) {
        res.writeHead(302, { Location: `/login?return_to=${encodeURIComponent(u.pathname + u.search)}` });
        return res.end();
      }
      const scope = (q.get('scope') || '').split(/[ ,]+/).filter(Boolean);
      const granted = authorized.get(who.id);
      const decided = req.method === 'POST' ? (await readForm(req)).get('authorize') : null;
      if (decided === '0') {
        return back(res, redirectUri, { error: 'access_denied',
          error_description: 'The user has denied your application access.', state: q.get('state') || '' });
      }
      if (decided !== '1' && !(granted && scope.every((s) => granted.includes(s)))) return authorizePage(res, q, who);
      if (decided === '1') authorized.set(who.id, scope);
      const method = q.get('code_challenge_method');
      if (q.get('code_challenge') && method !== 'S256') {
        return back(res, redirectUri, { error: 'invalid_request', state: q.get('state') || '' });
      }
      const code = random(10);
      codes.set(code, { id: who.id, scope: scope.join(','), redirectUri, challenge: q.get('code_challenge'),
        expires: Date.now() + 10 * 60 * 1000 });
      return back(res, redirectUri, { code, state: q.get('state') || '' });
    }
    if (u.pathname === '/login' && req.method === 'GET') {
      return html(res, 200, 'Sign in to GitHub',
        `${q.get('error') ? '<p id="error">Incorrect username or password.</p>' : ''}`
        + `<form method="post" action="/session?return_to=${esc(encodeURIComponent(q.get('return_to') || '/'))}">`
        + '<label>Username <input id="login_field" name="login"></label>'
        + '<label>Password <input id="password" name="password" type="password"></label>'
        + '<button type="submit" id="signin">Sign in</button></form>');
    }
    if (u.pathname === '/session' && req.method === 'POST') {
      const f = await readForm(req);
      const p = people.find((x) => x.login === f.get('login'));
      const ret = q.get('return_to') || '/';
      if (!p || p.password !== f.get('password') || !ret.startsWith('/')) {
        res.writeHead(302, { Location: `/login?error=1&return_to=${encodeURIComponent(ret)}` });
        return res.end();
      }
      const s = random(16);
      sessions.set(s, p.id);
      res.writeHead(302, { Location: ret, 'Set-Cookie': `user_session=${s}; Path=/; HttpOnly; SameSite=Lax` });
      return res.end();
    }
    if (u.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      const f = await readForm(req);
      const accept = req.headers.accept || '';
      const answer = (value) => (accept.includes('application/json') ? json(res, 200, value)
        : send(res, 200, 'application/x-www-form-urlencoded; charset=utf-8', new URLSearchParams(value).toString()));
      if (f.get('client_id') !== clientId || f.get('client_secret') !== clientSecret) {
        return answer({ error: 'incorrect_client_credentials',
          error_description: 'The client_id and/or client_secret passed are incorrect.' });
      }
      const c = codes.get(f.get('code') || '');
      codes.delete(f.get('code') || ''); // a code is used once, whatever the outcome
      if (!c || c.expires < Date.now()) {
        return answer({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      }
      if (f.get('redirect_uri') && f.get('redirect_uri') !== c.redirectUri) {
        return answer({ error: 'redirect_uri_mismatch',
          error_description: 'The redirect_uri MUST match the registered callback URL for this application.' });
      }
      if (c.challenge && s256(f.get('code_verifier') || '') !== c.challenge) {
        return answer({ error: 'bad_verification_code', error_description: 'The code_verifier does not match the code_challenge.' });
      }
      const token = `gho_${random(18)}`;
      tokens.set(token, { id: c.id, scope: c.scope });
      gh.issuedTokens.push(token);
      return answer({ access_token: token, token_type: 'bearer', scope: c.scope });
    }
    if (u.pathname.startsWith('/api/v3/')) {
      gh.calls.push(`${req.method} ${u.pathname}`);
      const m = (req.headers.authorization || '').match(/^(?:token|bearer) (\S+)$/i);
      const t = m && tokens.get(m[1]);
      if (!t) return json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
      const p = people.find((x) => x.id === t.id);
      if (u.pathname === '/api/v3/user' && req.method === 'GET') {
        return json(res, 200, { login: p.login, id: p.id, node_id: `U_${p.id}`, avatar_url: `${url}/avatars/u/${p.id}?v=4`,
          html_url: `${url}/${p.login}`, type: 'User', site_admin: false, name: p.name,
          email: p.emailPublic ? p.email : null, created_at: '2011-01-25T18:44:36Z' });
      }
      if (u.pathname === '/api/v3/user/emails' && req.method === 'GET') {
        if (!t.scope.split(',').includes('user:email')) {
          return json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
        }
        return json(res, 200, [{ email: p.email, primary: true, verified: true, visibility: p.emailPublic ? 'public' : 'private' },
          { email: `${p.id}+${p.login}@users.noreply.example.test`, primary: false, verified: true, visibility: null }]);
      }
      return json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    }
    return html(res, 404, 'Not found', '<p>Not found.</p>');
  }

  server.on('request', (req, res) => {
    route(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `stand-in failed: ${err.message}\n`);
    });
  });
  return gh;
}
