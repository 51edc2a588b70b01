// Ownership transfer in the browser: alice, signed in with a local account in Debian's headless
// Chromium, offers her skill to bob from the skill page's ownership panel; bob finds the request
// on /settings/transfers and accepts it there; the skill is bob's afterwards and both see the
// history. A form posted with bob's session cookie but without the page's CSRF token (what
// another site's page would send) is refused and changes nothing.
import fs from 'node:fs';
import path from 'node:path';
import {
  ART, PASSWORD, check, dataDir, finish, launchBrowser, signedIn, startServer,
} from './lib.mjs';

const { dir, admin } = dataDir('skillreg-transfers-');

async function ownerOf(base, slug) {
  const r = await fetch(`${base}/api/v1/skills/${slug}`);
  return r.status === 200 ? (await r.json()).owner.handle : `HTTP ${r.status}`;
}

async function main() {
  fs.mkdirSync(ART, { recursive: true });
  for (const h of ['alice', 'bob']) {
    admin(['user', 'add', h]);
    admin(['user', 'password', h], `${PASSWORD}\n`);
  }
  const src = path.join(dir, 'import', 'alice', 'relay-skill', '1.0.0');
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(path.join(src, 'SKILL.md'),
    '---\nname: Relay Skill\ndescription: A skill that changes hands in the browser test.\n---\n\n# Relay\n');
  admin(['seed', path.join(dir, 'import')]);
  // Up, and the seeded skill scanned (public) by the server's scan worker.
  const base = await startServer(dir, ['--no-access-log'], ['/api/v1/skills/relay-skill']);
  await launchBrowser();
  const problems = [];

  // ---- alice offers the skill from its page ----
  const a = await signedIn(base, 'alice', '/alice/relay-skill', problems);
  check('signed in, alice is back on her skill page', a.page.url() === `${base}/alice/relay-skill`, a.page.url());
  const form = a.page.locator('form[action="/settings/transfers/request"]');
  check('the ownership panel has the transfer form with a CSRF field',
    (await form.count()) === 1 && ((await form.locator('input[name="csrf"]').getAttribute('value')) || '').length > 0);
  await a.page.fill('#tr-to', '@bob');
  await a.page.fill('#tr-msg', 'over to you, bob');
  await a.page.screenshot({ path: path.join(ART, 'transfer-skill-panel.png'), fullPage: true });
  await Promise.all([a.page.waitForNavigation(), form.locator('button[type="submit"]').click()]);
  check('the request lands on /settings/transfers', a.page.url() === `${base}/settings/transfers`, a.page.url());
  const outText = await a.page.textContent('main');
  check('alice sees it waiting for bob', outText.includes('Sent, waiting for an answer') && outText.includes('@bob') &&
    outText.includes('relay-skill'), outText);

  // ---- bob answers on his transfers page ----
  const b = await signedIn(base, 'bob', '/settings/transfers', problems);
  const inText = await b.page.textContent('main');
  check('bob sees the request, its message and who asked', inText.includes('over to you, bob') && inText.includes('@alice'),
    inText);
  const accept = b.page.locator('form[action="/settings/transfers/accept"]');
  check('the accept form carries the CSRF token', (await accept.locator('input[name="csrf"]').count()) === 1);
  await b.page.screenshot({ path: path.join(ART, 'transfers-incoming.png'), fullPage: true });
  // What a page of another site could send: bob's cookie goes along, the token does not.
  const forged = await b.ctx.request.post(`${base}/settings/transfers/accept`,
    { form: { owner: 'alice', slug: 'relay-skill' }, maxRedirects: 0 });
  check('a form without the CSRF token is refused (403)', forged.status() === 403, forged.status());
  check('and the skill is still alice\'s', (await ownerOf(base, 'relay-skill')) === 'alice');
  await Promise.all([b.page.waitForNavigation(), accept.locator('button').click()]);
  const after = await b.page.textContent('main');
  check('after accepting: no incoming transfer, the history says accepted',
    after.includes('No incoming transfers.') && after.includes('accepted'), after);
  check('the skill is bob\'s', (await ownerOf(base, 'relay-skill')) === 'bob');
  await b.page.screenshot({ path: path.join(ART, 'transfers-accepted.png'), fullPage: true });
  await b.page.goto(`${base}/bob/relay-skill`);
  check('bob\'s skill page shows the transfer history', (await b.page.textContent('aside')).includes('Transfer history'));

  await a.page.goto(`${base}/settings/transfers`);
  const aText = await a.page.textContent('main');
  check('alice\'s history shows it accepted by bob', aText.includes('No outgoing transfers.') && aText.includes('accepted') &&
    aText.includes('@bob'), aText);
  check('no console errors, CSP violations or dialogs', problems.length === 0, problems.join(' | '));
}

await finish('transfer test', main);
