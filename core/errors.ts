// Errors that cross a boundary carry a stable code, a message a person can act on, the HTTP status
// and, for validation errors, the offending field.
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const conflict = (message: string, field?: string) => new AppError(409, 'conflict', message, field);
export const badRequest = (message: string, field?: string) => new AppError(400, 'invalid', message, field);
export const forbidden = (message = 'your role does not allow this') => new AppError(403, 'forbidden', message);
