// Publishing from the browser and one's orgs, in Debian's headless Chromium: alice, signed in
// with a local account, uploads a skill's folder on /publish (the slug, name and version come
// from the folder and its SKILL.md) and lands on its page; uploads a .zip of it under another
// slug; publishes a new version from the skill page's link; sees a refusal in the API's words;
// creates an org on /orgs, invites bob, who accepts in his own session, and publishes under
// the org. A form posted with her session cookie but without the page's CSRF token is refused
// and publishes nothing.
import fs from 'node:fs';
import path from 'node:path';
import {
  ART, PASSWORD, check, dataDir, finish, launchBrowser, signedIn, startServer,
} from './lib.mjs';

const { dir, admin } = dataDir('skillreg-webpub-');

async function skill(base, slug) {
  const r = await fetch(`${base}/api/v1/skills/${slug}`);
  return r.status === 200 ? r.json() : { status: r.status };
}

// A skill's folder on disk, as a person would pick it.
function folder(name, md, extra) {
  const d = path.join(dir, 'upload', name);
  fs.mkdirSync(path.join(d, 'docs'), { recursive: true });
  fs.writeFileSync(path.join(d, 'SKILL.md'), md);
  fs.writeFileSync(path.join(d, 'docs', 'guide.md'), extra);
  return d;
}

async function submit(page) {
  await Promise.all([page.waitForNavigation(), page.click('form.publish button[type="submit"]')]);
}

async function main() {
  fs.mkdirSync(ART, { recursive: true });
  for (const h of ['alice', 'bob']) {
    admin(['user', 'add', h]);
    admin(['user', 'password', h], `${PASSWORD}\n`);
  }
  const base = await startServer(dir, ['--no-access-log']);
  const browser = await launchBrowser();
  const problems = [];

  // ---- signed out, /publish is the sign-in page's ----
  const anon = await browser.newContext();
  const ap = await anon.newPage();
  await ap.goto(`${base}/publish`);
  check('signed out, /publish sends to the sign-in page', ap.url() === `${base}/signin?return_to=%2Fpublish`, ap.url());
  await anon.close();

  // ---- a folder ----
  const a = await signedIn(base, 'alice', '/publish', problems);
  check('signed in, alice is on /publish', a.page.url() === `${base}/publish`, a.page.url());
  const f1 = folder('browser-folder', '---\nname: Browser Folder\ndescription: Sent from Chromium as a folder.\n---\n\n# Browser Folder\n',
    '# Guide\n');
  await a.page.setInputFiles('#pub-folder', f1);
  await a.page.screenshot({ path: path.join(ART, 'publish-form.png'), fullPage: true });
  await submit(a.page);
  check('the folder publishes and lands on its skill page', a.page.url() === `${base}/alice/browser-folder`, a.page.url());
  check('the page shows the name from SKILL.md', (await a.page.textContent('h1')).includes('Browser Folder'));
  let s = await skill(base, 'browser-folder');
  check('published as 1.0.0 with the folder\'s files', s.latestVersion && s.latestVersion.version === '1.0.0', JSON.stringify(s));
  const guide = await fetch(`${base}/api/v1/skills/browser-folder/file?path=docs/guide.md`);
  check('docs/guide.md is a file of the version', guide.status === 200 && (await guide.text()) === '# Guide\n');

  // ---- a zip: the skill's own download, under another slug ----
  const dl = await fetch(`${base}/api/v1/download?slug=browser-folder`);
  const zipPath = path.join(dir, 'upload', 'browser-copy.zip');
  fs.writeFileSync(zipPath, Buffer.from(await dl.arrayBuffer()));
  await a.page.goto(`${base}/publish`);
  await a.page.fill('#pub-name', 'Browser Copy');
  await a.page.setInputFiles('#pub-zip', zipPath);
  await submit(a.page);
  check('the zip publishes under its file\'s name', a.page.url() === `${base}/alice/browser-copy`, a.page.url());
  s = await skill(base, 'browser-copy');
  check('the zip\'s skill has its name and 1.0.0', s.skill && s.skill.displayName === 'Browser Copy' &&
    s.latestVersion.version === '1.0.0', JSON.stringify(s));

  // ---- a new version from the skill page ----
  await a.page.goto(`${base}/alice/browser-folder`);
  await Promise.all([a.page.waitForNavigation(), a.page.click('#publish-version')]);
  check('"Publish a new version" fills the slug', (await a.page.inputValue('#pub-slug')) === 'browser-folder');
  fs.writeFileSync(path.join(f1, 'docs', 'guide.md'), '# Guide, second edition\n');
  await a.page.setInputFiles('#pub-folder', f1);
  await a.page.fill('#pub-changelog', 'A second edition of the guide.');
  await submit(a.page);
  s = await skill(base, 'browser-folder');
  check('the new version is the next patch', a.page.url() === `${base}/alice/browser-folder` &&
    s.latestVersion.version === '1.0.1', `${a.page.url()} ${JSON.stringify(s.latestVersion)}`);

  // ---- a refusal, in the API's words ----
  await a.page.goto(`${base}/publish`);
  await a.page.fill('#pub-slug', 'browser-folder');
  await a.page.fill('#pub-version', '1.0.1');
  await a.page.setInputFiles('#pub-folder', f1);
  await submit(a.page);
  const err = await a.page.textContent('#pub-error');
  check('a version that exists is refused with the API\'s words',
    err.trim() === 'Version 1.0.1 already exists. Increment the version number and try again.', err);
  await a.page.screenshot({ path: path.join(ART, 'publish-refused.png'), fullPage: true });

  // What a page of another site could send: alice's cookie goes along, the token does not.
  const forged = await a.ctx.request.post(`${base}/publish`, {
    multipart: { slug: 'forged-skill', acceptLicenseTerms: 'true',
      files: { name: 'SKILL.md', mimeType: 'text/markdown', buffer: Buffer.from('# Forged\n') } },
    maxRedirects: 0,
  });
  check('an upload without the CSRF token is refused (403)', forged.status() === 403, forged.status());
  check('and publishes nothing', (await skill(base, 'forged-skill')).status === 404);

  // ---- an org, a member, a publish under it ----
  await a.page.goto(`${base}/orgs`);
  await a.page.fill('#org-handle', 'browser-crew');
  await a.page.fill('#org-name', 'Browser Crew');
  await Promise.all([a.page.waitForNavigation(), a.page.click('form[action="/orgs/create"] button')]);
  check('the new org\'s page', a.page.url() === `${base}/orgs/browser-crew`, a.page.url());
  await a.page.fill('#add-member', '@bob');
  await a.page.selectOption('#add-role', 'publisher');
  await Promise.all([a.page.waitForNavigation(), a.page.click('form[action="/orgs/browser-crew/invite"] button:has-text("Invite")')]);
  const pending = await a.page.textContent('table.pending');
  check('bob is invited as a publisher, not yet a member', pending.includes('@bob') && pending.includes('publisher') &&
    !(await a.page.textContent('table.members')).includes('@bob'), pending);
  await a.page.screenshot({ path: path.join(ART, 'org-page.png'), fullPage: true });

  // bob finds the invitation on his orgs page and accepts it.
  const b = await signedIn(base, 'bob', '/orgs', problems);
  const invites = await b.page.textContent('table.invites');
  check('bob sees the invitation from alice', invites.includes('@browser-crew') && invites.includes('@alice'), invites);
  await b.page.screenshot({ path: path.join(ART, 'org-invitations.png'), fullPage: true });
  await Promise.all([b.page.waitForNavigation(), b.page.click('form[action="/orgs/browser-crew/accept"] button')]);
  check('accepting opens the org\'s page', b.page.url() === `${base}/orgs/browser-crew`, b.page.url());
  check('bob is a member, a publisher', (await b.page.textContent('main')).includes('Your role: publisher'));
  await a.page.goto(`${base}/orgs/browser-crew`);
  const members = await a.page.textContent('table.members');
  check('alice sees bob among the members', members.includes('@bob') && members.includes('publisher'), members);
  await Promise.all([a.page.waitForNavigation(), a.page.click('a:has-text("Publish under @browser-crew")')]);
  check('the owner is the org', (await a.page.inputValue('#pub-owner')) === 'browser-crew');
  const f2 = folder('crew-notes', '---\nname: Crew Notes\ndescription: Notes the crew keeps.\n---\n\n# Crew Notes\n', '# Notes\n');
  await a.page.setInputFiles('#pub-folder', f2);
  await submit(a.page);
  check('published under the org', a.page.url() === `${base}/browser-crew/crew-notes`, a.page.url());
  s = await skill(base, 'crew-notes');
  check('the org owns it', s.owner && s.owner.handle === 'browser-crew', JSON.stringify(s.owner));
  await a.page.goto(`${base}/orgs/browser-crew`);
  check('the org page lists its skill', (await a.page.textContent('main')).includes('crew-notes'));

  await b.page.goto(`${base}/orgs`);
  const bOrgs = await b.page.textContent('main');
  check('bob\'s orgs list it with his role', bOrgs.includes('@browser-crew') && bOrgs.includes('publisher'), bOrgs);
  check('no console errors, CSP violations or dialogs', problems.length === 0, problems.join(' | '));
}

await finish('publish test', main);
