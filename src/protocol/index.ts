/**
 * The AWS Query protocol, generic over the operation model: parse the form body, resolve the
 * operation, decode and validate its input, encode the XML result or error.
 *
 * The order a request goes through (the server adds authentication and authorization between
 * decoding and the handler):
 *   parseQueryParams(body) → resolveOperation(service, params) → decodeInput(service, op, params)
 *   → handler(input) → encodeResponse(service, op, output, requestId) | encodeError(error, requestId, ns)
 */
export { parseQueryParams, MAX_QUERY_PARAMETERS } from './query.js';
export { decodeInput, compilePattern, codePointLength } from './decode.js';
export { encodeResponse, encodeResult, responseDocument, encodeError, escapeXml, formatTimestamp } from './encode.js';
export { resolveOperation, decodeRequest } from './resolve.js';
export { SERVICES, SERVICE_NAMES, SHAPE_TYPES, serviceModel, serviceByApiVersion, loadModel } from './model.js';
export type {
  ServiceName,
  ServiceModel,
  ServiceMetadata,
  Operation,
  Shape,
  ShapeType,
  Member,
  StructureShape,
  ListShape,
  MapShape,
  StringShape,
  NumberShape,
  BooleanShape,
  TimestampShape,
  BlobShape,
  ModelJson,
  ShapeJson,
  OperationJson,
  MemberRefJson,
} from './model.js';
export * from './errors.js';
