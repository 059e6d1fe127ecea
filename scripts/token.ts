import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { demoUserByEmail } from './local/demo.js';
import { createIssuer, loadSigningKey } from './local/issuer.js';
import { ROOT } from './local/runtime.js';

/*
 * `npm run token -- --user EMAIL`: a token from the local issuer, alone on standard output.
 * A demo user gets their seeded identity; any other address gets the subject
 * `local|<email>` with a verified e-mail, so invitations to new people can be accepted.
 */
const { values } = parseArgs({
  options: {
    user: { type: 'string' },
    sub: { type: 'string' },
    unverified: { type: 'boolean', default: false },
    expires: { type: 'string', default: '24h' },
  },
});
const email = z.email().safeParse(values.user?.toLowerCase());
if (!email.success) {
  console.error('usage: npm run token -- --user EMAIL [--sub SUBJECT] [--unverified] [--expires 24h]');
  process.exit(2);
}
const demo = demoUserByEmail(email.data);
const dataDir = process.env.KONTOR_DATA_DIR || join(ROOT, '.kontor');
const issuer = await createIssuer(await loadSigningKey(join(dataDir, 'signing-key.json')));
process.stdout.write(
  `${await issuer.sign(
    { sub: values.sub ?? demo?.userId ?? `local|${email.data}`, email: email.data, emailVerified: !values.unverified, name: demo?.name },
    { expiresIn: values.expires },
  )}\n`,
);
