// The web site in a real browser: starts skillreg on a free 127.0.0.1 port with its own data
// directory, seeds the demo catalog, publishes skills through the API with a token (one with
// a table, headings and code, one renamed, one hostile), records installs for trending, then
// drives Debian's headless Chromium through playwright-core over every page. Each page is
// checked for its content, its Content-Security-Policy, the rows it read (Server-Timing), and
// for console errors, CSP violations and dialogs; screenshots go to WEB_ARTIFACTS.
import fs from 'node:fs';
import path from 'node:path';
import {
  ART, ROOT, check, dataDir, finish, launchBrowser, startServer,
} from './lib.mjs';

const { dir, admin } = dataDir('skillreg-web-');

async function main() {
  fs.mkdirSync(ART, { recursive: true });
  admin(['seed', path.join(ROOT, 'demo/catalog')]);
  admin(['user', 'add', 'webtester', '--display-name', 'Web Tester']);
  const token = admin(['token', 'create', 'webtester']);
  const base = await startServer(dir, ['--no-rate-limit', '--no-access-log', '--fold-ms', '200']);

  // ---- content, through the API with a token ----
  async function publish(slug, displayName, version, files, changelog = '') {
    const form = new FormData();
    form.append('payload', JSON.stringify({ slug, displayName, version, changelog, acceptLicenseTerms: true }));
    for (const [name, text] of Object.entries(files))
      form.append('files', new Blob([text], { type: name.endsWith('.md') ? 'text/markdown' : 'text/plain' }), name);
    const r = await fetch(`${base}/api/v1/skills`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${token}` } });
    if (!r.ok) throw new Error(`publish ${slug}@${version}: ${r.status} ${await r.text()}`);
    // The scan worker decides browse eligibility: wait until it has scanned this version, so
    // the lists and counts the pages are checked against are settled.
    for (let i = 0; i < 200; i++) {
      const v = await fetch(`${base}/api/v1/skills/${slug}/versions/${version}`, { headers: { Authorization: `Bearer ${token}` } });
      const j = v.ok ? await v.json() : null;
      const st = j && j.version && j.version.security ? j.version.security.status : j && j.security ? j.security.status : null;
      if (st && st !== 'pending') return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`publish ${slug}@${version}: not scanned within 10 s`);
  }
  const richMd = [
    '---', 'name: table-tools', 'description: Render tables, headings and code in a skill page', '---',
    '# Table Tools', '', 'A skill whose **SKILL.md** shows what the renderer supports.', '',
    '## Options', '', '| flag | meaning |', '| --- | --- |', '| `--rows` | how many rows |', '| `--wide` | wide output |', '',
    '## Example', '', '```sh', 'table-tools --rows 5 data.csv', '```', '',
    '- [x] tables', '- [ ] charts', '', '~~old~~ new, see https://example.org/docs and [the script](scripts/run.sh).',
  ].join('\n');
  await publish('table-tools', 'Table Tools', '1.0.0', { 'SKILL.md': richMd, 'scripts/run.sh': '#!/bin/sh\necho "rows: $1"\n' }, 'First release');
  await publish('table-tools', 'Table Tools', '1.1.0', { 'SKILL.md': richMd, 'scripts/run.sh': '#!/bin/sh\necho "rows: $1" # v1.1\n' }, 'Adds --wide & <fixes>');
  await publish('old-name', 'Renamed Skill', '1.0.0', { 'SKILL.md': '---\nname: renamed\ndescription: A skill that gets a new slug\n---\n# Renamed\n' });
  let r = await fetch(`${base}/api/v1/skills/old-name/rename`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ newSlug: 'new-name' }) });
  check('api: rename old-name to new-name', r.ok, r.status);
  const hostileName = '<script>alert("name")</script><img src=x onerror=alert("name2")>';
  const hostileMd = [
    '---', 'name: hostile', `description: '"><script>alert("summary")</script><img src=x onerror=alert("s2")> javascript:alert("s3")'`, '---',
    '# Hostile <script>alert("h1")</script>', '',
    '<script>alert("md")</script>', '', '<img src=x onerror=alert("img")>', '',
    '<a href="javascript:alert(\'rawlink\')">raw link</a>', '',
    '[js link](javascript:alert("link")) [vb link](vbscript:msgbox("vb")) [data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)', '',
    '[spaced](  javascript:alert("sp")) [upper](JAVASCRIPT:alert("up")) [entity](jav&#x61;script:alert("ent"))', '',
    '![js image](javascript:alert("imgmd")) ![data image](data:image/png;base64,iVBORw0KGgo=)', '',
    '<svg onload=alert("svg")></svg> <iframe src="javascript:alert(\'if\')"></iframe>', '',
    '<div onmouseover="alert(\'hover\')">hover me</div>',
  ].join('\n');
  // Installs make a trending leaderboard: table-tools first.
  for (const [slug, n] of [['table-tools', 3], ['pg-explain', 1]])
    for (let i = 0; i < n; i++) {
      r = await fetch(`${base}/api/cli/telemetry/install`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ slug }) });
      if (!r.ok) throw new Error(`telemetry: ${r.status}`);
    }
  admin(['fold']);
  admin(['cron', 'run', 'trending']);

  // ---- the browser ----
  const browser = await launchBrowser(['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']);
  const desktop = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: 'light' });
  const dark = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
  const darkPhone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, colorScheme: 'dark' });
  // The README's pictures: the demo catalog before the hostile skill arrives.
  if (process.env.README_IMG) {
    fs.mkdirSync(process.env.README_IMG, { recursive: true });
    for (const [url, file] of [['/', 'web-home.png'], ['/webtester/table-tools', 'web-skill.png']]) {
      const p = await desktop.newPage();
      await p.goto(base + url, { waitUntil: 'load' });
      await p.screenshot({ path: path.join(process.env.README_IMG, file) });
      await p.close();
    }
  }
  await publish('hostile-skill', hostileName, '1.0.0', { 'SKILL.md': hostileMd, 'x.html': '<script>alert("file")</script>' }, '<script>alert("cl")</script>');
  const listed = (await (await fetch(`${base}/api/v1/skills?limit=200`)).json()).items;
  const dialogs = [];
  const page = await desktop.newPage();
  const errors = [];
  function watch(p) {
    p.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
    p.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${p.url()}: ${m.text()}`); });
    p.on('pageerror', (e) => errors.push(`${p.url()}: ${e.message}`));
    p.on('requestfailed', (q) => errors.push(`${p.url()}: request failed ${q.url()}`));
  }
  watch(page);

  // Visits a page and checks what every page must have; returns the main response.
  async function visit(p, url, { status = 200, maxRows, name } = {}) {
    const errs = errors.length;
    const resp = await p.goto(base + url, { waitUntil: 'load' });
    const h = resp.headers();
    const label = name || url;
    check(`${label}: status ${status}`, resp.status() === status, resp.status());
    const csp = h['content-security-policy'] || '';
    check(`${label}: CSP without script`, csp.includes("default-src 'self'") && csp.includes("script-src 'none'"), csp);
    check(`${label}: nosniff`, h['x-content-type-options'] === 'nosniff');
    const m = /rows;desc="(\d+)"/.exec(h['server-timing'] || '');
    const rows = m ? Number(m[1]) : NaN;
    if (maxRows !== undefined) check(`${label}: rows read ${rows} <= ${maxRows}`, rows <= maxRows, h['server-timing']);
    const landmarks = await p.evaluate(() => ({
      main: document.querySelectorAll('main').length, banner: document.querySelectorAll('header.top').length,
      skip: !!document.querySelector('a.skip[href="#main"]'), lang: document.documentElement.lang,
      scripts: document.querySelectorAll('script').length,
      imgsNoAlt: [...document.querySelectorAll('img')].filter((i) => !i.hasAttribute('alt')).length,
      unlabeled: [...document.querySelectorAll('input:not([type=hidden]), select')].filter((i) => !(i.disabled && i.closest('.readme'))).filter((i) => !(i.id && document.querySelector(`label[for="${i.id}"]`)) && !i.closest('label')).length,
    }));
    check(`${label}: landmarks, skip link, lang, labels, alt text, no script`, landmarks.main === 1 && landmarks.banner === 1 && landmarks.skip &&
      landmarks.lang === 'en' && landmarks.scripts === 0 && landmarks.imgsNoAlt === 0 && landmarks.unlabeled === 0, JSON.stringify(landmarks));
    // An error page's own status is logged by Chromium as a failed load: that one is expected.
    const own = `${p.url()}: Failed to load resource: the server responded with a status of ${status} `;
    const fresh = errors.slice(errs).filter((e) => status === 200 || !e.startsWith(own));
    check(`${label}: no console errors or CSP violations`, fresh.length === 0, fresh.join(' | '));
    return { resp, rows };
  }
  const shot = async (p, file) => p.screenshot({ path: path.join(ART, file), fullPage: true });
  async function shots(url, stem) {
    for (const [ctx, suffix] of [[desktop, 'desktop'], [phone, 'phone']]) {
      const p = await ctx.newPage();
      watch(p);
      await p.goto(base + url, { waitUntil: 'load' });
      await shot(p, `${stem}-${suffix}.png`);
      await p.close();
    }
  }
  const texts = (sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent.trim()));

  // ---- home ----
  await visit(page, '/', { maxRows: 40, name: 'home' });
  const count = await page.textContent('.count');
  check(`home: public count ${count} = ${listed.length} listed skills`, Number(count.replace(/,/g, '')) === listed.length);
  const heads = await texts('main h2');
  check('home: trending, popular and newest sections', ['Trending this week', 'Most downloaded', 'Newest'].every((t) => heads.includes(t)), heads.join(','));
  const trendingHome = await texts('section[aria-labelledby="h-trending"] .card-title');
  check('home: trending lists table-tools first', trendingHome[0] === 'Table Tools', trendingHome.join(','));
  const newest = await texts('section[aria-labelledby="h-newest"] .card-title');
  check('home: newest shows the hostile skill last published, as text', newest[0] === hostileName, newest[0]);
  for (const [ctx, suffix] of [[desktop, 'desktop-light'], [phone, 'phone-light'], [dark, 'desktop-dark'], [darkPhone, 'phone-dark']]) {
    const p = await ctx.newPage();
    watch(p);
    await p.goto(base + '/', { waitUntil: 'load' });
    await shot(p, `home-${suffix}.png`);
    if (suffix === 'desktop-dark') {
      const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
      check(`home: dark scheme applies (${bg})`, bg !== 'rgb(247, 248, 250)' && bg !== 'rgb(255, 255, 255)');
    }
    await p.close();
  }
  // Keyboard: the skip link is the first focus stop and is visible when focused.
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => ({ cls: document.activeElement.className, top: document.activeElement.getBoundingClientRect().top, outline: getComputedStyle(document.activeElement).outlineStyle }));
  check('home: first Tab focuses the visible skip link', focused.cls === 'skip' && focused.top >= 0, JSON.stringify(focused));
  // The home search box works without script: a plain form GET.
  await page.fill('#home-q', 'table');
  await Promise.all([page.waitForNavigation(), page.press('#home-q', 'Enter')]);
  check('home: search form leads to /search?q=table', page.url() === `${base}/search?q=table`, page.url());

  // ---- browse: every sort, a second page and back ----
  const sorts = { updated: 'updated_at', newest: 'created_at', downloads: 'downloads', installs: 'installs', stars: 'stars', name: 'slug' };
  for (const sort of Object.keys(sorts)) {
    await visit(page, `/skills?sort=${sort}&limit=10`, { maxRows: 11, name: `browse ${sort}` });
    const cards = await texts('.cards-list .card-title');
    const current = await page.textContent('.tabs a[aria-current="page"]');
    check(`browse ${sort}: 10 cards, tab current`, cards.length === 10 && current.length > 0, `${cards.length} ${current}`);
    if (sort === 'updated') await shots(`/skills?sort=${sort}&limit=10`, 'browse');
  }
  await visit(page, '/skills?sort=name&limit=10', { maxRows: 11, name: 'browse name page 1' });
  const slugsOf = () => page.$$eval('.cards-list .card .slug', (els) => els.map((e) => e.textContent));
  const page1 = await slugsOf();
  check('browse name: ascending slugs', page1.every((s, i) => i === 0 || page1[i - 1] < s), page1.join(','));
  await Promise.all([page.waitForNavigation(), page.click('a[rel="next"]')]);
  const page2 = await slugsOf();
  const t2 = /rows;desc="(\d+)"/.exec((await page.evaluate(() => performance.getEntriesByType('navigation')[0].serverTiming.map((e) => `${e.name};desc="${e.description}"`).join(', '))));
  check('browse name page 2: new skills after page 1', page2.length > 0 && page2.every((s) => s > page1[page1.length - 1]), page2.join(','));
  check('browse name page 2: rows read <= 11', t2 && Number(t2[1]) <= 11, t2 && t2[1]);
  await Promise.all([page.waitForNavigation(), page.click('a[rel="prev"]')]);
  const back = await slugsOf();
  check('browse name: previous link returns page 1', JSON.stringify(back) === JSON.stringify(page1), back.join(','));
  check('browse name: page 1 via previous has no previous link', (await page.$('a[rel="prev"]')) === null);
  await visit(page, '/skills?sort=downloads&dir=asc&filter=all&limit=50', { maxRows: 51, name: 'browse all, ascending, 50 a page' });
  check('browse: the filter and page size stay chosen', await page.$eval('#f-filter', (e) => e.value) === 'all' && await page.$eval('#f-limit', (e) => e.value) === '50');
  // The controls form submits without script.
  await page.selectOption('#f-sort', 'stars');
  await Promise.all([page.waitForNavigation(), page.click('.controls button')]);
  check('browse: controls form applies', page.url().includes('sort=stars') && page.url().includes('filter=all'), page.url());
  await visit(page, '/skills?sort=name&prefix=pg', { maxRows: 26, name: 'browse prefix pg' });
  const pg = await slugsOf();
  check('browse prefix: only slugs starting with pg', pg.length > 0 && pg.every((s) => s.startsWith('pg')), pg.join(','));

  // ---- search ----
  await visit(page, '/search?q=log', { maxRows: 400, name: 'search log' });
  const marks = await texts('.cards-list mark');
  check('search: results with the query marked', marks.length > 0 && marks.every((m) => m.toLowerCase() === 'log'), marks.join(','));
  await shots('/search?q=log', 'search');
  await visit(page, '/search?q=table-tools&mode=exact', { maxRows: 20, name: 'search exact' });
  const exact = await slugsOf();
  check('search exact: just the slug', exact.length === 1 && exact[0] === 'table-tools', exact.join(','));
  await page.goto(`${base}/search?q=pg&mode=prefix`);
  check('search prefix: lands on the name-ordered prefix list', page.url().includes('/skills?sort=name&prefix=pg'), page.url());
  await visit(page, `/search?q=${encodeURIComponent('<script>alert(1)</script>')}`, { name: 'search with markup in the query' });
  check('search: the query is shown as text', (await page.textContent('h1')).includes('<script>alert(1)</script>'));

  // ---- skill page ----
  await visit(page, '/webtester/table-tools', { maxRows: 60, name: 'skill page' });
  check('skill: table rendered', await page.isVisible('.readme table') && (await texts('.readme td code')).includes('--rows'));
  check('skill: headings rendered', (await texts('.readme h1, .readme h2:not(.vh)')).join('|') === 'Table Tools|Options|Example');
  check('skill: code block rendered', (await page.textContent('.readme pre code')).includes('table-tools --rows 5 data.csv'));
  check('skill: task list and strikethrough', (await page.$$('.readme input[type=checkbox]')).length === 2 && (await page.$('.readme del')) !== null);
  check('skill: autolink', (await page.$('.readme a[href="https://example.org/docs"]')) !== null);
  check('skill: relative link opens the file viewer', (await page.$('.readme a[href="/webtester/table-tools/file?version=1.1.0&path=scripts%2Frun.sh"]')) !== null);
  check('skill: install command', (await page.textContent('.install')).trim() === 'clawhub install table-tools');
  check('skill: summary', (await page.textContent('.skill-head .lead')) === 'Render tables, headings and code in a skill page');
  const versions = await texts('.versions .v-head a');
  check('skill: versions newest first', versions.join(',') === '1.1.0,1.0.0', versions.join(','));
  check('skill: changelog shown as text', (await texts('.versions .changelog')).includes('Adds --wide & <fixes>'));
  check('skill: latest tag', (await texts('.tags li')).some((t) => t.startsWith('latest') && t.endsWith('1.1.0')));
  const stats = await page.$$eval('.stats div', (els) => Object.fromEntries(els.map((e) => [e.querySelector('dt').textContent, e.querySelector('dd').textContent])));
  check('skill: stats (3 installs, 2 versions)', stats.Installs === '3' && stats.Versions === '2' && 'Downloads' in stats && 'Stars' in stats, JSON.stringify(stats));
  check('skill: files listed', (await texts('.files a')).join(',') === 'scripts/run.sh,SKILL.md' || (await texts('.files a')).join(',') === 'SKILL.md,scripts/run.sh');
  check('skill: moderation state shown', (await page.textContent('#scan-findings')).length > 0);
  await shots('/webtester/table-tools', 'skill');
  await visit(page, '/webtester/table-tools?version=1.0.0', { maxRows: 60, name: 'skill page, older version' });
  check('skill: an older version is marked current', (await page.textContent('.versions li.current a')) === '1.0.0');

  // ---- file view ----
  await Promise.all([page.waitForNavigation(), page.click('.files a:text("scripts/run.sh")')]);
  check('file view: opened from the file list', page.url().startsWith(`${base}/webtester/table-tools/file?`), page.url());
  check('file view: contents of 1.0.0 shown', (await page.textContent('pre.code')) === '#!/bin/sh\necho "rows: $1"\n');
  await visit(page, '/webtester/table-tools/file?path=scripts%2Frun.sh', { maxRows: 20, name: 'file view' });
  check('file view: latest contents', (await page.textContent('pre.code')).includes('# v1.1'));
  await shots('/webtester/table-tools/file?path=scripts%2Frun.sh', 'file');
  await visit(page, '/webtester/table-tools/file?path=nope.txt', { status: 404, name: 'file view, missing file' });

  // ---- renamed skill: the old address redirects ----
  const red = await fetch(`${base}/webtester/old-name`, { redirect: 'manual' });
  check('renamed: old slug answers 301 to the new one', red.status === 301 && red.headers.get('location') === '/webtester/new-name', `${red.status} ${red.headers.get('location')}`);
  await page.goto(`${base}/webtester/old-name`);
  check('renamed: the browser lands on the new page', page.url() === `${base}/webtester/new-name` && (await page.textContent('h1')) === 'Renamed Skill', page.url());

  // ---- owner ----
  await visit(page, '/webtester', { maxRows: 30, name: 'owner page' });
  const owned = await slugsOf();
  check('owner: the publisher\'s skills', ['table-tools', 'new-name', 'hostile-skill'].every((s) => owned.includes(s)) && owned.length === 3, owned.join(','));
  check('owner: display name', (await page.textContent('h1')) === 'Web Tester');
  await shots('/webtester', 'owner');

  // ---- trending ----
  await visit(page, '/trending', { maxRows: 40, name: 'trending' });
  const ranks = await texts('.cards-list .rank');
  const tnames = await texts('.cards-list .card-title');
  check('trending: ranked by installs', ranks[0] === '#1' && tnames[0] === 'Table Tools' && tnames[1] === 'Pg Explain' && tnames.length === 2, `${ranks} ${tnames}`);
  await shots('/trending', 'trending');

  // ---- 404 and errors ----
  await visit(page, '/nobody-here', { status: 404, maxRows: 5, name: '404 owner' });
  check('404: helpful page with a search box', (await page.textContent('h1')) === 'No such publisher' && (await page.$('#err-q')) !== null);
  await visit(page, '/webtester/no-such-skill', { status: 404, name: '404 skill' });
  await visit(page, '/a/b/c/d', { status: 404, name: '404 deep path' });
  await shots('/webtester/no-such-skill', 'not-found');
  await visit(page, '/skills?sort=bogus', { status: 400, name: '400 bad sort' });
  await visit(page, '/skills?cursor=garbage', { status: 400, name: '400 bad cursor' });
  const api = await fetch(`${base}/api/v1/skills/nope`);
  check('api paths stay the API (text 404)', api.status === 404 && (await api.text()) === 'Skill not found');

  // ---- the hostile skill renders inert ----
  for (const url of ['/webtester/hostile-skill', '/skills?sort=newest', '/search?q=hostile', '/webtester', '/webtester/hostile-skill/file?path=x.html']) {
    await visit(page, url, { name: `hostile: ${url}` });
    await page.hover('body');
    const dom = await page.evaluate(() => {
      const bad = [];
      for (const el of document.querySelectorAll('*')) {
        for (const a of el.attributes) {
          if (a.name.startsWith('on')) bad.push(`${el.tagName} ${a.name}`);
          if ((a.name === 'href' || a.name === 'src') && /^\s*(javascript|vbscript|data):/i.test(a.value)) bad.push(`${el.tagName} ${a.name}=${a.value}`);
        }
        if (['SCRIPT', 'IFRAME', 'SVG', 'OBJECT', 'EMBED'].includes(el.tagName.toUpperCase())) bad.push(el.tagName);
      }
      const imgs = [...document.images].map((i) => i.getAttribute('src'));
      return { bad, imgs };
    });
    check(`hostile ${url}: no script, handler or dangerous URL in the DOM`, dom.bad.length === 0 && dom.imgs.every((s) => s === '/static/icon.svg'), JSON.stringify(dom));
  }
  await page.goto(`${base}/webtester/hostile-skill`);
  check('hostile: the name shows as text', (await page.textContent('.skill-head h1')) === hostileName);
  check('hostile: the summary shows as text', (await page.textContent('.skill-head .lead')).includes('<script>alert("summary")</script>'));
  const links = await page.$$eval('.readme a', (as) => as.map((a) => [a.textContent, a.getAttribute('href')]));
  const readmeText = await page.textContent('.readme');
  check('hostile: dangerous markdown links are left as text, nothing to click', links.filter(([t]) => /link|spaced|upper|entity|image/.test(t)).length === 0 &&
    ['js link', 'vb link', 'data link', 'spaced', 'upper', 'entity', 'js image', 'data image'].every((t) => readmeText.includes(t)), JSON.stringify(links));
  check('hostile: raw HTML omitted', (await page.innerHTML('.readme')).includes('raw HTML omitted'));
  for (const a of await page.$$('.readme a')) await a.click({ modifiers: [], noWaitAfter: true, trial: false }).catch(() => {});
  await page.waitForTimeout(300);
  await shots('/webtester/hostile-skill', 'hostile');
  check('hostile: no dialog fired anywhere', dialogs.length === 0, dialogs.join(' | '));
}

await finish('web test', main);
