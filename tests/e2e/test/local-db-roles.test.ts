// The pure parts of the services' PostgreSQL roles (scripts/local-db-roles.ts): names, passwords,
// URLs. database-roles.e2e.test.ts checks the roles themselves on the real server.
import { createHmac } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '@smart-expertise/contracts';
import { rolePassword, roleUrl, serviceDatabaseUrl, serviceRole } from '../../../scripts/local-db-roles.ts';

const STACK = 'postgres://postgres:postgres@127.0.0.1:46589/smart_expertise';

describe('local PostgreSQL roles', () => {
  it('names each role as Kubernetes does (k8s/base/platform/postgres.yaml)', () => {
    expect(SERVICE_NAMES.map(serviceRole)).toEqual(['mission_intake', 'quote', 'expert_review', 'expiry_scheduler', 'integrations']);
  });

  it('derives a password that is the same on every launch, distinct per role, keyed by the superuser password only', () => {
    // Pinned: a launcher that derived it differently would lock the others' services out.
    expect(rolePassword(STACK, 'quote')).toBe('zUbpB10o3tue2kPjaOyDq8UggF3UKYcbCtmV4Xoux6A');
    expect(rolePassword('postgres://admin:postgres@db.example:5432/other', 'quote')).toBe(rolePassword(STACK, 'quote'));
    expect(rolePassword('postgres://postgres:another@127.0.0.1:46589/smart_expertise', 'quote')).not.toBe(rolePassword(STACK, 'quote'));
    const passwords = SERVICE_NAMES.map((name) => rolePassword(STACK, serviceRole(name)));
    expect(new Set(passwords).size).toBe(SERVICE_NAMES.length);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("builds a role's URL that keeps host, port, database and parameters, and escapes the password as pg reads it", () => {
    const superuser = 'postgres://postgres:s%40cret@db.example:6543/smart?application_name=x';
    const password = 'p@ss:w/o%rd#?&=+ é';
    const parsed = new pg.Client({ connectionString: roleUrl(superuser, 'quote', password) });
    expect({ user: parsed.user, password: parsed.password, host: parsed.host, port: parsed.port, database: parsed.database }).toEqual({
      user: 'quote',
      password,
      host: 'db.example',
      port: 6543,
      database: 'smart',
    });
    expect(new URL(roleUrl(superuser, 'quote', password)).searchParams.get('application_name')).toBe('x');
    // base64url of HMAC-SHA256 over `pg-role:<role>`, keyed by the superuser's password decoded (`s%40cret` is `s@cret`).
    expect(rolePassword(superuser, 'quote')).toBe(createHmac('sha256', 's@cret').update('pg-role:quote').digest('base64url'));
    expect(serviceDatabaseUrl(STACK, 'expert-review')).toBe(`postgres://expert_review:${rolePassword(STACK, 'expert_review')}@127.0.0.1:46589/smart_expertise`);
  });
});
