// Tokens of every kind the matrix sends: valid, expired, signed with another key, `alg: none`,
// with bad claims, and garbage.
import { signToken, type Principal } from '@smart-expertise/service-runtime';
import { token } from '@smart-expertise/service-runtime/testing';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export type TokenKind = 'valid' | 'expired' | 'otherKey' | 'algNone' | 'badClaims';
export const INVALID_TOKEN_KINDS: TokenKind[] = ['expired', 'otherKey', 'algNone', 'badClaims'];

export async function tokenOf(kind: TokenKind, principal: Principal): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  switch (kind) {
    case 'valid':
      return token(principal);
    case 'expired':
      // An hour past, far beyond the 5 s clock tolerance.
      return token(principal, { expiresIn: now - 3600 });
    case 'otherKey':
      return signToken('another-key-of-at-least-thirty-two-characters', principal);
    case 'algNone':
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...principal, iat: now, exp: now + 3600 })}.`;
    case 'badClaims':
      // Signed with the right key, but the role is not one of ours.
      return token({ ...principal, role: 'admin' as Principal['role'] });
  }
}

/** Authorization headers that are not a bearer token at all. */
export const GARBAGE_AUTHORIZATIONS = ['Bearer', 'Bearer not-a-jwt', 'Basic dXNlcjpwYXNz', 'Bearer a.b.c', `Bearer ${'x'.repeat(10_000)}`, 'Bearer ../../etc/passwd'];
