// `clawhub login` end to end: the real clawhub CLI (tests/cli's pinned 0.23.3) asks skillreg
// for a device code, and Debian's headless Chromium, as a person with a local account, follows
// the printed link, signs in, and authorizes (or denies) the code on /cli/device. The CLI must
// end with "OK. Logged in as @handle." and its saved token must work for `whoami`; a denied
// code must end the CLI with "Authorization denied by user.". Also: the pages' CSRF fields, and
// the token stored only hashed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  ART, PASSWORD, ROOT, check, dataDir, finish, launchBrowser, startServer, watchPage,
} from './lib.mjs';

const CLI_JS = path.join(ROOT, 'tests/cli/node_modules/clawhub/bin/clawdhub.js');
const { dir, admin } = dataDir('skillreg-login-');

// Runs the CLI with its own HOME and config; resolves with its exit code and output. onLine
// sees each line of stdout as it comes.
function clawhub(args, base, onLine) {
  const env = { ...process.env, HOME: path.join(dir, 'home'), CLAWHUB_CONFIG_PATH: path.join(dir, 'config.json'),
    CLAWHUB_SITE: base, CLAWHUB_REGISTRY: base, NO_COLOR: '1', CLAWHUB_DISABLE_TELEMETRY: '1' };
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'XDG_CONFIG_HOME'])
    delete env[k];
  fs.mkdirSync(env.HOME, { recursive: true });
  return new Promise((resolve) => {
    const p = spawn('node', [CLI_JS, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let pending = '';
    p.stdout.on('data', (d) => {
      out += d;
      pending += d;
      let i;
      while ((i = pending.indexOf('\n')) >= 0) {
        if (onLine) onLine(pending.slice(0, i));
        pending = pending.slice(i + 1);
      }
    });
    p.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => p.kill('SIGTERM'), 120000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

// Starts `clawhub login`, waits for the link and code it prints; returns them and the run.
function startLogin(base) {
  let gotLink;
  const linkP = new Promise((r) => { gotLink = r; });
  let url = null;
  let code = null;
  const run = clawhub(['login', '--no-browser', '--label', 'web test laptop'], base, (line) => {
    const m = line.match(/(https?:\/\/\S+\/cli\/device\?user_code=\S+)/);
    if (m) url = m[1];
    const c = line.match(/enter code:\s*([A-Z0-9]{4}-[A-Z0-9]{4})/i);
    if (c) code = c[1];
    if (url && code) gotLink({ url, code });
  });
  run.then(() => gotLink({ url, code }));
  return { link: linkP, run };
}

async function main() {
  fs.mkdirSync(ART, { recursive: true });
  admin(['user', 'add', 'lena', '--display-name', 'Lena']);
  admin(['user', 'password', 'lena'], `${PASSWORD}\n`);
  const base = await startServer(dir, ['--no-access-log']);
  const browser = await launchBrowser();
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const problems = [];
  watchPage(page, problems);

  // ---- approve ----
  const first = startLogin(base);
  const { url, code } = await first.link;
  check('clawhub login prints the verification link and the code', url && code && url.endsWith(`user_code=${code}`),
    `${url} ${code}`);
  check('the link points at this server', url && url.startsWith(`${base}/cli/device`), url);
  await page.goto(url);
  check('signed out, the device page asks to sign in', (await page.textContent('main')).includes('Sign in to authorize the CLI.'));
  await page.screenshot({ path: path.join(ART, 'device-signed-out.png'), fullPage: true });
  await page.click('main a:has-text("Sign in")');
  check('the sign-in page has a CSRF field', (await page.locator('form input[name="csrf"]').count()) === 1);
  await page.fill('#si-handle', 'lena');
  await page.fill('#si-pw', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('form.form button[type="submit"]')]);
  check('after signing in, back on the device page with the code', page.url() === url, page.url());
  check('the code is filled in', (await page.inputValue('#dev-code')) === code);
  check('the header shows who is signed in', (await page.textContent('header')).includes('@lena'));
  const cookies = await ctx.cookies();
  const ses = cookies.find((c) => c.name === 'sr_session');
  check('the session cookie is HttpOnly and SameSite=Lax', ses && ses.httpOnly && ses.sameSite === 'Lax',
    JSON.stringify(ses));
  await page.screenshot({ path: path.join(ART, 'device-signed-in.png'), fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('button[value="approve"]')]);
  check('authorizing says so', (await page.textContent('main')).includes('Authorized. You can return to your terminal.'));
  const r1 = await first.run;
  check('clawhub login ends with OK. Logged in as @lena.', r1.code === 0 && r1.out.includes('OK. Logged in as @lena.'),
    `${r1.code} ${r1.out} ${r1.err}`);
  const who = await clawhub(['whoami'], base);
  check('clawhub whoami with the saved token', who.code === 0 && who.out.includes('lena'), `${who.code} ${who.out} ${who.err}`);
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const token = cfg.token || cfg.apiToken || '';
  check('the saved token is a clh_ token', /^clh_[A-Za-z0-9_-]{43}$/.test(token), token.slice(0, 8));
  const me = await fetch(`${base}/api/v1/whoami`, { headers: { Authorization: `Bearer ${token}` } });
  check('the token works on the API', me.status === 200 && (await me.json()).user.handle === 'lena');

  // The same code again: used.
  await page.goto(url);
  await Promise.all([page.waitForNavigation(), page.click('button[value="approve"]')]);
  check('an approved code cannot be approved again', (await page.textContent('main')).includes('Device code already used'));

  // ---- deny ----
  const second = startLogin(base);
  const l2 = await second.link;
  await page.goto(l2.url);
  await Promise.all([page.waitForNavigation(), page.click('button[value="deny"]')]);
  check('denying says so', (await page.textContent('main')).includes('Denied. You can close this page.'));
  const r2 = await second.run;
  check('clawhub login ends with Authorization denied by user.', r2.code !== 0 &&
    `${r2.out}${r2.err}`.includes('Authorization denied by user.'), `${r2.code} ${r2.out} ${r2.err}`);

  // ---- a wrong code typed by hand ----
  await page.goto(`${base}/cli/device`);
  await page.fill('#dev-code', 'ZZZZ-ZZZZ');
  await Promise.all([page.waitForNavigation(), page.click('button[value="approve"]')]);
  check('an unknown code is refused', (await page.textContent('main')).includes('Device code not found'));

  // ---- a token made on /settings/tokens, used by the CLI, then revoked ----
  await page.goto(`${base}/settings/sessions`);
  await Promise.all([page.waitForNavigation(), page.click('main a[href="/settings/tokens"]')]);
  check('the sessions page links to the tokens page', page.url() === `${base}/settings/tokens`, page.url());
  check('the token form has a CSRF field', (await page.locator('form[action="/settings/tokens"] input[name="csrf"]').count()) === 1);
  await page.fill('#tok-label', 'ci runner');
  await page.selectOption('#tok-exp', '30');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/settings/tokens"] button[type="submit"]')]);
  const made = ((await page.textContent('#new-token')) || '').trim();
  check('the new token is shown once', /^clh_[A-Za-z0-9_-]{43}$/.test(made), made.slice(0, 8));
  await page.screenshot({ path: path.join(ART, 'tokens-new.png'), fullPage: true });
  const row = page.locator('tr', { hasText: 'ci runner' });
  check('the token is listed with its prefix and expiry', (await row.count()) === 1 &&
    (await row.textContent()).includes(`${made.slice(0, 12)}...`) && !(await row.textContent()).includes('Never Never'));
  await page.reload();
  check('reloading does not show the secret again', !(await page.content()).includes(made));
  check('reloading makes no second token', (await page.locator('tr', { hasText: 'ci runner' }).count()) === 1);
  const login = await clawhub(['login', '--token', made, '--no-input'], base);
  check('clawhub login --token with the page\'s token', login.code === 0 && login.out.includes('OK. Logged in as @lena.'),
    `${login.code} ${login.out} ${login.err}`);
  const who2 = await clawhub(['whoami'], base);
  check('clawhub whoami with the page\'s token', who2.code === 0 && who2.out.trim().endsWith('lena'), `${who2.code} ${who2.out} ${who2.err}`);
  await Promise.all([page.waitForNavigation(), page.locator('tr', { hasText: 'ci runner' }).locator('button:has-text("Revoke")').click()]);
  check('the revoked token moves to the revoked list',
    (await page.locator('tr', { hasText: 'ci runner' }).textContent()).includes('Revoked 20'));
  await page.screenshot({ path: path.join(ART, 'tokens-revoked.png'), fullPage: true });
  const who3 = await clawhub(['whoami'], base);
  check('clawhub whoami after the revocation is refused', who3.code === 1 && `${who3.out}${who3.err}`.includes('Unauthorized'),
    `${who3.code} ${who3.out} ${who3.err}`);

  // ---- the pages of one's own work ----
  await page.goto(`${base}/dashboard`);
  check('the dashboard says lena has no skill yet', (await page.textContent('main')).includes('You have not published a skill yet'));
  await page.click('nav.account-nav a:has-text("Stars")');
  await page.waitForURL(`${base}/stars`);
  check('the account links lead to the stars page', (await page.textContent('main')).includes('No stars yet'));
  await page.screenshot({ path: path.join(ART, 'stars.png'), fullPage: true });

  // ---- sign out from the header ----
  await page.goto(`${base}/settings/sessions`);
  check('the sessions page lists this browser', (await page.textContent('main')).includes('this browser'));
  await page.screenshot({ path: path.join(ART, 'sessions.png'), fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('header button:has-text("Sign out")')]);
  check('signing out shows the Sign in link again', (await page.textContent('header')).includes('Sign in'));
  check('no console errors, CSP violations or dialogs', problems.length === 0, problems.join(' | '));
}

await finish('login test', main);
