import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { type Principal, rolesFromClaims } from './roles.js';

/** Where the keys that sign accepted tokens come from: an issuer's JWKS, or one PEM public key. */
export type KeySource = { jwksUrl: URL; cooldownMs: number; cacheMaxAgeMs: number } | { publicKeyFile: string };

export interface JwtOptions {
  issuer: string;
  audience: string;
  /** Allowed `alg` values; anything else (`none`, HS256 with a public key as secret) is refused. */
  algorithms: string[];
  clockToleranceSeconds: number;
  /** Claim holding the roles, dotted for nested claims (`realm_access.roles`). */
  rolesClaim: string;
  keys: KeySource;
}

/** A token was refused; the message says why and is safe to show the caller (RFC 6750 error_description). */
export class TokenRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRejected';
  }
}

export type TokenVerifier = (token: string) => Promise<Principal>;

/**
 * Verifies bearer JWTs: signature by a key of the source (a JWKS is cached and fetched again
 * when a token names an unknown `kid`, at most once per cooldown, so a rotated key is accepted
 * as soon as the issuer publishes it), `alg` in the allowlist, `iss`, `aud`, `exp`/`nbf` with
 * the clock tolerance, and a `sub`.
 */
export async function createTokenVerifier(options: JwtOptions): Promise<TokenVerifier> {
  const key = await keyOf(options.keys);
  return async (token) => {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: options.algorithms,
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw new TokenRejected(reasonOf(error));
    }
    return { subject: String(payload.sub), roles: new Set(rolesFromClaims(payload, options.rolesClaim)) };
  };
}

async function keyOf(source: KeySource): Promise<JWTVerifyGetKey | KeyObject> {
  if ('jwksUrl' in source) {
    return createRemoteJWKSet(source.jwksUrl, {
      cooldownDuration: source.cooldownMs,
      cacheMaxAge: source.cacheMaxAgeMs,
    });
  }
  const pem = await readFile(source.publicKeyFile, 'utf8').catch((error: Error) => {
    throw new Error(`AUTH_PUBLIC_KEY_FILE ${source.publicKeyFile} cannot be read: ${error.message}`);
  });
  try {
    return createPublicKey(pem);
  } catch (error) {
    throw new Error(
      `AUTH_PUBLIC_KEY_FILE ${source.publicKeyFile} is not a PEM public key: ${(error as Error).message}`,
    );
  }
}

/** What went wrong, in words for the caller; never the token or key material. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `the token's ${error.claim} claim is not accepted here (${error.reason === 'missing' ? 'missing' : 'wrong value'})`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's signing algorithm is not allowed";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token is signed by a key the issuer does not publish';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return "the issuer's signing keys could not be fetched";
  }
  if (error instanceof errors.JOSEError) return 'the token is malformed';
  return 'the token could not be verified';
}
