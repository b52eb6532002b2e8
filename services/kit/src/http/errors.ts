/** One bad input field: `field` is a JSON pointer into the request part named by `in`. */
export interface FieldError {
  field: string;
  message: string;
  in?: 'body' | 'querystring' | 'params' | 'headers';
}

/**
 * An error that already knows its RFC 9457 shape. Services throw the subclasses below; the
 * problem plugin turns any HttpProblem into an `application/problem+json` response as is,
 * so its detail must be safe to show to the caller.
 */
export class HttpProblem extends Error {
  readonly status: number;
  readonly detail: string;
  readonly type: string;
  readonly errors: FieldError[] | undefined;

  constructor(status: number, detail: string, options: { type?: string; errors?: FieldError[] } = {}) {
    super(detail);
    this.name = new.target.name;
    this.status = status;
    this.detail = detail;
    this.type = options.type ?? 'about:blank';
    this.errors = options.errors;
  }
}

/** 404: the id in the URL names nothing. */
export class NotFoundError extends HttpProblem {
  constructor(detail: string) {
    super(404, detail);
  }
}

/** 409: the request is well-formed but conflicts with the current state (e.g. an illegal transition). */
export class ConflictError extends HttpProblem {
  constructor(detail: string) {
    super(409, detail);
  }
}

/** 400: bad input the JSON Schema could not catch (cross-field rules), optionally naming fields. */
export class BadRequestError extends HttpProblem {
  constructor(detail: string, errors?: FieldError[]) {
    super(400, detail, errors ? { errors } : {});
  }
}
