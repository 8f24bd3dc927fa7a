import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import Type from 'typebox';
import { Compile } from 'typebox/compile';

export const Roles = ['insurer', 'garage', 'expert', 'ops'] as const;
export type Role = (typeof Roles)[number];

/** Who is calling: one organisation, one role; experts also carry their name and phone. */
export interface Principal {
  role: Role;
  org: string;
  name?: string;
  phone?: string;
  sub?: string;
}

const Claims = Type.Object({
  role: Type.Union(Roles.map((r) => Type.Literal(r))),
  org: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  phone: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  sub: Type.Optional(Type.String()),
});
const checkClaims = Compile(Claims);

export class AuthError extends Error {
  override name = 'AuthError';
}

export interface Authenticator {
  verify(token: string): Promise<Principal>;
}

/** Tokens verified recently, so a client's next request with the same token skips the signature. */
const VERIFIED_TOKENS_MAX = 10_000;
/** At most this long in the cache, whatever the token's lifetime: a JWKS key rotation is seen within it. */
const VERIFIED_TOKEN_TTL_MS = 60_000;
const CLOCK_TOLERANCE_S = 5;

export function createAuthenticator(options: {
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** How soon an unknown key id may fetch the JWKS again (jose's cooldown; default 30 s): a rotated-in key is found then. */
  jwksCooldownMs?: number;
}): Authenticator {
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: CLOCK_TOLERANCE_S,
  };
  // Only tokens that passed every check are kept, keyed by the whole token (signature included),
  // each until the earlier of its expiry (as jose sees it, tolerance included) and the TTL.
  // A client sends the same token for many requests; checking its HMAC or RSA signature on
  // each was a tenth of mission-intake's CPU on the board (bench/notes.md).
  // The validity is checked here against Date.now(), the clock jose checks exp against.
  const verified = new LRUCache<string, { principal: Principal; validUntil: number }>({ max: VERIFIED_TOKENS_MAX });
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (options.jwksUrl) {
    key = createRemoteJWKSet(new URL(options.jwksUrl), options.jwksCooldownMs === undefined ? {} : { cooldownDuration: options.jwksCooldownMs });
    algorithms = ['RS256', 'ES256', 'PS256', 'EdDSA'];
  } else if (options.secret) {
    key = new TextEncoder().encode(options.secret);
    algorithms = ['HS256'];
  } else {
    throw new Error('authentication needs a JWKS URL or a secret');
  }
  return {
    async verify(token) {
      const known = verified.get(token);
      if (known && Date.now() < known.validUntil) return known.principal;
      const { principal, expiresAt } = await verifyAfresh(token);
      verified.set(token, { principal, validUntil: Math.min(Date.now() + VERIFIED_TOKEN_TTL_MS, (expiresAt + CLOCK_TOLERANCE_S) * 1000) });
      return principal;
    },
  };

  async function verifyAfresh(token: string): Promise<{ principal: Principal; expiresAt: number }> {
    let payload: unknown;
    try {
      // jose refuses `alg: none` and any algorithm outside the list.
      ({ payload } = await jwtVerify(token, key as Uint8Array, { ...verifyOptions, algorithms, requiredClaims: ['exp'] }));
    } catch (error) {
      throw new AuthError(`invalid token: ${(error as Error).message}`);
    }
    // jose has checked that exp is there, a number, and not past.
    const expiresAt = (payload as { exp: number }).exp;
    if (!checkClaims.Check(payload)) throw new AuthError('invalid token: role and org claims are required');
    const claims = payload as Principal;
    if (claims.role === 'expert' && (!claims.name || !claims.phone)) {
      throw new AuthError('invalid token: an expert token carries name and phone');
    }
    // Frozen: the same object answers every request made with this token.
    const principal = Object.freeze({ role: claims.role, org: claims.org, name: claims.name, phone: claims.phone, sub: claims.sub });
    return { principal, expiresAt };
  }
}

/** Signs an HS256 token for local use and tests. */
export async function signToken(
  secret: string,
  principal: Principal,
  { expiresIn = '12h', issuer, audience }: { expiresIn?: string | number; issuer?: string; audience?: string } = {},
): Promise<string> {
  let jwt = new SignJWT({ ...principal }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime(expiresIn);
  if (principal.sub) jwt = jwt.setSubject(principal.sub);
  if (issuer) jwt = jwt.setIssuer(issuer);
  if (audience) jwt = jwt.setAudience(audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
