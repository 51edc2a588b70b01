#!/usr/bin/env node
// bench/daily.mjs - replays the daily mix (bench/mix.tsv) against a running skillreg, with
// skewed popularity, and sums what the database read per path (bench/run's "daily" part).
//
// Each request is drawn from the mix's HTTP paths in proportion to their runs per day; the
// skill of a detail, version, file or download is drawn from a Zipf distribution over the
// skills ranked by downloads (rank 1 = most downloaded), the words of a search from a Zipf
// distribution over the query list, and a later browse page follows the cursors of the pages
// before it, as a person clicking "next" does. Every answer's Server-Timing gives the rows,
// bytes and pages the request read and whether the response cache answered it.
//
// The replay runs at --rate requests a second, faster than a real day; bench/run starts the
// server with its fold interval (the job that turns download events into counters and so
// makes every cached list and search stale) shortened by the same factor, so that as many
// requests fall between two folds as on the real day. A warm-up (unmeasured, unpaced) runs
// first, so the window measured starts from a cache in use rather than an empty one.
//
// Usage: node bench/daily.mjs --url URL --skills FILE --queries FILE [--mix bench/mix.tsv]
//   [--requests N] [--warmup N] [--rate R] [--concurrency C] [--seed S] [--s-skills A]
//   [--s-queries B] [--clients K] [--no-pages] [--after-warmup COMMAND]
// --no-pages: the server does not report pages (PostgreSQL); --after-warmup: a shell command run
// between the warm-up and the measured requests (bench/daily.sh resets pg_stat_statements).
// FILE formats: skills, one `slug<TAB>version` a line in popularity order; queries, one query
// a line in popularity order. Output (stdout): a TSV, one line per path, then `# key<TAB>value`
// lines describing the run. Only 127.0.0.1 is ever contacted (the URL must be loopback).
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';

const args = {
  mix: 'bench/mix.tsv', requests: 20000, warmup: 20000, rate: 300, concurrency: 4, seed: 1,
  's-skills': 1.0, 's-queries': 0.8, clients: 100000, pages: true,
};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--no-pages') { args.pages = false; continue; }
  if (!a.startsWith('--') || i + 1 >= process.argv.length) die(`bad argument ${a}`);
  const k = a.slice(2), v = process.argv[++i];
  args[k] = typeof args[k] === 'number' ? Number(v) : v;
  if (Number.isNaN(args[k])) die(`${a} takes a number`);
}
for (const k of ['url', 'skills', 'queries']) if (!args[k]) die(`--${k} is required`);
const base = new URL(args.url);
if (base.hostname !== '127.0.0.1' && base.hostname !== 'localhost') die('--url must be loopback');

function die(msg) {
  process.stderr.write(`daily.mjs: ${msg}\n`);
  process.exit(1);
}

// ---- deterministic randomness: xorshift128+ on BigInt-free 32-bit halves (mulberry32) ----
function rng(seed) {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(args.seed);

// Zipf over ranks 1..n with exponent s: P(k) proportional to 1 / k^s.
function zipf(n, s) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) { sum += 1 / Math.pow(k, s); cdf[k - 1] = sum; }
  for (let k = 0; k < n; k++) cdf[k] /= sum;
  return () => {
    const u = rand();
    let lo = 0, hi = n - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cdf[mid] < u) lo = mid + 1; else hi = mid; }
    return lo;
  };
}

// ---- inputs -------------------------------------------------------------------------------
const skills = fs.readFileSync(args.skills, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
const queries = fs.readFileSync(args.queries, 'utf8').split('\n').filter(Boolean);
if (!skills.length || !queries.length) die('no skills or no queries');
const pickSkill = zipf(skills.length, args['s-skills']);
const pickQuery = zipf(queries.length, args['s-queries']);

// The mix's HTTP paths and their runs per day (modern column). Paths without an HTTP route
// (the web's "public" filter, the crons) are not replayed: bench/report adds them at their
// store-level figures.
const BROWSE = { downloads: 'downloads', updated: 'updated', created: 'newest', stars: 'stars',
  installs: 'installs', name: 'name' };
const kinds = [];
for (const line of fs.readFileSync(args.mix, 'utf8').split('\n')) {
  if (!line || line.startsWith('#')) continue;
  const [path, , modern] = line.split('\t');
  const n = Number(modern);
  if (!Number.isFinite(n)) continue;
  let m;
  if (path === 'home' || path === 'detail' || path === 'version' || path === 'download' || path === 'file')
    kinds.push({ path, n });
  else if (path === 'search-*') kinds.push({ path: 'search', n });
  else if (path === 'browse-downloads-listed-p5') kinds.push({ path: 'browse-later', n });
  else if ((m = /^browse-(\w+)-listed$/.exec(path)) && BROWSE[m[1]]) kinds.push({ path, n, sort: BROWSE[m[1]] });
}
const perDay = kinds.reduce((a, k) => a + k.n, 0);
const browseKinds = kinds.filter((k) => k.sort);
const browseDay = browseKinds.reduce((a, k) => a + k.n, 0);
function pickWeighted(list, total) {
  let u = rand() * total;
  for (const k of list) { if ((u -= k.n) < 0) return k; }
  return list[list.length - 1];
}

// A later browse page: a sort in the browse mix's proportions, a depth of 2 and up (each
// further page half as likely as the one before, up to 10), reached through the cursors the
// replay has seen so far on that sort.
const chains = {}; // sort -> [cursor of page 2, cursor of page 3, ...]
const enc = encodeURIComponent;
function plan() {
  const k = pickWeighted(kinds, perDay);
  // A client from a pool of --clients people, so that download counting (one per client,
  // skill and day) counts the replay's downloads as it counts a day's.
  const c = Math.floor(rand() * args.clients);
  const ip = `10.${(c >> 16) & 255}.${(c >> 8) & 255}.${c & 255}`;
  switch (k.path) {
    case 'home': return { path: k.path, ip, url: '/api/v1/skills?sort=downloads&limit=12' };
    case 'search': return { path: k.path, ip, url: `/api/v1/search?q=${enc(queries[pickQuery()])}&limit=20` };
    case 'browse-later': {
      const sort = pickWeighted(browseKinds, browseDay).sort;
      let depth = 2;
      while (depth < 10 && rand() < 0.5) depth++;
      return { path: k.path, ip, sort, depth };
    }
    default: break;
  }
  if (k.sort) return { path: k.path, ip, sort: k.sort, url: `/api/v1/skills?sort=${k.sort}&limit=25` };
  const [slug, version] = skills[pickSkill()];
  const s = enc(slug), v = enc(version);
  const url = { detail: `/api/v1/skills/${s}`, version: `/api/v1/skills/${s}/versions/${v}`,
    download: `/api/v1/download?slug=${s}&version=${v}`,
    file: `/api/v1/skills/${s}/file?path=SKILL.md&version=${v}` }[k.path];
  return { path: k.path, ip, url };
}
function laterUrl(r) {
  const chain = chains[r.sort] || [];
  // The deepest page known so far when the chain does not reach the depth yet: the replay
  // extends it by one page, as the person would by clicking "next".
  const j = Math.min(r.depth - 2, chain.length - 1);
  if (j < 0) return { url: `/api/v1/skills?sort=${r.sort}&limit=25`, page: 1 };
  return { url: `/api/v1/skills?sort=${r.sort}&limit=25&cursor=${enc(chain[j])}`, page: j + 2 };
}

// ---- HTTP ---------------------------------------------------------------------------------
const agent = new http.Agent({ keepAlive: true, maxSockets: args.concurrency });
function get(path, ip) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: base.hostname, port: base.port, path, agent,
      headers: { 'X-Forwarded-For': ip } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, timing: res.headers['server-timing'] || '',
        body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
function timingField(t, name) {
  const m = new RegExp(`(?:^|, )${name};desc="(\\d+)"`).exec(t);
  return m ? Number(m[1]) : null;
}

const stats = new Map();
function row(path) {
  if (!stats.has(path)) stats.set(path, { requests: 0, hit: 0, miss: 0, none: 0, rows: 0, bytes: 0,
    pages: 0, pagemiss: 0, response_bytes: 0, bad: 0 });
  return stats.get(path);
}

async function run(r, measured) {
  let url = r.url, page = 1;
  if (r.path === 'browse-later') ({ url, page } = laterUrl(r));
  const res = await get(url, r.ip);
  if (r.sort && res.status === 200) {
    // A list page's next cursor extends its sort's chain (page 1's gives page 2's cursor).
    const chain = chains[r.sort] || (chains[r.sort] = []);
    if (chain.length === page - 1) {
      try {
        const c = JSON.parse(res.body).nextCursor;
        if (c) chain.push(c);
      } catch { /* not JSON: the bad count below says so */ }
    }
  }
  if (!measured) return;
  const s = row(r.path);
  s.requests++;
  if (res.status < 200 || res.status >= 300) {
    // The first few by name on stderr (bench/work/logs/daily-*.err): a bad answer is a
    // finding, not noise.
    if (s.bad++ < 5) process.stderr.write(`daily.mjs: ${res.status} for ${url}: ${res.body.subarray(0, 200)}\n`);
  }
  const cache = /cache;desc="(hit|miss)"/.exec(res.timing);
  s[cache ? cache[1] : 'none']++;
  s.rows += timingField(res.timing, 'rows') ?? 0;
  s.bytes += timingField(res.timing, 'bytes') ?? 0;
  s.response_bytes += res.body.length;
  const pages = timingField(res.timing, 'pages');
  if (args.pages && pages === null)
    die(`no pages in Server-Timing of ${url} (${res.timing}): the server must run SQLite without a memory map`);
  s.pages += pages ?? 0;
  s.pagemiss += timingField(res.timing, 'pagemiss') ?? 0;
}

async function phase(list, measured, rate) {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= list.length) return;
      if (rate > 0) {
        const wait = t0 + (i * 1000) / rate - performance.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      }
      await run(list[i], measured);
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  return (performance.now() - t0) / 1000;
}

const warm = Array.from({ length: args.warmup }, plan);
const measuredPlan = Array.from({ length: args.requests }, plan);
await phase(warm, false, 0);
if (args['after-warmup']) execSync(args['after-warmup'], { stdio: ['ignore', 'ignore', 'inherit'] });
const seconds = await phase(measuredPlan, true, args.rate);
agent.destroy();

const cols = ['requests', 'hit', 'miss', 'none', 'rows', 'bytes', 'pages', 'pagemiss', 'response_bytes', 'bad'];
let out = `path\truns_per_day_mix\t${cols.join('\t')}\n`;
for (const k of kinds) {
  const s = stats.get(k.path);
  if (s) out += `${k.path}\t${k.n}\t${cols.map((c) => s[c]).join('\t')}\n`;
}
out += `# requests_per_day\t${perDay}\n# measured_requests\t${args.requests}\n# warmup_requests\t${args.warmup}\n`;
out += `# seconds\t${seconds.toFixed(3)}\n# rate_target\t${args.rate}\n# rate_achieved\t${(args.requests / seconds).toFixed(1)}\n`;
out += `# s_skills\t${args['s-skills']}\n# s_queries\t${args['s-queries']}\n# skills\t${skills.length}\n`;
out += `# queries\t${queries.length}\n# clients\t${args.clients}\n# concurrency\t${args.concurrency}\n# seed\t${args.seed}\n`;
process.stdout.write(out);
