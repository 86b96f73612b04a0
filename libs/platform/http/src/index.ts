// HTTP conventions every API shares: the catalogue of problem types, the domain errors that
// name them, the RFC 9457 problem+json answers and their OpenAPI description.
export { Problems, PROBLEM_TYPE_URIS } from './problem-catalogue';
export { DomainError, type FieldError, Forbidden, Unauthenticated, ValidationFailed } from './domain-error';
export { PROBLEM_CONTENT_TYPE, problemBody, rawProblemResponse, toProblem } from './problem-details';
export { ProblemDetailsFilter } from './problem-details.filter';
export { ApiProblems, documentCommonProblems, ProblemDetailsView } from './problem-details.openapi';
export { bodyShapeProblems } from './body-shape';
export { upstreamPath } from './upstream-path';
