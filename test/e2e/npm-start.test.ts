import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local/dynamodb.js';
import { DEMO_MAIN_ACCOUNT_ID } from '../../scripts/local/demo.js';
import { ROOT } from '../../scripts/local/runtime.js';

/*
 * `npm start` and `npm run token` as a user runs them: the real scripts in child processes,
 * on a data directory of their own. The curl commands start-up prints are run as printed.
 */
const run = promisify(execFile);
const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
const dataDir = mkdtempSync(join(tmpdir(), 'kontor-start-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  output: string;
  url: string;
  curls: string[];
  tokenOf: (email: string) => string;
}

async function start(port: number, ...flags: string[]): Promise<Started> {
  const child = spawn(tsx, ['scripts/start.ts', '--quiet', ...flags], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), KONTOR_DATA_DIR: dataDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  let errors = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up: ${output}${errors}`)), 90_000);
    const check = () => {
      // The banner ends with the third curl command.
      if ((output.match(/^\s*curl /gm) ?? []).length >= 3) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${errors}`)));
  });
  const tokenOf = (email: string) => {
    const m = new RegExp(`${email.replace('.', '\\.')}[^\\n]*\\n\\s+(\\S+)`).exec(output);
    if (!m) throw new Error(`no token printed for ${email}`);
    return m[1]!;
  };
  return {
    child,
    output,
    url: `http://localhost:${port}`,
    curls: output.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('curl ')),
    tokenOf,
  };
}

async function stop(s: Started): Promise<void> {
  if (s.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    s.child.once('exit', () => resolve());
    s.child.kill('SIGINT');
  });
}

describe('npm start and npm run token', () => {
  it('serves the seeded API, prints curl commands that work, keeps data across restarts and resets it on --reset', async () => {
    const port = await freePort();
    const first = await start(port);
    expect(first.output).toContain(`Kontor is running on ${first.url}`);

    // Every printed curl command works as pasted: JSON out, never a problem document.
    expect(first.curls).toHaveLength(3);
    const answers = await Promise.all(first.curls.map(async (c) => JSON.parse((await run('bash', ['-c', `${c} --fail-with-body`])).stdout)));
    expect(answers[0]).toEqual({ status: 'ok' });
    expect(answers[1]).toMatchObject({ userId: 'demo-owner', email: 'owner@demo.kontor.dev' });
    expect(answers[2]).toMatchObject({ items: expect.any(Array) });

    const manager = first.tokenOf('manager@demo.kontor.dev');
    const created = await fetch(`${first.url}/accounts/${DEMO_MAIN_ACCOUNT_ID}/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${manager}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Kept Across Restarts Ltd' }),
    });
    expect(created.status).toBe(201);
    await stop(first);

    const clientNames = async (url: string, token: string) => {
      const res = await fetch(`${url}/accounts/${DEMO_MAIN_ACCOUNT_ID}/clients?limit=200`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: Array<{ name: string }> }).items.map((c) => c.name);
    };

    // Restarted on the same data: the client is still there and the old token still verifies.
    const second = await start(port);
    expect(await clientNames(second.url, manager)).toContain('Kept Across Restarts Ltd');

    // `npm run token` prints one token alone on standard output, from the same key.
    const { stdout } = await run(tsx, ['scripts/token.ts', '--user', 'accountant@demo.kontor.dev'], {
      cwd: ROOT,
      env: { ...process.env, KONTOR_DATA_DIR: dataDir },
    });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const me = await fetch(`${second.url}/me`, { headers: { authorization: `Bearer ${stdout.trim()}` } });
    expect(((await me.json()) as { userId: string }).userId).toBe('demo-accountant');
    await stop(second);

    // --reset wipes the data, reseeds the demo organization, and keeps the signing key.
    const third = await start(port, '--reset');
    expect(await clientNames(third.url, manager)).not.toContain('Kept Across Restarts Ltd');
    await stop(third);
  }, 240_000);
});
