// The staff console in the browser: a moderator, signed in with a local account in Debian's
// headless Chromium, does every console action on real skills (hide, unhide, remove, restore,
// set a verdict, rescan; resolve and dismiss reports; reject and accept appeals), each refused
// on the page without a reason and done with one; the audit log shows the reasons. The owner
// appeals one skill from the dashboard's appeal page and another from its skill page, and sees
// the decisions. A signed-in user who is not staff gets 404 on /staff. Last, the moderator
// finds an account by handle and bans it through the form (refused without a reason), and
// its API token gets 401; then lifts the ban, and the old token stays revoked.
import fs from 'node:fs';
import path from 'node:path';
import {
  ART, PASSWORD, check, dataDir, finish, launchBrowser, signedIn, startServer,
} from './lib.mjs';

const { dir, admin } = dataDir('skillreg-staff-');

// Submits a form by clicking its button (the one of value `which`, else the first) and
// returns the status of the page the browser lands on.
async function submit(page, form, which) {
  const button = which ? form.locator(`button[value="${which}"]`) : form.locator('button[type="submit"]').first();
  const [resp] = await Promise.all([page.waitForNavigation(), button.click()]);
  return resp ? resp.status() : 0;
}

async function skillState(base, slug) {
  const r = await fetch(`${base}/api/v1/skills/${slug}`);
  return r.status;
}

// One console action on a skill's page: refused without a reason, then done with one.
async function act(page, base, slug, action, reason, extra) {
  await page.goto(`${base}/staff/skill/alice/${slug}`);
  let form = page.locator(`form[action="/staff/skill/alice/${slug}/${action}"]`);
  if (extra) await extra(form);
  const refused = await submit(page, form);
  const refusedText = await page.textContent('main');
  check(`${action} ${slug}: refused without a reason (400, on the page)`,
    refused === 400 && refusedText.includes('Give a reason for this action'), `${refused} ${refusedText.slice(0, 200)}`);
  form = page.locator(`form[action="/staff/skill/alice/${slug}/${action}"]`);
  if (extra) await extra(form);
  await form.locator('input[name="reason"]').fill(reason);
  const done = await submit(page, form);
  const text = await page.textContent('main');
  check(`${action} ${slug}: done with a reason`, done === 200 && text.includes(`Done: ${action}.`), `${done} ${text.slice(0, 200)}`);
  return text;
}

async function main() {
  fs.mkdirSync(ART, { recursive: true });
  for (const [h, role] of [['alice', 'user'], ['carol', 'user'], ['bob', 'user'], ['mod', 'moderator']]) {
    admin(['user', 'add', h, '--role', role]);
    admin(['user', 'password', h], `${PASSWORD}\n`);
  }
  const carolTok = admin(['token', 'create', 'carol']);
  const bobTok = admin(['token', 'create', 'bob']);
  for (const [slug, name] of [['guard-skill', 'Guard Skill'], ['second-skill', 'Second Skill']]) {
    const src = path.join(dir, 'import', 'alice', slug, '1.0.0');
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, 'SKILL.md'), `---\nname: ${name}\ndescription: A skill staff review in the browser test.\n---\n\n# ${name}\n`);
  }
  admin(['seed', path.join(dir, 'import')]);
  // Up, and both seeded skills scanned (public) by the server's scan worker.
  const base = await startServer(dir, ['--no-access-log'], ['/api/v1/skills/guard-skill', '/api/v1/skills/second-skill']);
  for (const [tok, slug, reason] of [[carolTok, 'guard-skill', 'phishing link in the setup'], [bobTok, 'second-skill', 'I do not like it']]) {
    const r = await fetch(`${base}/api/v1/skills/${slug}/report`, {
      method: 'POST', headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ reason }),
    });
    check(`${slug} reported through the API`, r.status === 200, r.status);
  }
  await launchBrowser();
  const problems = [];

  // ---- not staff ----
  const c = await signedIn(base, 'carol', '/', problems);
  check('the header has no console link for a user who is not staff',
    (await c.page.locator('header a[href="/staff"]').count()) === 0);
  const notStaff = await c.page.goto(`${base}/staff`);
  check('a signed-in user who is not staff gets 404 on /staff', notStaff.status() === 404, notStaff.status());

  // ---- the moderator ----
  const m = await signedIn(base, 'mod', '/', problems);
  await Promise.all([m.page.waitForNavigation(), m.page.click('header a[href="/staff"]')]);
  check('signed in, the moderator reaches the console from the header', m.page.url() === `${base}/staff`, m.page.url());
  for (const tab of ['Scan queue', 'Flagged', 'Blocked', 'Reports', 'Appeals', 'Audit log', 'Users and orgs'])
    check(`the console has the ${tab} tab`, (await m.page.locator('nav.staff-nav a', { hasText: tab }).count()) === 1);
  const queue = await m.page.goto(`${base}/staff/queue`);
  check('the scan queue page answers', queue.status() === 200 && (await m.page.textContent('main')).includes('Scan queue'));
  await m.page.goto(`${base}/staff`);
  await m.page.fill('#staff-find', 'alice/guard-skill');
  await Promise.all([m.page.waitForNavigation(), m.page.click('form[action="/staff/skill"] button')]);
  check('finding a skill opens its console page', m.page.url() === `${base}/staff/skill/alice/guard-skill`, m.page.url());
  await m.page.screenshot({ path: path.join(ART, 'staff-skill.png'), fullPage: true });

  await act(m.page, base, 'guard-skill', 'hide', 'phishing link, checking');
  { const s = await skillState(base, 'guard-skill'); check('hidden: the public API no longer shows it (404)', s === 404, s); }
  await act(m.page, base, 'guard-skill', 'unhide', 'the link is the vendor\'s');
  check('unhidden: public again', (await skillState(base, 'guard-skill')) === 200);
  await act(m.page, base, 'guard-skill', 'remove', 'copied from another publisher');
  { const s = await skillState(base, 'guard-skill'); check('removed: gone from the public API (404)', s === 404, s); }
  await act(m.page, base, 'guard-skill', 'restore', 'the licence allows it');
  check('restored: public again', (await skillState(base, 'guard-skill')) === 200);
  await act(m.page, base, 'second-skill', 'rescan', 'rules were updated');
  const pick = (v) => async (form) => form.locator('select[name="verdict"]').selectOption(v);
  await act(m.page, base, 'second-skill', 'verdict', 'asks for a token in chat', pick('suspicious'));
  await m.page.goto(`${base}/staff/flagged`);
  check('the flagged page lists the suspicious skill', (await m.page.textContent('main')).includes('second-skill'));
  await act(m.page, base, 'guard-skill', 'verdict', 'downloads an unsigned binary', pick('malicious'));
  await m.page.goto(`${base}/staff/blocked`);
  const blocked = await m.page.textContent('main');
  check('the blocked page lists the malicious skill with a findings column',
    blocked.includes('guard-skill') && blocked.includes('Findings of the latest version'), blocked.slice(0, 300));
  await m.page.screenshot({ path: path.join(ART, 'staff-blocked.png'), fullPage: true });

  // ---- reports ----
  await m.page.goto(`${base}/staff/reports`);
  const rowOf = (text) => m.page.locator('tr', { hasText: text }).locator('form');
  check('open reports show their reasons', (await rowOf('phishing link in the setup').count()) === 1 &&
    (await rowOf('I do not like it').count()) === 1);
  let st = await submit(m.page, rowOf('phishing link in the setup'), 'resolve');
  check('resolving a report without a reason is refused (400)',
    st === 400 && (await m.page.textContent('main')).includes('Give a reason for this decision'), st);
  await rowOf('phishing link in the setup').locator('input[name="reason"]').fill('confirmed, blocked');
  st = await submit(m.page, rowOf('phishing link in the setup'), 'resolve');
  check('a report resolved with a reason', st === 200 && (await m.page.textContent('main')).includes('Report resolved.'), st);
  await rowOf('I do not like it').locator('input[name="reason"]').fill('not a problem');
  st = await submit(m.page, rowOf('I do not like it'), 'dismiss');
  check('a report dismissed with a reason', st === 200 && (await m.page.textContent('main')).includes('Report dismissed.'), st);
  await m.page.goto(`${base}/staff/reports?status=resolved`);
  const resolved = await m.page.textContent('main');
  check('the resolved tab shows who decided and why', resolved.includes('@mod') && resolved.includes('confirmed, blocked'), resolved);

  // ---- the owner appeals ----
  const a = await signedIn(base, 'alice', '/dashboard', problems);
  const link = a.page.locator('a.appeal-link[href="/settings/appeals/alice/guard-skill"]');
  check('the dashboard links the blocked skill to its appeal page', (await link.count()) === 1);
  await Promise.all([a.page.waitForNavigation(), link.click()]);
  const appealForm = a.page.locator('form[action="/settings/appeals/file"]');
  st = await submit(a.page, appealForm);
  check('an appeal without a message is refused (400)', st === 400 &&
    (await a.page.textContent('main')).includes('an appeal needs a message'), st);
  await a.page.fill('#appeal-msg', 'The binary is our signed release.');
  st = await submit(a.page, a.page.locator('form[action="/settings/appeals/file"]'));
  const filed = await a.page.textContent('main');
  check('the appeal is filed and shows open', st === 200 && filed.includes('Appeal filed.') && filed.includes('open'), filed);
  await a.page.goto(`${base}/alice/second-skill`);
  const panel = a.page.locator('aside form[action="/settings/appeals/file"]');
  check('the flagged skill\'s page has the appeal panel', (await panel.count()) === 1);
  await panel.locator('textarea[name="message"]').fill('It only reads its own config.');
  st = await submit(a.page, panel);
  check('an appeal from the skill page is filed', st === 200 && (await a.page.textContent('main')).includes('Appeal filed.'), st);

  // ---- the moderator decides ----
  await m.page.goto(`${base}/staff/appeals`);
  const appealRow = (text) => m.page.locator('tr', { hasText: text }).locator('form');
  check('both appeals wait in the console', (await appealRow('our signed release').count()) === 1 &&
    (await appealRow('reads its own config').count()) === 1);
  st = await submit(m.page, appealRow('reads its own config'), 'reject');
  check('rejecting without a reason is refused (400)', st === 400, st);
  await appealRow('reads its own config').locator('input[name="reason"]').fill('it also posts the config out');
  st = await submit(m.page, appealRow('reads its own config'), 'reject');
  check('an appeal rejected with a reason', st === 200 && (await m.page.textContent('main')).includes('Appeal rejected.'), st);
  await appealRow('our signed release').locator('input[name="reason"]').fill('checked the signature');
  st = await submit(m.page, appealRow('our signed release'), 'accept');
  check('an appeal accepted with a reason', st === 200 && (await m.page.textContent('main')).includes('Appeal accepted.'), st);
  check('accepted: the skill is public again', (await skillState(base, 'guard-skill')) === 200);
  await m.page.goto(`${base}/staff/audit`);
  const audit = await m.page.textContent('main');
  for (const [action, note] of [['skill.hide', 'phishing link, checking'], ['skill.restore', 'the licence allows it'],
    ['skill.rescan', 'rules were updated'], ['report.dismiss', 'not a problem'], ['appeal.accept', 'checked the signature']])
    check(`the audit log shows ${action} with its reason`, audit.includes(action) && audit.includes(note));
  await m.page.screenshot({ path: path.join(ART, 'staff-audit.png'), fullPage: true });

  await a.page.goto(`${base}/settings/appeals/alice/guard-skill`);
  const seen = await a.page.textContent('main');
  check('the owner sees the appeal accepted and why', seen.includes('accepted') && seen.includes('checked the signature'), seen);
  await a.page.goto(`${base}/alice/second-skill`);
  const side = await a.page.textContent('aside');
  check('the owner sees the rejection on the skill page', side.includes('rejected') && side.includes('posts the config out'), side);

  // ---- the moderator bans an account ----
  await m.page.goto(`${base}/staff/users`);
  await m.page.fill('#user-find', '@Bob');
  await Promise.all([m.page.waitForNavigation(), m.page.click('form[action="/staff/users"] button')]);
  check('finding a user opens the account page', m.page.url() === `${base}/staff/users/bob`, m.page.url());
  const banForm = () => m.page.locator('form[action="/staff/users/bob/ban"]');
  st = await submit(m.page, banForm());
  check('a ban without a reason is refused (400, on the page)',
    st === 400 && (await m.page.textContent('main')).includes('Give a reason for this action'), st);
  const before = await fetch(`${base}/api/v1/whoami`, { headers: { Authorization: `Bearer ${bobTok}` } });
  check('refused, the account\'s token still works', before.status === 200, before.status);
  await banForm().locator('input[name="reason"]').fill('reports nothing but spam');
  st = await submit(m.page, banForm());
  const banned = await m.page.textContent('main');
  check('the ban is done with a reason', st === 200 && banned.includes('Banned.') &&
    banned.includes('reports nothing but spam'), `${st} ${banned.slice(0, 300)}`);
  const after = await fetch(`${base}/api/v1/whoami`, { headers: { Authorization: `Bearer ${bobTok}` } });
  check('banned, the account\'s API token gets 401', after.status === 401, after.status);
  await m.page.screenshot({ path: path.join(ART, 'staff-user.png'), fullPage: true });
  await m.page.goto(`${base}/staff/audit`);
  check('the audit log shows the ban with its reason',
    (await m.page.textContent('main')).includes('@bob; note: reports nothing but spam'));

  // ---- and lifts it: the old token stays revoked ----
  await m.page.goto(`${base}/staff/users/bob`);
  const unbanForm = () => m.page.locator('form[action="/staff/users/bob/unban"]');
  await unbanForm().locator('input[name="reason"]').fill('appeal accepted');
  st = await submit(m.page, unbanForm());
  const unbanned = await m.page.textContent('main');
  check('the unban is done with a reason and offers the ban again', st === 200 && unbanned.includes('Unbanned.') &&
    (await banForm().count()) === 1, `${st} ${unbanned.slice(0, 300)}`);
  const later = await fetch(`${base}/api/v1/whoami`, { headers: { Authorization: `Bearer ${bobTok}` } });
  check('unbanned, the old token stays revoked (401)', later.status === 401 &&
    (await later.text()).includes('invalid or revoked'), later.status);
  check('no console errors, CSP violations or dialogs', problems.length === 0, problems.join(' | '));
}

await finish('staff test', main);
