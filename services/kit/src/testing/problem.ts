import { expect } from 'vitest';

/** What `app.inject` answers, as far as a problem check needs it. */
export interface InjectedResponse {
  statusCode: number;
  headers: Record<string, unknown>;
  json(): unknown;
}

/** Asserts an RFC 9457 problem with `status`, naming each of `fields` (JSON pointers) in `errors`. */
export function expectProblem(res: InjectedResponse, status: number, fields: string[] = [], context = ''): void {
  expect(res.statusCode, context).toBe(status);
  expect(String(res.headers['content-type']), context).toMatch(/^application\/problem\+json/);
  const problem = res.json() as { status: number; errors?: Array<{ field: string }> };
  expect(problem.status, context).toBe(status);
  for (const field of fields)
    expect(
      problem.errors?.map((e) => e.field),
      context,
    ).toContain(field);
}
