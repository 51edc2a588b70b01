// Sign-in with GitHub end to end: github.mjs's stand-in for GitHub on 127.0.0.1 (its OAuth web
// flow and REST API as GitHub documents them), skillreg started with --github-client-id,
// --github-client-secret-file and --github-url pointing at it, and Debian's headless Chromium
// clicking through skillreg's sign-in page and the stand-in's sign-in and authorize pages.
// Checked: the account is made from GitHub's numeric id, login and avatar; a second sign-in
// after the person renamed their login reuses it; an imported ClawHub owner's account is taken
// over by the first sign-in with that login (`skillreg import`); signing out; and refusals (the
// person cancels, a wrong state, a changed or foreign code) are 400 pages with no session.
// Prints "ok - ..." / "not ok - ..." per check and "N passed, M failed" last; run by run.sh.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startGitHub } from './github.mjs';
import { check, counts, reservePort, holdRequest, sessionCookie, signInAnswer, signOut, sqlOf, startSkillreg,
  stopSkillreg }
  from './lib.mjs';

const BIN = process.env.SKILLREG_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PG = process.env.SKILLREG_GITHUB_DB || '';
const CLIENT_ID = 'Iv1.5f1e0c0ffee0test';
const CLIENT_SECRET = crypto.randomBytes(20).toString('hex');
const OCTO = { id: 583231, login: 'Octo-Cat', password: 'octo pass phrase', name: 'The Octocat', email: 'octo@example.test' };
const HUBOT = { id: 9919, login: 'Hubot', password: 'hubot pass phrase', name: 'Hubot', email: 'hubot@example.test',
  emailPublic: true };
const MONA = { id: 1048576, login: 'monalisa', password: 'mona pass phrase', name: 'Mona Lisa', email: 'mona@example.test' };
const BUTTON = 'main a:has-text("Sign in with GitHub")';
const CALLBACK_PATH = '/auth/github/callback';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skillreg-github-'));
const sql = sqlOf(dir, PG);
let server;
let browser;
let gh;

async function githubLogin(page, who, password) {
  await page.fill('#login_field', who.login);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('#signin')]);
}

// An archive in ClawHub's layout with one skill of the GitHub user hubot.
function archive() {
  const a = path.join(dir, 'archive', 'hubot', 'hello-hubot');
  fs.mkdirSync(a, { recursive: true });
  fs.writeFileSync(path.join(a, 'SKILL.md'), '---\nname: hello-hubot\ndescription: Says hello.\n---\n\n# Hello\n\nSays hello.\n');
  fs.writeFileSync(path.join(a, '_meta.json'), JSON.stringify({ owner: 'hubot', slug: 'hello-hubot',
    displayName: 'Hello Hubot', latest: { version: '1.0.0', publishedAt: 1769567577229 }, history: [] }));
  return path.join(dir, 'archive');
}

async function main() {
  const reserved = await reservePort();
  const { port } = reserved;
  const base = `http://127.0.0.1:${port}`;
  gh = await startGitHub({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, callback: `${base}${CALLBACK_PATH}`,
    people: [OCTO, HUBOT, MONA], host: 'localhost' });
  console.log(`# github stand-in ${gh.url}, skillreg ${base}`);
  execFileSync(BIN, ['import', archive(), '--data-dir', dir, ...(PG ? ['--db', PG] : [])], { stdio: 'pipe' });
  const hubotId = sql(`SELECT id FROM users WHERE handle = 'hubot'`);
  check('the import made hubot\'s account, waiting for a GitHub sign-in', /^\d+$/.test(hubotId), hubotId);
  const secretFile = path.join(dir, 'github-secret');
  fs.writeFileSync(secretFile, `${CLIENT_SECRET}\n`, { mode: 0o600 });
  server = await startSkillreg({ bin: BIN, port: reserved, dir, pg: PG, args: ['--github-client-id', CLIENT_ID,
    '--github-client-secret-file', secretFile, '--github-url', gh.url] });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const usersBefore = Number(sql('SELECT count(*) FROM users'));

  // ---- Octo-Cat signs in: GitHub's sign-in and authorize pages, back signed in ----
  const ctxA = await browser.newContext();
  const page = await ctxA.newPage();
  await page.goto(`${base}/signin?return_to=/settings/sessions`);
  check('the sign-in page offers GitHub', (await page.locator(BUTTON).count()) === 1);
  await Promise.all([page.waitForNavigation(), page.click(BUTTON)]);
  check('the button leads to GitHub\'s sign-in page', page.url().startsWith(`${gh.url}/login?`), page.url());
  await githubLogin(page, OCTO, 'wrong');
  check('GitHub refuses a wrong password on its own page', (await page.locator('#error').count()) === 1);
  await githubLogin(page, OCTO, OCTO.password);
  check('GitHub asks to authorize read:user and user:email',
    (await page.locator('#scopes').textContent().catch(() => '')) === 'read:user user:email', page.url());
  await Promise.all([page.waitForNavigation(), page.click('#authorize')]);
  check('after authorizing, back on skillreg where the sign-in began', page.url() === `${base}/settings/sessions`,
    `${page.url()} ${await page.textContent('main')}`);
  check('the header shows @octo-cat (the login, lower case)', (await page.textContent('header')).includes('@octo-cat'),
    await page.textContent('header'));
  check('the session cookie is HttpOnly and SameSite=Lax',
    (await sessionCookie(ctxA))?.httpOnly && (await sessionCookie(ctxA))?.sameSite === 'Lax');
  const octoId = sql(`SELECT user_id FROM user_identities WHERE provider = 'github' AND subject = '${OCTO.id}'`);
  check('the account is linked to GitHub\'s numeric id', /^\d+$/.test(octoId), octoId);
  const row = sql(`SELECT handle || '|' || display_name || '|' || coalesce(image, '') FROM users WHERE id = ${Number(octoId)}`);
  check('the account has the handle, name and avatar GitHub gave',
    row === `octo-cat|The Octocat|${gh.url}/avatars/u/${OCTO.id}?v=4`, row);
  check('skillreg asked /user/emails, the profile\'s e-mail being private',
    gh.calls.join(',') === 'GET /api/v3/user,GET /api/v3/user/emails', gh.calls.join(','));
  check('one account was made', Number(sql('SELECT count(*) FROM users')) === usersBefore + 1);

  // ---- renamed on GitHub, the same account ----
  await signOut(page);
  check('signing out ends the session', !(await sessionCookie(ctxA))
    && sql(`SELECT count(*) FROM web_sessions WHERE user_id = ${Number(octoId)}`) === '0');
  gh.rename(OCTO.id, 'octo-renamed');
  await page.goto(`${base}/signin`);
  const again = await signInAnswer(page, BUTTON, CALLBACK_PATH);
  check('a second sign-in goes through GitHub without a page (session, app authorized)',
    again.status() === 303 && page.url() === `${base}/`, `${again.status()} ${page.url()}`);
  check('after a rename on GitHub, the same account (by id, not login)',
    (await page.textContent('header')).includes('@octo-cat')
      && Number(sql('SELECT count(*) FROM users')) === usersBefore + 1
      && sql(`SELECT count(*) || '|' || min(user_id) FROM user_identities WHERE provider = 'github'`) === `1|${octoId}`,
    sql(`SELECT count(*) || '|' || min(user_id) FROM user_identities WHERE provider = 'github'`));
  await signOut(page);

  // ---- Hubot takes over the account the import made for the ClawHub owner hubot ----
  const ctxB = await browser.newContext();
  const pb = await ctxB.newPage();
  await pb.goto(`${base}/signin`);
  await Promise.all([pb.waitForNavigation(), pb.click(BUTTON)]);
  await githubLogin(pb, HUBOT, HUBOT.password);
  await Promise.all([pb.waitForNavigation(), pb.click('#authorize')]);
  check('Hubot signs in as @hubot', (await pb.textContent('header')).includes('@hubot'), await pb.textContent('header'));
  check('the sign-in took over the imported account (no new one) and linked the GitHub id',
    sql(`SELECT user_id FROM user_identities WHERE provider = 'github' AND subject = '${HUBOT.id}'`) === hubotId
      && Number(sql('SELECT count(*) FROM users')) === usersBefore + 1,
    `${sql(`SELECT user_id FROM user_identities WHERE provider = 'github' AND subject = '${HUBOT.id}'`)} ${hubotId}`);
  check('GitHub\'s public e-mail spares the /user/emails call', gh.calls.slice(-1)[0] === 'GET /api/v3/user',
    gh.calls.join(','));
  await signOut(pb);

  // ---- refusals, as Mona, who has not authorized the app yet ----
  const refused = async (p, ctx, name, response, words) => {
    const text = await p.textContent('main').catch(() => '');
    check(`${name}: 400`, response && response.status() === 400, response && response.status());
    check(`${name}: says why`, text.includes(words), text);
    check(`${name}: no session`, !(await sessionCookie(ctx)) && !(await p.textContent('header')).includes('@'));
  };
  const ctxC = await browser.newContext();
  const pc = await ctxC.newPage();
  await pc.goto(`${base}/signin`);
  await Promise.all([pc.waitForNavigation(), pc.click(BUTTON)]);
  await githubLogin(pc, MONA, MONA.password);
  let r = await Promise.all([pc.waitForNavigation(), pc.click('#cancel')]).then(([x]) => x);
  await refused(pc, ctxC, 'cancelling at GitHub', r, 'The provider did not sign you in (access_denied).');

  await pc.goto(`${base}/signin`);
  let held = await holdRequest(ctxC, pc, `*${CALLBACK_PATH}?*`);
  await Promise.all([pc.waitForNavigation(), pc.click(BUTTON)]);
  await Promise.all([pc.waitForNavigation(), pc.click('#authorize')]);
  let cb = await held.url;
  const genuine = cb.href;
  cb.searchParams.set('state', crypto.randomBytes(32).toString('base64url'));
  r = await pc.goto(cb.href);
  await refused(pc, ctxC, 'a callback with another state', r,
    'The provider came back with a state this browser\'s sign-in did not send.');

  await pc.goto(`${base}/signin`);
  held = await holdRequest(ctxC, pc, `*${CALLBACK_PATH}?*`);
  await pc.click(BUTTON);
  cb = await held.url;
  await pc.waitForSelector('#held');
  cb.searchParams.set('code', `${cb.searchParams.get('code').slice(0, -4)}0000`);
  r = await pc.goto(cb.href);
  await refused(pc, ctxC, 'a callback with a changed code', r,
    'GitHub refused the sign-in\'s code (bad_verification_code).');

  // Another browser's code with this browser's state: the verifier does not match (PKCE).
  await pc.goto(`${base}/signin`);
  held = await holdRequest(ctxC, pc, `*${CALLBACK_PATH}?*`);
  await pc.click(BUTTON);
  const foreign = await held.url;
  await pc.waitForSelector('#held');
  const ctxD = await browser.newContext();
  const pd = await ctxD.newPage();
  const startD = await ctxD.request.get(`${base}/auth/github/start?return_to=/`, { maxRedirects: 0 });
  const injected = new URL(`${base}${CALLBACK_PATH}`);
  injected.searchParams.set('code', foreign.searchParams.get('code'));
  injected.searchParams.set('state', new URL(startD.headers().location).searchParams.get('state'));
  r = await pd.goto(injected.href);
  await refused(pd, ctxD, 'another browser\'s code', r, 'GitHub refused the sign-in\'s code (bad_verification_code).');
  check('no refusal made an account or a session',
    Number(sql('SELECT count(*) FROM users')) === usersBefore + 1 && sql('SELECT count(*) FROM web_sessions') === '0',
    `${sql('SELECT count(*) FROM users')} users, ${sql('SELECT count(*) FROM web_sessions')} sessions`);

  const secrets = [CLIENT_SECRET, ...gh.issuedTokens, new URL(genuine).searchParams.get('code')];
  check('the server\'s log holds no client secret, code or token', secrets.every((s) => !server.log().includes(s)));
}

try {
  await main();
} catch (e) {
  check('github sign-in test ran to the end', false, e && e.stack ? e.stack : String(e));
} finally {
  if (browser) await browser.close();
  if (server) await stopSkillreg(server);
  if (gh) await gh.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
if (counts.failed && server) console.log(server.log().split('\n').slice(-40).map((l) => `# server: ${l}`).join('\n'));
console.log(`${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed ? 1 : 0);
