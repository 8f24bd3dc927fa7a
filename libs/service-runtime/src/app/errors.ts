import type { FastifyError, FastifyReply, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { Problem } from '@smart-expertise/contracts';
import { HttpProblem, commonProblems } from '../problems.ts';
import { validationErrors, type ValidationIssue } from './validation.ts';

/**
 * fastify's `frameworkErrors`. Errors the router raises before any hook runs (a malformed URL, an
 * id over maxParamLength): problem+json like every other refusal (the hostile-input campaign found
 * plain JSON 414s).
 */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (error, request, untypedReply) => {
  const reply = untypedReply as unknown as FastifyReply;
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void reply
    .code(status)
    .header('x-content-type-options', 'nosniff')
    .header('x-request-id', request.id)
    .type('application/problem+json')
    .send({
      type: `https://smart-expertise.example/problems/${(error.code ?? 'bad_request').toLowerCase()}`,
      title: status === 414 ? 'URI too long' : 'Bad request',
      status,
      code: (error.code ?? 'bad_request').toLowerCase(),
      detail: error.message,
      requestId: request.id,
    });
};

/**
 * Every refusal and failure as application/problem+json (RFC 9457), unknown routes included, and
 * the Problem schema routes refer to in their responses.
 */
export const errorHandlers = fp(
  async (app) => {
    app.addSchema(Problem);

    app.setErrorHandler((error: FastifyError | HttpProblem, request, reply) => {
      let problem: HttpProblem;
      if (error instanceof HttpProblem) problem = error;
      else if ((error as FastifyError).validation) {
        const fe = error as FastifyError;
        const errors = validationErrors(fe.validation as ValidationIssue[], fe.validationContext ?? 'body');
        problem = commonProblems.validationFailed(errors.map((e) => `${e.path} ${e.message}`).join('; '), { errors });
      } else if ((error as FastifyError).statusCode === 429) problem = commonProblems.rateLimited(error.message);
      else if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') problem = commonProblems.payloadTooLarge(error.message);
      else if ((error as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') problem = commonProblems.unsupportedMediaType(error.message);
      else if ((error as FastifyError).statusCode && (error as FastifyError).statusCode! < 500) {
        const fe = error as FastifyError;
        problem = new HttpProblem(fe.statusCode!, (fe.code ?? 'bad_request').toLowerCase(), 'Bad request', fe.message);
      } else {
        request.log.error({ err: error }, 'unhandled error');
        problem = commonProblems.internal('An unexpected error occurred; it has been logged with this request id.');
      }
      if (problem.status === 503) reply.header('retry-after', '5');
      void reply
        .code(problem.status)
        .type('application/problem+json')
        .send({
          type: `https://smart-expertise.example/problems/${problem.code}`,
          title: problem.title,
          status: problem.status,
          code: problem.code,
          detail: problem.detail,
          instance: request.url,
          requestId: request.id,
          ...(problem.errors ? { errors: problem.errors } : {}),
          ...problem.extra,
        });
    });

    app.setNotFoundHandler((request, reply) => {
      void reply.code(404).type('application/problem+json').send({
        type: 'https://smart-expertise.example/problems/not_found',
        title: 'Not found',
        status: 404,
        code: 'not_found',
        detail: `no route ${request.method} ${request.url.split('?')[0]}`,
        requestId: request.id,
      });
    });
  },
  { name: 'service-runtime.errors' },
);
