import {
  type ConfigOf,
  type Env,
  int,
  list,
  oneOf,
  optional,
  requiredWhen,
  type Setting,
  str,
} from '../../config/parse.js';
import type { JwtOptions } from './verifier.js';

/** Asymmetric algorithms only: an HMAC secret would have to be shared with every service. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const withJwt = (env: Env) => (env.AUTH_MODE === 'off' ? undefined : 'unless AUTH_MODE=off');
const keysUnset = (env: Env) =>
  env.AUTH_MODE === 'off' || env.AUTH_PUBLIC_KEY_FILE
    ? undefined
    : 'unless AUTH_PUBLIC_KEY_FILE is set (or AUTH_MODE=off)';

function jwksUrl(): Setting<URL | undefined> {
  const raw = optional(
    'AUTH_JWKS_URL',
    "The issuer's JWKS (its OIDC discovery document's jwks_uri): keys are cached and fetched again when a token names an unknown kid. This or AUTH_PUBLIC_KEY_FILE",
  );
  return requiredWhen(
    {
      ...raw,
      parse(value, env) {
        if (value === undefined) return undefined;
        if (env.AUTH_PUBLIC_KEY_FILE) throw new Error('and AUTH_PUBLIC_KEY_FILE are both set: keep one');
        const url = URL.canParse(value) ? new URL(value) : undefined;
        if (!url || !['https:', 'http:'].includes(url.protocol)) throw new Error('must be an http(s) URL');
        return url;
      },
    },
    keysUnset,
  );
}

function algorithms(): Setting<string[]> {
  const raw = list('AUTH_ALGORITHMS', `Accepted signing algorithms, among ${ALGORITHMS.join(', ')}`, [
    'RS256',
    'PS256',
    'ES256',
    'EdDSA',
  ]);
  return {
    ...raw,
    parse(value, env) {
      const algs = raw.parse(value, env);
      const unknown = algs.filter((alg) => !(ALGORITHMS as readonly string[]).includes(alg));
      if (unknown.length > 0)
        throw new Error(`${unknown.join(', ')} not supported; choose among ${ALGORITHMS.join(', ')}`);
      return algs;
    },
  };
}

/** The API authentication settings every service shares (part of baseSettings). */
export function authSettings() {
  return {
    authMode: oneOf(
      'AUTH_MODE',
      'jwt: every API route needs a bearer JWT with a role its access table allows; off: no authentication at all (a warning at every start; tests and demos only)',
      ['jwt', 'off'],
      'jwt',
    ),
    authIssuer: requiredWhen(
      optional('AUTH_ISSUER', 'Accepted token issuer (`iss`), e.g. https://id.example.com/realms/shop'),
      withJwt,
    ),
    authAudience: requiredWhen(optional('AUTH_AUDIENCE', 'Accepted token audience (`aud`)'), withJwt),
    authJwksUrl: jwksUrl(),
    authPublicKeyFile: optional(
      'AUTH_PUBLIC_KEY_FILE',
      'PEM public key that signs accepted tokens (a mounted Secret; `npm start` generates one). This or AUTH_JWKS_URL',
    ),
    authAlgorithms: algorithms(),
    authClockToleranceS: int('AUTH_CLOCK_TOLERANCE_S', 'Clock skew allowed on exp and nbf, in seconds', 30, {
      min: 0,
      max: 300,
    }),
    authRolesClaim: str(
      'AUTH_ROLES_CLAIM',
      'Claim holding the roles (customer, support, admin, service): a list or a space-separated string; dotted for a nested claim, e.g. realm_access.roles',
      'roles',
    ),
    authJwksCooldownMs: int(
      'AUTH_JWKS_COOLDOWN_MS',
      'Least time between two fetches of the JWKS: a token naming an unknown kid fetches again only after it',
      30_000,
      { min: 0 },
    ),
    authJwksCacheMs: int(
      'AUTH_JWKS_CACHE_MS',
      'How long fetched JWKS keys are used before they are fetched again',
      600_000,
      { min: 1_000 },
    ),
  };
}

export type AuthConfig = ConfigOf<ReturnType<typeof authSettings>>;

/** The verifier's options from a parsed config (whose settings checked every required value), or undefined when auth is off. */
export function jwtOptionsOf(config: AuthConfig): JwtOptions | undefined {
  if (config.authMode === 'off') return undefined;
  return {
    issuer: config.authIssuer as string,
    audience: config.authAudience as string,
    algorithms: config.authAlgorithms,
    clockToleranceSeconds: config.authClockToleranceS,
    rolesClaim: config.authRolesClaim,
    keys: config.authJwksUrl
      ? { jwksUrl: config.authJwksUrl, cooldownMs: config.authJwksCooldownMs, cacheMaxAgeMs: config.authJwksCacheMs }
      : { publicKeyFile: config.authPublicKeyFile as string },
  };
}
