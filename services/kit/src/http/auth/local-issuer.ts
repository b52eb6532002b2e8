import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { Role } from './roles.js';

export const LOCAL_ISSUER = 'urn:ecom:local';
export const LOCAL_AUDIENCE = 'ecom';

export interface TokenRequest {
  sub: string;
  roles: readonly Role[];
  /** Default 1 hour; negative makes an expired token (tests). */
  ttlSeconds?: number;
  /** Other claims, or a different iss/aud than the services accept (tests). */
  claims?: Record<string, unknown>;
}

/**
 * A development token issuer: one Ed25519 key pair kept in a folder, the settings that make the
 * services trust it, and tokens signed with it. `npm start` and `npm run token` share one under
 * .local/auth; tests make their own. A real deployment uses its OIDC provider instead.
 */
export interface LocalIssuer {
  /** AUTH_* variables that make a service accept this issuer's tokens. */
  env: Record<string, string>;
  sign(request: TokenRequest): Promise<string>;
}

const PRIVATE = 'signing-key.pem';
const PUBLIC = 'public-key.pem';

/** Loads the key pair in `dir`, creating it (private key mode 0600) on first use. */
export async function openLocalIssuer(dir: string): Promise<LocalIssuer> {
  await mkdir(dir, { recursive: true });
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(await readFile(join(dir, PRIVATE), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    privateKey = generateKeyPairSync('ed25519').privateKey;
    await writeFile(join(dir, PRIVATE), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  const publicKeyFile = join(dir, PUBLIC);
  await writeFile(publicKeyFile, createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }));
  return {
    env: {
      AUTH_MODE: 'jwt',
      AUTH_ISSUER: LOCAL_ISSUER,
      AUTH_AUDIENCE: LOCAL_AUDIENCE,
      AUTH_PUBLIC_KEY_FILE: publicKeyFile,
    },
    sign: ({ sub, roles, ttlSeconds = 3600, claims = {} }) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ roles: [...roles], ...claims })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(typeof claims.iss === 'string' ? claims.iss : LOCAL_ISSUER)
        .setAudience(typeof claims.aud === 'string' ? claims.aud : LOCAL_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(privateKey);
    },
  };
}
