/**
 * Marks a plugin so Fastify does not encapsulate it: its hooks, handlers and decorators land
 * on the parent (the root app). This is exactly what `fastify-plugin` does; it is inlined
 * because the kit does not declare `fastify-plugin` as a dependency, and the whole of it is
 * two well-known symbols.
 */
export function rootPlugin<T extends object>(plugin: T, name: string): T {
  return Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: name,
  });
}
