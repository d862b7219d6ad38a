/** One problem with a request: where it is and what is wrong. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

/**
 * An error the client can act on. Handlers throw these; the HTTP wrapper maps
 * them to a status and a body, and maps anything else to a bare 500 that
 * carries no details of the failure.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: readonly Problem[] = [],
  ) {
    super(message);
    this.name = code;
  }
}

export class ValidationError extends AppError {
  constructor(problems: readonly Problem[]) {
    super(400, 'ValidationError', 'The request is not valid', problems);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'NotFound', `${what} was not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, 'Conflict', message);
  }
}

export class UnprocessableError extends AppError {
  constructor(message: string) {
    super(422, 'Unprocessable', message);
  }
}
