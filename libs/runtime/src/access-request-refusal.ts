import { BadRequestException, UnprocessableEntityException } from '@nestjs/common';

/** An access request's refusal, as the admin API words them: 400, or 422 with every problem. */
export function accessRequestRefusal(query: { status: 400 | 422; problems: string[] }): Error {
  if (query.status === 400) return new BadRequestException(query.problems[0]);
  return new UnprocessableEntityException({
    statusCode: 422,
    error: 'Unprocessable Entity',
    message: 'invalid access request',
    problems: query.problems,
  });
}
