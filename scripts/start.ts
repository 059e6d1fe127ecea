import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { DEMO_MAIN_ACCOUNT_ID, DEMO_USERS } from './local/demo.js';
import { JavaMissing } from './local/dynamodb.js';
import { ROOT, startRuntime } from './local/runtime.js';

/*
 * `npm start`: the whole API on this machine. See README.md and docs/local-runtime.md.
 */
const { values: flags } = parseArgs({
  options: {
    'in-memory': { type: 'boolean', default: false },
    reset: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

const env = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('127.0.0.1'),
    DYNAMODB_ENDPOINT: z.url().optional(),
    AUTHORIZER_CACHE_TTL: z.coerce.number().int().min(0).max(3600).default(60),
    TABLE_NAME: z.string().min(3).default('kontor-local'),
    KONTOR_DATA_DIR: z.string().min(1).optional(),
    // The Allegro poller's timer (the stack runs it every 5 minutes); 0 turns it off.
    ALLEGRO_POLL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  })
  .safeParse(process.env);
if (!env.success) {
  console.error(`Invalid environment: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(1);
}
const config = env.data;
const dataDir = config.KONTOR_DATA_DIR ?? join(ROOT, '.kontor');

let runtime;
try {
  runtime = await startRuntime({
    port: config.PORT,
    host: config.HOST,
    dataDir: flags['in-memory'] ? undefined : join(dataDir, 'dynamodb'),
    dynamodbEndpoint: config.DYNAMODB_ENDPOINT,
    keyFile: join(dataDir, 'signing-key.json'),
    tableName: config.TABLE_NAME,
    cacheTtlSeconds: config.AUTHORIZER_CACHE_TTL,
    reset: flags.reset,
    allegroPollSeconds: config.ALLEGRO_POLL_SECONDS,
    log: flags.quiet ? undefined : (line) => console.log(JSON.stringify(line)),
  });
} catch (e) {
  if (e instanceof JavaMissing) {
    console.error(e.message);
    process.exit(1);
  }
  if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`Port ${config.PORT} is in use. Start on another one: PORT=4000 npm start`);
    process.exit(1);
  }
  throw e;
}

const tokens = await Promise.all(
  DEMO_USERS.map(async (u) => ({ ...u, token: await runtime.issuer.sign({ sub: u.userId, email: u.email, name: u.name }) })),
);
const owner = tokens.find((t) => t.role === 'owner')!;
const manager = tokens.find((t) => t.email === 'manager@demo.kontor.dev')!;
const url = runtime.url;

console.log(`
Kontor is running on ${url}
  DynamoDB:   ${runtime.dynamodbEndpoint} (table ${runtime.tableName}${flags['in-memory'] ? ', in memory' : config.DYNAMODB_ENDPOINT ? '' : `, data in ${dataDir}`})
  Issuer:     ${runtime.issuer.issuer} (JWKS at ${url}/.well-known/jwks.json)
  Authorizer: result cache ${config.AUTHORIZER_CACHE_TTL} s per (Authorization header, path)
  Demo organization: main account ${DEMO_MAIN_ACCOUNT_ID}${runtime.seeded ? ` (seeded ${runtime.seeded} items)` : ''}

Access explorer: ${url}/explorer (pick a demo user; the Owner sees everything)
API reference:   ${url}/docs

Demo users and their tokens (valid 24 h; a fresh one: npm run token -- --user EMAIL):
${tokens.map((t) => `  ${t.email.padEnd(28)} ${t.role.padEnd(10)} ${t.accountId === DEMO_MAIN_ACCOUNT_ID ? 'main account' : `sub-account ${t.accountId}`}\n    ${t.token}`).join('\n')}

Try:
  curl -s ${url}/health

  curl -s ${url}/me -H "Authorization: Bearer ${owner.token}"

  curl -s ${url}/accounts/${DEMO_MAIN_ACCOUNT_ID}/invoices -H "Authorization: Bearer ${manager.token}"
`);

const shutdown = async () => {
  await runtime.stop();
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
