// What the sign-in tests share: the ok / not ok lines, a free loopback port, a skillreg server
// of their own, reads of its database, and a held callback.
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const counts = { passed: 0, failed: 0 };

export function check(name, ok, detail) {
  if (ok) {
    counts.passed++;
    console.log(`ok - ${name}`);
  } else {
    counts.failed++;
    console.log(`not ok - ${name}${detail !== undefined ? `: ${detail}` : ''}`);
  }
}

export function freePort() {
  return reservePort().then(async ({ port, release }) => { await release(); return port; });
}

// A free loopback port, kept bound until release(): servers the test starts meanwhile (its
// identity providers, which listen on port 0) cannot be given the port skillreg will take.
export function reservePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      resolve({ port: s.address().port, release: () => new Promise((r) => s.close(() => r())) });
    });
  });
}

// Starts `skillreg serve` on 127.0.0.1:port with its data in dir (and the database pg when
// given) and extra options; resolves once /healthz answers. log() is what it printed.
// port is a number, or a reservation from reservePort(), released just before the start.
export async function startSkillreg({ bin, port: given, dir, pg, args }) {
  let port = given;
  if (typeof given === 'object') {
    port = given.port;
    await given.release();
  }
  let log = '';
  const proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dir, ...(pg ? ['--db', pg] : []),
    ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch { /* not up yet */ }
    if (i > 100) throw new Error(`server did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, log: () => log };
}

// One value from the server's database, as text: the tests read what skillreg stored.
export function sqlOf(dir, pg) {
  return (query) => (pg ? execFileSync('psql', [pg, '-X', '-At', '-c', query], { encoding: 'utf8' })
    : execFileSync('sqlite3', [path.join(dir, 'skillreg.db'), query], { encoding: 'utf8' })).trim();
}

// Holds the browser's next request whose URL matches pattern (a DevTools glob; a redirect
// hop, which playwright's page.route cannot stop) and answers it with a placeholder page
// (#held), so the code and state a callback carries stay unused. Resolves, once the hold is
// in place, with { url }: a promise of the held request's URL.
export async function holdRequest(ctx, page, pattern) {
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: pattern, requestStage: 'Request' }] });
  const url = new Promise((resolve) => {
    cdp.on('Fetch.requestPaused', async (e) => {
      await cdp.send('Fetch.fulfillRequest', { requestId: e.requestId, responseCode: 200,
        responseHeaders: [{ name: 'Content-Type', value: 'text/html' }],
        body: Buffer.from('<p id="held">held</p>').toString('base64') });
      await cdp.send('Fetch.disable');
      await cdp.detach();
      resolve(new URL(e.request.url));
    });
  });
  return { url };
}

// Clicks a sign-in button where the provider shows no page (its session and grant are
// there): resolves with skillreg's answer to the callback, once the page it led to loaded.
export async function signInAnswer(page, button, callbackPath) {
  const [answer] = await Promise.all([
    page.waitForResponse((res) => new URL(res.url()).pathname === callbackPath),
    page.click(button)]);
  await page.waitForLoadState();
  return answer;
}

// Stops the server (SIGTERM) and waits for it to exit; under the sanitizers (make test-asan)
// its log then holds any report, leaks included, which fails the run.
export async function stopSkillreg(server) {
  if (server.proc.exitCode === null && server.proc.signalCode === null) {
    const exited = new Promise((resolve) => server.proc.once('exit', resolve));
    server.proc.kill('SIGTERM');
    await exited;
  }
  const log = server.log();
  check('the server stopped with no sanitizer report',
    !/AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:/.test(log),
    log.split('\n').filter((l) => /Sanitizer|runtime error|#\d+ 0x/.test(l)).slice(0, 20).join('\n'));
}

export async function sessionCookie(ctx) {
  return (await ctx.cookies()).find((c) => c.name === 'sr_session');
}

export async function signOut(page) {
  await Promise.all([page.waitForNavigation(), page.click('header button:has-text("Sign out")')]);
}
