/** The roles a token may carry (ARCHITECTURE section 10); any other value in the claim is ignored. */
export const ROLES = ['customer', 'support', 'admin', 'service'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Which roles may call which route, keyed `METHOD /route/:pattern` exactly as the route is
 * registered. Every API route must have a row (startup fails otherwise), so a new route is closed
 * until someone decides who may call it.
 */
export type AccessTable = Readonly<Record<string, readonly Role[]>>;

/** Who a verified token says the caller is. */
export interface Principal {
  subject: string;
  roles: ReadonlySet<Role>;
}

/** The caller of one request, as a route sees it after its access row allowed the call. */
export interface Caller extends Principal {
  /**
   * Set when the caller may use this route only as a customer: the route then acts on this
   * customer's own resources, whatever the body or query say. Unset: any customer's.
   */
  customerId: string | undefined;
}

/** Reads the roles from a claim that may be nested (`realm_access.roles`) and a list or a space-separated string. */
export function rolesFromClaims(claims: Record<string, unknown>, claimPath: string): Role[] {
  let value: unknown = claims;
  for (const part of claimPath.split('.')) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  const raw = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
  return ROLES.filter((role) => raw.includes(role));
}

/** The access decision for one request: the caller, or why not. */
export function decideAccess(principal: Principal, allowed: readonly Role[]): Caller | undefined {
  const granted = allowed.filter((role) => principal.roles.has(role));
  if (granted.length === 0) return undefined;
  const onlyAsCustomer = granted.every((role) => role === 'customer');
  return { ...principal, customerId: onlyAsCustomer ? principal.subject : undefined };
}
