import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
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

export function createAuthenticator(options: { secret?: string; jwksUrl?: string; issuer?: string; audience?: string }): Authenticator {
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: 5,
  };
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (options.jwksUrl) {
    key = createRemoteJWKSet(new URL(options.jwksUrl));
    algorithms = ['RS256', 'ES256', 'PS256', 'EdDSA'];
  } else if (options.secret) {
    key = new TextEncoder().encode(options.secret);
    algorithms = ['HS256'];
  } else {
    throw new Error('authentication needs a JWKS URL or a secret');
  }
  return {
    async verify(token) {
      let payload: unknown;
      try {
        // jose refuses `alg: none` and any algorithm outside the list.
        ({ payload } = await jwtVerify(token, key as Uint8Array, { ...verifyOptions, algorithms, requiredClaims: ['exp'] }));
      } catch (error) {
        throw new AuthError(`invalid token: ${(error as Error).message}`);
      }
      if (!checkClaims.Check(payload)) throw new AuthError('invalid token: role and org claims are required');
      const claims = payload as Principal;
      if (claims.role === 'expert' && (!claims.name || !claims.phone)) {
        throw new AuthError('invalid token: an expert token carries name and phone');
      }
      return { role: claims.role, org: claims.org, name: claims.name, phone: claims.phone, sub: claims.sub };
    },
  };
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
