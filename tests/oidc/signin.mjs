// Sign-in with OpenID Connect end to end: real providers (provider.mjs: npm's oidc-provider on
// 127.0.0.1; one at the root signing RS256, one under /realms/corp as Keycloak has them
// signing ES256, one under /application/o/skillreg/ with a final slash as Authentik has them),
// skillreg started with --oidc for each, and Debian's headless Chromium clicking through
// skillreg's sign-in page, the provider's login and consent pages, and back. Checked: the
// account is made from the provider's subject (and the userinfo endpoint's profile), a second
// sign-in reuses it, signing out ends the session, a sign-in waiting on a slow provider holds
// no server thread, two first sign-ins at once make one account, a provider that does not
// answer is a 502 page; and every refusal (the person declines, a wrong state, a changed or
// foreign code, a callback without the browser's pending sign-in, an id_token whose subject
// was changed, an id_token of an earlier sign-in replayed) is a 400 page in words with no
// session. Prints "ok - ..." / "not ok - ..." per check and "N passed, M failed" last; run
// by run.sh.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { check, counts, freePort, reservePort, holdRequest, sessionCookie, signInAnswer, signOut, sqlOf, startSkillreg,
  stopSkillreg }
  from './lib.mjs';
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

const SAM = { sub: '77d0e5b1-sam-subject', username: 'sam', password: 'sam pass phrase 3', name: 'Sam Race',
  email: 'sam@example.test' };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skillreg-oidc-'));
let server;
let browser;
let op;
let corp;
let authentik;
const sql = sqlOf(dir, PG);
const BUTTON = 'main a:has-text("Sign in with Test")';
const CALLBACK_PATH = '/auth/oidc/Test/callback';
const holdCallback = (ctx, page) => holdRequest(ctx, page, `*${CALLBACK_PATH}?*`);

async function providerLogin(page, who, password) {
  await page.fill('#username', who.username);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('#signin')]);
}

async function main() {
  const reserved = await reservePort();
  const { port } = reserved;
  const base = `http://127.0.0.1:${port}`;
  const callback = `${base}/auth/oidc/Test/callback`;
  op = await startProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [callback],
    people: [JANE, MALLORY, SAM], host: 'localhost' });
  // A second provider as Keycloak has them: the issuer under a path, id_tokens signed ES256.
  corp = await startProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET,
    redirectUris: [`${base}/auth/oidc/Corp/callback`], people: [JANE], prefix: '/realms/corp', alg: 'ES256' });
  // A third as Authentik has them: the issuer under a path and ending in a slash.
  authentik = await startProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET,
    redirectUris: [`${base}/auth/oidc/Authentik/callback`], people: [MALLORY], prefix: '/application/o/skillreg',
    slash: true });
  console.log(`# providers ${op.issuer} ${corp.issuer} ${authentik.issuer}, skillreg ${base}`);
  const downPort = await freePort(); // a provider that does not answer
  const secretFile = path.join(dir, 'oidc-secret');
  fs.writeFileSync(secretFile, `${CLIENT_SECRET}\n`, { mode: 0o600 });
  server = await startSkillreg({ bin: BIN, port: reserved, dir, pg: PG, args: ['--oidc', `Test=${op.issuer}`,
    '--oidc-client-id', `Test=${CLIENT_ID}`, '--oidc-client-secret-file', `Test=${secretFile}`,
    '--oidc', `Corp=${corp.issuer}`, '--oidc-client-id', `Corp=${CLIENT_ID}`,
    '--oidc-client-secret-file', `Corp=${secretFile}`, '--oidc', `Authentik=${authentik.issuer}`,
    '--oidc-client-id', `Authentik=${CLIENT_ID}`, '--oidc-client-secret-file', `Authentik=${secretFile}`,
    '--oidc', `Down=http://127.0.0.1:${downPort}`, '--oidc-client-id', `Down=${CLIENT_ID}`,
    '--oidc-client-secret-file', `Down=${secretFile}`] });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const usersBefore = Number(sql('SELECT count(*) FROM users'));

  // ---- Jane signs in: skillreg's button, the provider's login and consent pages, back ----
  const ctxA = await browser.newContext();
  // A session token an attacker planted before the sign-in (session fixation) must not be
  // the one the sign-in makes valid.
  const planted = crypto.randomBytes(32).toString('base64url');
  await ctxA.addCookies([{ name: 'sr_session', value: planted, url: base }]);
  const page = await ctxA.newPage();
  await page.goto(`${base}/signin?return_to=/settings/sessions`);
  const button = page.locator(BUTTON);
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
  check('the session is a new one, not the token planted before', ses && ses.value !== planted);
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
  const again = await Promise.all([page.waitForNavigation(), page.click(BUTTON)])
    .then(([x]) => x);
  check('a second sign-in goes through the provider without a page (its session and the grant)',
    page.url() === `${base}/`, `${page.url()} ${again && again.status()} ${await page.textContent('main')}`);
  check('the second sign-in is @jane again', (await page.textContent('header')).includes('@jane'));
  check('the second sign-in reuses the account: no new account, one identity',
    Number(sql('SELECT count(*) FROM users')) === usersBefore + 1
      && sql(`SELECT count(*) || '|' || min(user_id) FROM user_identities WHERE provider = 'oidc:Test'`) === `1|${janeId}`,
    sql(`SELECT count(*) || '|' || min(user_id) FROM user_identities WHERE provider = 'oidc:Test'`));
  await signOut(page);

  // ---- a sign-in waiting on a slow provider holds no server thread ----
  // The token endpoint takes 3 s; meanwhile 20 requests on connections of their own (spread
  // over the server's threads) must each be answered within 1 s.
  let entered;
  const inGate = new Promise((r) => { entered = r; });
  op.gate = () => {
    entered();
    return new Promise((r) => setTimeout(r, 3000));
  };
  await page.goto(`${base}/signin`);
  const slow = signInAnswer(page, BUTTON, CALLBACK_PATH);
  await inGate;
  const agent = new http.Agent({ keepAlive: false });
  const waits = await Promise.all(Array.from({ length: 20 }, () => new Promise((resolve) => {
    const t0 = Date.now();
    http.get(`${base}/healthz`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(Date.now() - t0));
    }).on('error', () => resolve(Infinity));
  })));
  const slowest = Math.max(...waits);
  check('while a sign-in waits 3 s on the provider, other requests are answered (20 within 1 s each)',
    slowest < 1000, `slowest ${slowest} ms: ${waits.join(' ')}`);
  const late = await slow;
  op.gate = null;
  check('the slow sign-in ends signed in', late.status() === 303 && (await page.textContent('header')).includes('@jane'),
    `${late.status()}`);
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
  await Promise.all([pb.waitForNavigation(), pb.click(BUTTON)]);
  await providerLogin(pb, MALLORY, MALLORY.password);
  let r = await Promise.all([pb.waitForNavigation(), pb.click('#deny')]).then(([x]) => x);
  await refused('declining at the provider', r, 'The provider did not sign you in (access_denied).');

  // A wrong state with the genuine code: the callback is held, then sent with the state changed.
  await pb.goto(`${base}/signin`);
  let held = await holdCallback(ctxB, pb);
  await Promise.all([pb.waitForNavigation(), pb.click(BUTTON)]);
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
  await pb.click(BUTTON);
  cb = await held.url;
  await pb.waitForSelector('#held');
  cb.searchParams.set('code', `${cb.searchParams.get('code').slice(0, -4)}AAAA`);
  r = await pb.goto(cb.href);
  await refused('a callback with a changed code', r, 'The provider refused the sign-in\'s code (invalid_grant).');

  // A code from another browser's sign-in, brought into this one with this one's state (code
  // injection): PKCE binds the code to the browser that asked for it.
  await pb.goto(`${base}/signin`);
  held = await holdCallback(ctxB, pb);
  await pb.click(BUTTON);
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
  r = await signInAnswer(pb, BUTTON, CALLBACK_PATH);
  check('forged subject: the token endpoint was reached', op.tokenRequests === before + 1);
  await refused('an id_token whose subject was changed', r, 'the id_token\'s signature does not verify');
  // An id_token the provider signed for Jane's first sign-in, replayed into Mallory's.
  op.tamper = 'replay';
  before = op.tokenRequests;
  await pb.goto(`${base}/signin`);
  r = await signInAnswer(pb, BUTTON, CALLBACK_PATH);
  check('replayed id_token: the token endpoint was reached', op.tokenRequests === before + 1);
  await refused('an id_token of an earlier sign-in', r, 'the id_token\'s nonce is not this sign-in\'s');
  op.tamper = null;
  check('no refusal made an account or a session',
    Number(sql('SELECT count(*) FROM users')) === usersNow && sql('SELECT count(*) FROM web_sessions') === '0',
    `${sql('SELECT count(*) FROM users')} users, ${sql('SELECT count(*) FROM web_sessions')} sessions`);

  // Untampered, Mallory's sign-in works and makes her own account.
  await pb.goto(`${base}/signin`);
  await Promise.all([pb.waitForNavigation({ url: `${base}/` }), pb.click(BUTTON)]);
  check('Mallory signs in as @mallory, an account of her own',
    (await pb.textContent('header')).includes('@mallory')
      && sql(`SELECT u.handle FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.provider = 'oidc:Test' AND i.subject = '${MALLORY.sub}'`) === 'mallory');

  // Sam's first sign-in in two browsers at once: the provider's token endpoint holds the first
  // exchange until the second arrives (or 2 s pass), so both callbacks make the account at
  // the same moment. One account, one identity, both in.
  const pages = [];
  for (let i = 0; i < 2; i++) {
    const p = await (await browser.newContext()).newPage();
    await p.goto(`${base}/signin`);
    await Promise.all([p.waitForNavigation(), p.click(BUTTON)]);
    await providerLogin(p, SAM, SAM.password);
    pages.push(p);
  }
  let arrived = 0;
  let release;
  const together = new Promise((r) => { release = r; });
  op.gate = async () => {
    if (++arrived === 2) release();
    await Promise.race([together, new Promise((r) => setTimeout(r, 2000))]);
  };
  await Promise.all(pages.map((p) => Promise.all([p.waitForNavigation({ url: `${base}/` }), p.click('#allow')])));
  op.gate = null;
  check('two first sign-ins at once: the provider held both token exchanges together', arrived === 2, arrived);
  const heads = await Promise.all(pages.map((p) => p.textContent('header')));
  check('two first sign-ins at once: both signed in as @sam', heads.every((h) => h.includes('@sam')), heads.join(' | '));
  check('two first sign-ins at once: one account, one identity',
    sql(`SELECT count(*) FROM users WHERE handle LIKE 'sam%'`) === '1'
      && sql(`SELECT count(*) FROM user_identities WHERE subject = '${SAM.sub}'`) === '1',
    `${sql(`SELECT count(*) FROM users WHERE handle LIKE 'sam%'`)} accounts`);

  // Through the second and third providers: discovery under the issuer's path (with and
  // without a final slash), an ES256 signature, and an identity of its own each (a
  // provider's subject names a person only there), so a handle of its own.
  const elsewhere = async (name, provider, who, handle, alg) => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`${base}/signin`);
    await Promise.all([p.waitForNavigation(), p.click(`main a:has-text("Sign in with ${name}")`)]);
    check(`${name}: its login page is under its issuer's path`, p.url().startsWith(`${provider.issuer.replace(/\/$/, '')}/interaction/`),
      p.url());
    await providerLogin(p, who, who.password);
    await Promise.all([p.waitForNavigation(), p.click('#allow')]);
    const header = JSON.parse(Buffer.from((provider.issuedIdTokens[0] || '.').split('.')[0], 'base64url').toString() || '{}');
    check(`${name}: its id_token is signed ${alg}`, header.alg === alg, JSON.stringify(header));
    const got = sql(`SELECT u.handle FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.provider = 'oidc:${name}' AND i.subject = '${who.sub}'`);
    check(`${name}: signed in on an account of that identity (${handle})`,
      p.url() === `${base}/` && (await p.textContent('header')).includes(`@${handle}`) && got === handle,
      `${p.url()} ${got} ${await p.textContent('main')}`);
  };
  await elsewhere('Corp', corp, JANE, 'jane-2', 'ES256');
  await elsewhere('Authentik', authentik, MALLORY, 'mallory-2', 'RS256');

  // A provider that does not answer: its button leads to a 502 page that says so.
  const pdown = await (await browser.newContext()).newPage();
  await pdown.goto(`${base}/signin`);
  const down = await Promise.all([pdown.waitForNavigation(), pdown.click('main a:has-text("Sign in with Down")')])
    .then(([x]) => x);
  check('a provider that does not answer: 502 saying its discovery document could not be fetched',
    down.status() === 502 && (await pdown.textContent('main')).includes('discovery document could not be fetched'),
    `${down.status()} ${await pdown.textContent('main')}`);

  // What the server printed holds none of the secrets that went through it.
  const secrets = [CLIENT_SECRET, ...op.issuedIdTokens, ...corp.issuedIdTokens, ...authentik.issuedIdTokens, genuine.match(/code=([^&]+)/)[1]];
  check('the server\'s log holds no client secret, code or id_token', secrets.every((s) => !server.log().includes(s)));
}

try {
  await main();
} catch (e) {
  check('oidc sign-in test ran to the end', false, e && e.stack ? e.stack : String(e));
} finally {
  if (browser) await browser.close();
  if (server) await stopSkillreg(server);
  if (op) await op.close();
  if (corp) await corp.close();
  if (authentik) await authentik.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
if (counts.failed && server) console.log(server.log().split('\n').slice(-40).map((l) => `# server: ${l}`).join('\n'));
console.log(`${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed ? 1 : 0);
