export { LOCAL_AUDIENCE, LOCAL_ISSUER, type LocalIssuer, openLocalIssuer, type TokenRequest } from './local-issuer.js';
export { type AuthOptions, authPlugin } from './plugin.js';
export {
  type AccessTable,
  type Caller,
  decideAccess,
  type Principal,
  ROLES,
  type Role,
  rolesFromClaims,
} from './roles.js';
export { customerFor, ownedOrNotFound } from './scope.js';
export { type AuthConfig, authSettings, jwtOptionsOf } from './settings.js';
export { createTokenVerifier, type JwtOptions, type KeySource, TokenRejected, type TokenVerifier } from './verifier.js';
