import { BadRequestException, HttpException, UnprocessableEntityException } from '@nestjs/common';

/** The admin API's 422: `message` says what was refused, `problems` names every problem. */
export function unprocessable(message: string, problems: string[]): UnprocessableEntityException {
  return new UnprocessableEntityException({ statusCode: 422, error: 'Unprocessable Entity', message, problems });
}

/**
 * A body or query refused as the admin API words it: 400 with its one problem (not an object,
 * a parameter given twice), or 422 naming every problem.
 */
export function inputRefusal(what: string, refused: { status: 400 | 422; problems: string[] }): HttpException {
  return refused.status === 400 ? new BadRequestException(refused.problems[0]) : unprocessable(what, refused.problems);
}
