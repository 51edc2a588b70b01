// Sign-in with OpenID Connect end to end: a real provider (provider.mjs: npm's oidc-provider on
// 127.0.0.1), skillreg started with --oidc Test=<its issuer>, and Debian's headless Chromium
// clicking through skillreg's sign-in page, the provider's login and consent pages, and back.
// Checked: the account is made from the provider's subject (and the userinfo endpoint's
// profile), a second sign-in reuses it, signing out ends the session; and every refusal (the
// person declines, a wrong state, a changed or foreign code, a callback without the browser's
// pending sign-in, an id_token whose subject was changed, an id_token of an earlier sign-in
// replayed) is a 400 page in words with no session. Prints "ok - ..." / "not ok - ..." per
// check and "N passed, M failed" last; run by run.sh.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startProvider } from './provider.mjs';

const BIN = process.env.SKILLREG_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PG = process.env.SKILLREG_OIDC_DB || '';
// Characters that the client authentication must encode (RFC 6749 section 2.3.1: ':' would
// split id from secret, '+' would read as a space, '%' as an escape).
const CLIENT_ID = 'skillreg test:client+1';
const CLIENT_SECRET = `${crypto.randomBytes(24).toString('base64url')}+/=:%25 ~`;
const JANE = { sub: 'b7e9c2d4-jane-subject', username: 'jane', password: 'jane pass phrase 1', name: 'Jane Doe',
  email: 'jane@example.test' };
const MALLORY = { sub: '0f31aa58-mallory-subject', username: 'mallory', password: 'mallory pass phrase 2',
  name: 'Mallory Meyer', email: 'mallory@example.test' };

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`not ok - ${name}${detail !== undefined ? `: ${detail}` : ''}`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skillreg-oidc-'));
let server;
let serverLog = '';
let browser;
let op;

// One value from the database, as text: the test reads what skillreg stored.
function sql(query) {
  if (PG) return execFileSync('psql', [PG, '-X', '-At', '-c', query], { encoding: 'utf8' }).trim();
  return execFileSync('sqlite3', [path.join(dir, 'skillreg.db'), query], { encoding: 'utf8' }).trim();
}

// Holds the browser's next request to skillreg's callback (a redirect hop, which
// playwright's page.route cannot stop) through the DevTools protocol, and answers it with a
// placeholder page, so the code and state it carries stay unused. Resolves with its URL.
async function holdCallback(ctx, page) {
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*/auth/oidc/Test/callback?*', requestStage: 'Request' }] });
  return {
    url: new Promise((resolve) => {
      cdp.on('Fetch.requestPaused', async (e) => {
        await cdp.send('Fetch.fulfillRequest', { requestId: e.requestId, responseCode: 200,
          responseHeaders: [{ name: 'Content-Type', value: 'text/html' }],
          body: Buffer.from('<p id="held">held</p>').toString('base64') });
        await cdp.send('Fetch.disable');
        await cdp.detach();
        resolve(new URL(e.request.url));
      });
    }),
  };
}

async function providerLogin(page, who, password) {
  await page.fill('#username', who.username);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('#signin')]);
}

// Clicks the provider's button where the provider needs no page (its session and grant are
// there): resolves with skillreg's answer to the callback, once the page it led to has loaded.
async function signInAnswer(page) {
  const [answer] = await Promise.all([
    page.waitForResponse((res) => new URL(res.url()).pathname === '/auth/oidc/Test/callback'),
    page.click('main a:has-text("Sign in with Test")')]);
  await page.waitForLoadState();
  return answer;
}

async function sessionCookie(ctx) {
  return (await ctx.cookies()).find((c) => c.name === 'sr_session');
}

async function signOut(page) {
  await Promise.all([page.waitForNavigation(), page.click('header button:has-text("Sign out")')]);
}

async function main() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const callback = `${base}/auth/oidc/Test/callback`;
  op = await startProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [callback],
    people: [JANE, MALLORY] });
  console.log(`# provider ${op.issuer}, skillreg ${base}`);
  const secretFile = path.join(dir, 'oidc-secret');
  fs.writeFileSync(secretFile, `${CLIENT_SECRET}\n`, { mode: 0o600 });
  server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dir, ...(PG ? ['--db', PG] : []),
    '--oidc', `Test=${op.issuer}`, '--oidc-client-id', `Test=${CLIENT_ID}`,
    '--oidc-client-secret-file', `Test=${secretFile}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.on('data', (d) => { serverLog += d; });
  server.stderr.on('data', (d) => { serverLog += d; });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch { /* not up yet */ }
    if (i > 100) throw new Error(`server did not start: ${serverLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const usersBefore = Number(sql('SELECT count(*) FROM users'));

  // ---- Jane signs in: skillreg's button, the provider's login and consent pages, back ----
  const ctxA = await browser.newContext();
  const page = await ctxA.newPage();
  await page.goto(`${base}/signin?return_to=/settings/sessions`);
  const button = page.locator('main a:has-text("Sign in with Test")');
  check('the sign-in page offers the provider', (await button.count()) === 1);
  await Promise.all([page.waitForNavigation(), button.click()]);
  check('the button leads to the provider\'s login page', page.url().startsWith(`${op.issuer}/interaction/`),
    `${page.url()} ${await page.textContent('body')}`);
  await providerLogin(page, JANE, 'not her password');
  check('the provider refuses a wrong password on its own page',
    (await page.locator('#error').textContent().catch(() => '')) === 'Wrong username or password.');
  await providerLogin(page, JANE, JANE.password);
  check('the provider asks for consent to openid, profile and email',
    (await page.locator('#scopes').textContent().catch(() => '')) === 'openid profile email', page.url());
  const loginCookie = (await ctxA.cookies()).find((c) => c.name === 'sr_login');
  check('the pending sign-in cookie is HttpOnly, SameSite=Lax, Path /auth/',
    loginCookie && loginCookie.httpOnly && loginCookie.sameSite === 'Lax' && loginCookie.path === '/auth/',
    JSON.stringify(loginCookie));
  const tokensBefore = op.tokenRequests;
  const landed = await Promise.all([page.waitForNavigation(), page.click('#allow')]).then(([r]) => r);
  check('after consent, back on skillreg where the sign-in began', page.url() === `${base}/settings/sessions`,
    `${page.url()} ${landed && landed.status()}`);
  check('skillreg exchanged the code at the provider\'s token endpoint once', op.tokenRequests === tokensBefore + 1,
    `${op.tokenRequests - tokensBefore}`);
  check('the header shows @jane, the provider\'s preferred_username',
    (await page.textContent('header')).includes('@jane'), await page.textContent('header'));
  const ses = await sessionCookie(ctxA);
  check('the session cookie is HttpOnly and SameSite=Lax', ses && ses.httpOnly && ses.sameSite === 'Lax',
    JSON.stringify(ses));
  check('the pending sign-in cookie is gone after the callback',
    !(await ctxA.cookies()).some((c) => c.name === 'sr_login'));
  const janeId = sql(`SELECT user_id FROM user_identities WHERE provider = 'oidc:Test' AND subject = '${JANE.sub}'`);
  check('the account is linked to the provider\'s subject', /^\d+$/.test(janeId), janeId);
  check('the account has handle jane and the userinfo endpoint\'s name',
    sql(`SELECT handle || '|' || display_name FROM users WHERE id = ${Number(janeId)}`) === 'jane|Jane Doe',
    sql(`SELECT handle || '|' || display_name FROM users WHERE id = ${Number(janeId)}`));
  check('one account was made', Number(sql('SELECT count(*) FROM users')) === usersBefore + 1);
  check('one web session for it', sql(`SELECT count(*) FROM web_sessions WHERE user_id = ${Number(janeId)}`) === '1');

  // ---- sign out, then sign in again: the provider remembers her, skillreg her account ----
  await signOut(page);
  check('signing out shows the Sign in link again', (await page.textContent('header')).includes('Sign in'));
  check('signing out removes the session cookie', !(await sessionCookie(ctxA)));
  check('signing out ends the session on the server',
    sql(`SELECT count(*) FROM web_sessions WHERE user_id = ${Number(janeId)}`) === '0');
  await page.goto(`${base}/signin`);
  const again = await Promise.all([page.waitForNavigation(), page.click('main a:has-text("Sign in with Test")')])
    .then(([x]) => x);
  check('a second sign-in goes through the provider without a page (its session and the grant)',
    page.url() === `${base}/`, `${page.url()} ${again && again.status()} ${await page.textContent('main')}`);
  check('the second sign-in is @jane again', (await page.textContent('header')).includes('@jane'));
  check('the second sign-in reuses the account: no new account, one identity',
    Number(sql('SELECT count(*) FROM users')) === usersBefore + 1
      && sql(`SELECT count(*) || '|' || min(user_id) FROM user_identities WHERE provider = 'oidc:Test'`) === `1|${janeId}`,
    sql(`SELECT count(*) || '|' || min(user_id) FROM user_identities WHERE provider = 'oidc:Test'`));
  await signOut(page);

  // ---- refusals, as Mallory in a browser of her own ----
  const ctxB = await browser.newContext();
  const pb = await ctxB.newPage();
  const usersNow = Number(sql('SELECT count(*) FROM users'));
  const refused = async (name, response, words) => {
    const text = await pb.textContent('main').catch(() => '');
    check(`${name}: 400`, response && response.status() === 400, response && response.status());
    check(`${name}: says why`, text.includes(words), text);
    check(`${name}: no session`, !(await sessionCookie(ctxB)) && !(await pb.textContent('header')).includes('@'));
  };
  // She declines at the consent page.
  await pb.goto(`${base}/signin`);
  await Promise.all([pb.waitForNavigation(), pb.click('main a:has-text("Sign in with Test")')]);
  await providerLogin(pb, MALLORY, MALLORY.password);
  let r = await Promise.all([pb.waitForNavigation(), pb.click('#deny')]).then(([x]) => x);
  await refused('declining at the provider', r, 'The provider did not sign you in (access_denied).');

  // A wrong state with the genuine code: the callback is held, then sent with the state changed.
  await pb.goto(`${base}/signin`);
  let held = await holdCallback(ctxB, pb);
  await Promise.all([pb.waitForNavigation(), pb.click('main a:has-text("Sign in with Test")')]);
  await Promise.all([pb.waitForNavigation(), pb.click('#allow')]);
  let cb = await held.url;
  const genuine = cb.href;
  cb.searchParams.set('state', crypto.randomBytes(32).toString('base64url'));
  r = await pb.goto(cb.href);
  await refused('a callback with another state', r, 'The provider came back with a state this browser\'s sign-in did not send.');
  r = await pb.goto(genuine);
  await refused('the genuine callback after its pending sign-in was used', r, 'This sign-in was not started in this browser');

  // A changed code: the provider refuses it at the token endpoint.
  await pb.goto(`${base}/signin`);
  held = await holdCallback(ctxB, pb);
  await pb.click('main a:has-text("Sign in with Test")');
  cb = await held.url;
  await pb.waitForSelector('#held');
  cb.searchParams.set('code', `${cb.searchParams.get('code').slice(0, -4)}AAAA`);
  r = await pb.goto(cb.href);
  await refused('a callback with a changed code', r, 'The provider refused the sign-in\'s code (invalid_grant).');

  // A code from another browser's sign-in, brought into this one with this one's state (code
  // injection): PKCE binds the code to the browser that asked for it.
  await pb.goto(`${base}/signin`);
  held = await holdCallback(ctxB, pb);
  await pb.click('main a:has-text("Sign in with Test")');
  const foreign = await held.url;
  await pb.waitForSelector('#held');
  const ctxC = await browser.newContext();
  const pc = await ctxC.newPage();
  await pc.goto(`${base}/signin`);
  const startC = await ctxC.request.get(`${base}/auth/oidc/Test/start?return_to=/`, { maxRedirects: 0 });
  const stateC = new URL(startC.headers().location).searchParams.get('state');
  const injected = new URL(callback);
  injected.searchParams.set('code', foreign.searchParams.get('code'));
  injected.searchParams.set('state', stateC);
  r = await pc.goto(injected.href);
  const textC = await pc.textContent('main');
  check('another browser\'s code with this browser\'s state: 400', r.status() === 400, r.status());
  check('another browser\'s code: the provider refuses it (PKCE)',
    textC.includes('The provider refused the sign-in\'s code (invalid_grant).'), textC);
  check('another browser\'s code: no session', !(await ctxC.cookies()).some((c) => c.name === 'sr_session'));
  // The same held callback in a browser that started no sign-in (login CSRF).
  const ctxD = await browser.newContext();
  const pd = await ctxD.newPage();
  r = await pd.goto(foreign.href);
  check('a callback in a browser that started no sign-in: 400',
    r.status() === 400 && (await pd.textContent('main')).includes('This sign-in was not started in this browser'),
    `${r.status()} ${await pd.textContent('main')}`);
  check('a callback in a browser that started no sign-in: no session',
    !(await ctxD.cookies()).some((c) => c.name === 'sr_session'));

  // The token endpoint's answer changed between the provider and skillreg: Mallory's own
  // sign-in, with the id_token's subject rewritten to Jane's (the signature kept).
  op.tamper = 'forge-sub';
  op.forgedSub = JANE.sub;
  let before = op.tokenRequests;
  await pb.goto(`${base}/signin`);
  r = await signInAnswer(pb);
  check('forged subject: the token endpoint was reached', op.tokenRequests === before + 1);
  await refused('an id_token whose subject was changed', r, 'the id_token\'s signature does not verify');
  // An id_token the provider signed for Jane's first sign-in, replayed into Mallory's.
  op.tamper = 'replay';
  before = op.tokenRequests;
  await pb.goto(`${base}/signin`);
  r = await signInAnswer(pb);
  check('replayed id_token: the token endpoint was reached', op.tokenRequests === before + 1);
  await refused('an id_token of an earlier sign-in', r, 'the id_token\'s nonce is not this sign-in\'s');
  op.tamper = null;
  check('no refusal made an account or a session',
    Number(sql('SELECT count(*) FROM users')) === usersNow && sql('SELECT count(*) FROM web_sessions') === '0',
    `${sql('SELECT count(*) FROM users')} users, ${sql('SELECT count(*) FROM web_sessions')} sessions`);

  // Untampered, Mallory's sign-in works and makes her own account.
  await pb.goto(`${base}/signin`);
  await Promise.all([pb.waitForNavigation({ url: `${base}/` }), pb.click('main a:has-text("Sign in with Test")')]);
  check('Mallory signs in as @mallory, an account of her own',
    (await pb.textContent('header')).includes('@mallory')
      && sql(`SELECT u.handle FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.provider = 'oidc:Test' AND i.subject = '${MALLORY.sub}'`) === 'mallory');

  // What the server printed holds none of the secrets that went through it.
  const secrets = [CLIENT_SECRET, ...op.issuedIdTokens, genuine.match(/code=([^&]+)/)[1]];
  check('the server\'s log holds no client secret, code or id_token', secrets.every((s) => !serverLog.includes(s)));
}

try {
  await main();
} catch (e) {
  check('oidc sign-in test ran to the end', false, e && e.stack ? e.stack : String(e));
} finally {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  if (op) await op.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
if (failed) console.log(serverLog.split('\n').slice(-40).map((l) => `# server: ${l}`).join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
