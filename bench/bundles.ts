import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { FUNCTIONS } from '../shared/http/routes.js';
import { bundleBudgetBytes, esbuildOptions } from '../infra/constructs/kontor-function.js';

/*
 * Bundles and cold start: every Lambda bundled exactly as `cdk synth` bundles it (the
 * options of infra/constructs/kontor-function.ts), its size, and its module init: the
 * import of the bundle in a fresh Node process, repeated, minimum and median. Both wall
 * time and the process's CPU time during the import are kept: on a shared machine the
 * wall time mostly measures the neighbours, the CPU time much less so.
 *
 * Side by side with a previous commit (BENCH_BUNDLES_REF, default HEAD~1): that commit is
 * checked out in a temporary `git worktree`, sharing this checkout's node_modules, and
 * built with the same options.
 *
 *   tsx bench/bundles.ts [--quick] [--write]    (also part of `npm run bench`)
 *
 * Figures go to bench/results/bundles.json (shape: BundleReport below) for the report's
 * charts and cost table, and with --write into docs/benchmarks.md between its
 * bench:bundles markers.
 */
const REPO = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(REPO, 'bench/results/bundles.json');

export interface BundleFigures {
  bytes: number;
  /** Import of the bundle in a fresh process, ms. */
  initWallMs: { min: number; median: number };
  initCpuMs: { min: number; median: number };
}
export interface BundleReport {
  date: string;
  machine: { cpu: string; cores: number; node: string; loadAverage1m: number };
  runs: number;
  /** The floor: importing an empty module the same way. */
  emptyModule: BundleFigures['initWallMs'] & { cpuMin: number; cpuMedian: number };
  ref: { name: string; commit: string } | null;
  /** Function name (`authorizer` or a FUNCTIONS key) -> figures now, and at `ref`. */
  bundles: Record<string, { now: BundleFigures; before?: BundleFigures | undefined; budgetBytes: number }>;
}

const ENTRIES: Record<string, string> = {
  authorizer: 'functions/authorizer/handler.ts',
  ...Object.fromEntries(Object.entries(FUNCTIONS).map(([name, spec]) => [name, spec.entry])),
};

// What a function's environment holds in Lambda (no I/O happens at import).
const ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'eu-central-1',
  TABLE_NAME: 'kontor-bench',
  JWT_ISSUER: 'https://issuer.example/',
  JWT_AUDIENCE: 'kontor',
  JWKS_URL: 'https://issuer.example/.well-known/jwks.json',
  KONTOR_SILENT: '1',
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number): number => Math.round(x * 10) / 10;

/** Builds one entry of the checkout at `root` into `outdir`/index.mjs; its size in bytes. */
async function bundle(root: string, entry: string, outdir: string): Promise<number> {
  const outfile = join(outdir, 'index.mjs');
  const options = esbuildOptions(join(root, entry), outfile);
  await build({ ...options, tsconfig: join(root, 'tsconfig.json'), absWorkingDir: root, logLevel: 'error' });
  return statSync(outfile).size;
}

function initTimes(file: string, runs: number): { wall: number[]; cpu: number[] } {
  const script =
    'const c=process.cpuUsage();const t=performance.now();' +
    `await import(${JSON.stringify(pathToFileURL(file).href)});` +
    'const u=process.cpuUsage(c);process.stdout.write(JSON.stringify([performance.now()-t,(u.user+u.system)/1000]));';
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: ENV, encoding: 'utf8' });
    const [w, c] = JSON.parse(out) as [number, number];
    wall.push(w);
    cpu.push(c);
  }
  return { wall, cpu };
}

function figures(bytes: number, file: string, runs: number): BundleFigures {
  const { wall, cpu } = initTimes(file, runs);
  return {
    bytes,
    initWallMs: { min: round(Math.min(...wall)), median: round(median(wall)) },
    initCpuMs: { min: round(Math.min(...cpu)), median: round(median(cpu)) },
  };
}

const git = (...args: string[]): string => execFileSync('git', args, { cwd: REPO, encoding: 'utf8' }).trim();

export async function measureBundles(opts: { quick: boolean; log: (m: string) => void; ref?: string }): Promise<BundleReport> {
  const runs = opts.quick ? 5 : 15;
  const work = mkdtempSync(join(tmpdir(), 'kontor-bundles-'));
  try {
    const empty = join(work, 'empty.mjs');
    writeFileSync(empty, 'export {};\n');
    const floor = initTimes(empty, runs);

    // The previous commit, in a worktree of its own that shares node_modules.
    const refName = opts.ref ?? process.env.BENCH_BUNDLES_REF ?? 'HEAD~1';
    let ref: BundleReport['ref'] = null;
    const before = join(work, 'before');
    try {
      const commit = git('rev-parse', '--verify', `${refName}^{commit}`);
      git('worktree', 'add', '--detach', before, commit);
      symlinkSync(join(REPO, 'node_modules'), join(before, 'node_modules'));
      ref = { name: refName, commit };
    } catch (e) {
      opts.log(`bundles: no previous commit to compare with (${(e as Error).message.split('\n')[0]})`);
    }

    const report: BundleReport = {
      date: new Date().toISOString(),
      machine: { cpu: cpuModel(), cores: cpus().length, node: process.version, loadAverage1m: round(loadavg()[0]!) },
      runs,
      emptyModule: {
        min: round(Math.min(...floor.wall)),
        median: round(median(floor.wall)),
        cpuMin: round(Math.min(...floor.cpu)),
        cpuMedian: round(median(floor.cpu)),
      },
      ref,
      bundles: {},
    };
    for (const [name, entry] of Object.entries(ENTRIES)) {
      opts.log(`bundles: ${name}`);
      const outNow = join(work, 'now', name);
      mkdirSync(outNow, { recursive: true });
      const now = figures(await bundle(REPO, entry, outNow), join(outNow, 'index.mjs'), runs);
      let was: BundleFigures | undefined;
      if (ref && existsSync(join(before, entry))) {
        const outBefore = join(work, 'was', name);
        mkdirSync(outBefore, { recursive: true });
        try {
          was = figures(await bundle(before, entry, outBefore), join(outBefore, 'index.mjs'), runs);
        } catch (e) {
          opts.log(`bundles: ${name} at ${ref.name} does not build here (${(e as Error).message.split('\n')[0]})`);
        }
      }
      report.bundles[name] = { now, before: was, budgetBytes: bundleBudgetBytes(name) };
    }
    if (ref) git('worktree', 'remove', '--force', before);
    return report;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}


function cpuModel(): string {
  try {
    return /^Model name:\s*(.+)$/m.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? 'unknown CPU';
  } catch {
    return 'unknown CPU';
  }
}

const kb = (b: number): string => `${(b / 1024).toFixed(0)} KB`;
const ms = (m: number): string => `${m.toFixed(1)}`;

export function renderBundles(r: BundleReport): string {
  const refNote = r.ref ? `before = ${r.ref.name} (${r.ref.commit.slice(0, 7)})` : 'no previous commit measured';
  const lines = [
    '### Bundles and cold start',
    '',
    `${r.runs} fresh-process imports per bundle; ${refNote}. Machine: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, ` +
      `load average ${r.machine.loadAverage1m} during the run. Importing an empty module the same way: wall min ${ms(r.emptyModule.min)} ms, ` +
      `CPU min ${ms(r.emptyModule.cpuMin)} ms (the floor, included in every figure below).`,
    '',
    '| bundle | size before | size now | budget | init wall min / median before (ms) | now | init CPU min / median before (ms) | now |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const [name, b] of Object.entries(r.bundles)) {
    const pair = (f: BundleFigures['initWallMs'] | undefined) => (f ? `${ms(f.min)} / ${ms(f.median)}` : '–');
    lines.push(
      `| ${name} | ${b.before ? kb(b.before.bytes) : '–'} | ${kb(b.now.bytes)} | ${kb(b.budgetBytes)} | ${pair(b.before?.initWallMs)} | ${pair(b.now.initWallMs)} | ` +
        `${pair(b.before?.initCpuMs)} | ${pair(b.now.initCpuMs)} |`,
    );
  }
  return lines.join('\n');
}

/** `npm run bench`'s part: measure, print, keep the JSON, and with --write update the docs. */
export async function benchBundles(opts: { quick: boolean; write: boolean; log: (m: string) => void }): Promise<void> {
  const report = await measureBundles(opts);
  mkdirSync(join(REPO, 'bench/results'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  const text = renderBundles(report);
  console.log(text);
  if (opts.write) {
    const path = join(REPO, 'docs/benchmarks.md');
    const doc = readFileSync(path, 'utf8');
    const start = '<!-- bench:bundles:start (generated by `npm run bench -- --write`) -->';
    const end = '<!-- bench:bundles:end -->';
    const i = doc.indexOf(start);
    const j = doc.indexOf(end);
    if (i < 0 || j < i) throw new Error('docs/benchmarks.md has no bench:bundles markers');
    writeFileSync(path, `${doc.slice(0, i + start.length)}\n${text}\n${doc.slice(j)}`);
    opts.log('docs/benchmarks.md: bundles section updated');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = new Set(process.argv.slice(2));
  await benchBundles({ quick: args.has('--quick'), write: args.has('--write'), log: (m) => process.stderr.write(`${m}\n`) });
}
