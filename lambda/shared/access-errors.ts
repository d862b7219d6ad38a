import { AppError } from './errors';

/** No usable identity on the request (the authorizer should have refused it): 401. */
export class UnauthorizedError extends AppError {
  constructor() {
    super(401, 'Unauthorized', 'Sign in to call this route');
  }
}

/** A known caller that may not do this: 403. (Others' orders answer 404 instead: see domain/access.ts.) */
export class ForbiddenError extends AppError {
  constructor(message = 'You may not do this') {
    super(403, 'Forbidden', message);
  }
}
