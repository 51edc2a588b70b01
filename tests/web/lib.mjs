// What the browser tests share: the ok / not ok lines, a data directory of their own with the
// admin commands on it, a skillreg server on a free loopback port, Debian's headless
// Chromium, a browser context signed in with a local account, and the end of a run (close
// what was opened, print the counts, exit non-zero on any failure). run.sh sets the
// environment: SKILLREG_BIN, ROOT, CHROMIUM, WEB_ARTIFACTS, and SKILLREG_WEB_DB (a fresh
// PostgreSQL database) for the -pg group.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BIN = process.env.SKILLREG_BIN;
export const ROOT = process.env.ROOT;
export const ART = process.env.WEB_ARTIFACTS;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// The password every test account gets (`skillreg user password`).
export const PASSWORD = 'correct horse battery staple';
// The database of the server and the admin commands: SQLite in the data directory unless run.sh
// names a PostgreSQL one.
const DB_ARGS = process.env.SKILLREG_WEB_DB ? ['--db', process.env.SKILLREG_WEB_DB] : [];

const counts = { passed: 0, failed: 0 };
// What finish() closes: the server and the browser, once started, and the data directory.
const opened = { server: null, browser: null, dir: null };

export function check(name, ok, detail) {
  if (ok) {
    counts.passed++;
    console.log(`ok - ${name}`);
  } else {
    counts.failed++;
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

// A fresh data directory (removed by finish) and admin(args, input), which runs a skillreg
// command on it with input on its standard input and returns what it printed, trimmed.
export function dataDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  opened.dir = dir;
  const admin = (args, input) =>
    execFileSync(BIN, [...args, '--data-dir', dir, ...DB_ARGS], { encoding: 'utf8', input }).trim();
  return { dir, admin };
}

// Starts `skillreg serve` on the data directory with extra options and resolves with its
// base URL once every path of ready answers 200 (the seeded skills scanned, say). The server
// prints to this process's output; finish() stops it.
export async function startServer(dir, args, ready = ['/healthz']) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  opened.server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dir, ...DB_ARGS, ...args],
    { stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; ; i++) {
    let up = true;
    try {
      for (const p of ready)
        up = up && (await fetch(`${base}${p}`)).status === 200;
    } catch {
      up = false; // not listening yet
    }
    if (up) break;
    if (i > 150) throw new Error(`server did not start or ${ready.join(', ')} did not answer 200`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return base;
}

export async function launchBrowser(extraArgs = []) {
  opened.browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', ...extraArgs] });
  return opened.browser;
}

// Records a page's console errors and dialogs in problems, each with label. A page answered
// 404 or 410 on purpose logs "Failed to load resource"; anything else (a CSP violation, a
// script error) is a problem.
export function watchPage(page, problems, label) {
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of'))
      problems.push(label ? `${label}: ${m.text()}` : m.text());
  });
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); });
}

// A browser context with its own cookies, signed in as handle with PASSWORD on the sign-in
// page, which then leads to returnTo.
export async function signedIn(base, handle, returnTo, problems) {
  const ctx = await opened.browser.newContext();
  const page = await ctx.newPage();
  watchPage(page, problems, handle);
  await page.goto(`${base}/signin?return_to=${encodeURIComponent(returnTo)}`);
  await page.fill('#si-handle', handle);
  await page.fill('#si-pw', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('form.form button[type="submit"]')]);
  return { ctx, page };
}

// Runs main, counting an exception as a failure of title; then closes the browser, stops the
// server (SIGTERM, and waits for it to exit), removes the data directory, prints
// "N passed, M failed" and exits non-zero on any failure.
export async function finish(title, main) {
  try {
    await main();
  } catch (e) {
    check(`${title} ran to the end`, false, e && e.stack ? e.stack : String(e));
  } finally {
    if (opened.browser) await opened.browser.close().catch(() => {});
    const server = opened.server;
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    if (opened.dir) fs.rmSync(opened.dir, { recursive: true, force: true });
  }
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  process.exit(counts.failed ? 1 : 0);
}
