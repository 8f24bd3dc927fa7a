// Prints a bearer token for local use: npm run token -- --role garage --org G1 [--name .. --phone ..]
// [--issuer .. --audience ..]: the iss and aud a stack running under NODE_ENV=production checks
// (docker-compose: smart-expertise-local, smart-expertise-api); JWT_ISSUER / JWT_AUDIENCE by default.
import { parseArgs } from 'node:util';
import { signToken, Roles, type Role } from '@smart-expertise/service-runtime';
import { localJwtSecret } from './local-env.ts';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    org: { type: 'string' },
    name: { type: 'string' },
    phone: { type: 'string' },
    ttl: { type: 'string', default: '12h' },
    issuer: { type: 'string', default: process.env.JWT_ISSUER },
    audience: { type: 'string', default: process.env.JWT_AUDIENCE },
  },
});
if (!values.role || !Roles.includes(values.role as Role) || !values.org) {
  console.error(`usage: npm run token -- --role ${Roles.join('|')} --org ORG [--name NAME --phone PHONE] [--ttl 12h] [--issuer ISS --audience AUD]`);
  process.exit(2);
}
const secret = localJwtSecret();
console.log(
  await signToken(secret, { role: values.role as Role, org: values.org, name: values.name, phone: values.phone }, { expiresIn: values.ttl, issuer: values.issuer, audience: values.audience }),
);
