/**
 * The operation model: operations, their input/output shapes and constraints, derived from the
 * botocore models by scripts/derive-model.mjs and committed as JSON in ./model. Loading links the
 * shapes into an object graph once, so decoding and encoding never look a shape up by name.
 */
import iamJson from './model/iam.json' with { type: 'json' };
import stsJson from './model/sts.json' with { type: 'json' };
import deployportJson from './model/deployport.json' with { type: 'json' };

/** The models this server speaks. A service of our own is one more JSON file and one more line here. */
const MODEL_FILES = {
  iam: iamJson,
  sts: stsJson,
  // Our own operations (accounts, workload tokens): signed for `iam`, told apart by their Version.
  deployport: deployportJson,
} satisfies Record<string, unknown>;

/** The name of a service whose model is loaded. */
export type ServiceName = keyof typeof MODEL_FILES;

/** Shape types of the Query protocol, as botocore spells them. */
export const SHAPE_TYPES = [
  'structure', 'list', 'map', 'string', 'integer', 'long', 'float', 'double', 'boolean', 'timestamp', 'blob',
] as const;
/** One of SHAPE_TYPES. */
export type ShapeType = (typeof SHAPE_TYPES)[number];

// ---- The JSON form, as the derive script writes it (and as a hand-written model must look). ----

/** A reference from a structure member, list member or map key/value to a shape, in JSON form. */
export interface MemberRefJson {
  readonly shape: string;
  readonly locationName?: string;
  readonly flattened?: boolean;
  readonly xmlAttribute?: boolean;
}

/** A shape in JSON form; which keys apply depends on `type`. */
export interface ShapeJson {
  readonly type: ShapeType;
  readonly required?: readonly string[];
  readonly members?: Readonly<Record<string, MemberRefJson>>;
  readonly member?: MemberRefJson;
  readonly key?: MemberRefJson;
  readonly value?: MemberRefJson;
  readonly flattened?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly box?: boolean;
  readonly sensitive?: boolean;
  readonly error?: { readonly code?: string; readonly httpStatusCode?: number; readonly senderFault?: boolean };
  readonly exception?: boolean;
}

/** An operation in JSON form. */
export interface OperationJson {
  readonly name: string;
  readonly input?: string;
  readonly output?: string;
  readonly resultWrapper?: string;
  readonly authtype?: 'none';
  /** The IAM action that authorizes the operation, when not `service:Operation` (hand-written models only). */
  readonly action?: string;
  readonly errors?: readonly string[];
}

/** What a service's model says about the service as a whole. */
export interface ServiceMetadata {
  readonly apiVersion: string;
  readonly endpointPrefix: string;
  readonly signingName: string;
  readonly protocol: string;
  readonly serviceId: string;
  readonly xmlNamespace: string;
}

/** A whole model file. */
export interface ModelJson {
  readonly metadata: ServiceMetadata;
  readonly operations: Readonly<Record<string, OperationJson>>;
  readonly shapes: Readonly<Record<string, ShapeJson>>;
}

// ---- The linked form the protocol code works on. ----

/** A member of a structure (or the member of a list, key or value of a map), linked to its shape. */
export interface Member {
  /** The member's name in the model (`UserName`); for a list member or map key/value, `member`/`key`/`value`. */
  readonly name: string;
  /** The name on the wire: the Query parameter segment and the XML element name. */
  readonly wireName: string;
  readonly shape: Shape;
  readonly flattened: boolean;
  readonly xmlAttribute: boolean;
}

interface ShapeBase {
  /** The shape's name in the model (`userNameType`). */
  readonly name: string;
  readonly sensitive: boolean;
}

/** A structure: ordered members (the order of the XML elements), required member names. */
export interface StructureShape extends ShapeBase {
  readonly type: 'structure';
  readonly members: readonly Member[];
  readonly required: ReadonlySet<string>;
  /** Set on error shapes. */
  readonly error?: { readonly code: string; readonly httpStatusCode: number; readonly senderFault: boolean };
}
/** A list; `flattened` lists repeat their element instead of wrapping it in `member`. */
export interface ListShape extends ShapeBase {
  readonly type: 'list';
  readonly member: Member;
  readonly flattened: boolean;
  readonly min?: number;
  readonly max?: number;
}
/** A map with string keys, `entry`/`key`/`value` on the wire unless renamed or flattened. */
export interface MapShape extends ShapeBase {
  readonly type: 'map';
  readonly key: Member;
  readonly value: Member;
  readonly flattened: boolean;
  readonly min?: number;
  readonly max?: number;
}
/** A string with optional length, pattern and enum constraints. */
export interface StringShape extends ShapeBase {
  readonly type: 'string';
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
}
/** An integer, long, float or double with optional bounds. */
export interface NumberShape extends ShapeBase {
  readonly type: 'integer' | 'long' | 'float' | 'double';
  readonly min?: number;
  readonly max?: number;
}
/** A boolean. */
export interface BooleanShape extends ShapeBase {
  readonly type: 'boolean';
}
/** A timestamp (ISO 8601 on the Query wire). */
export interface TimestampShape extends ShapeBase {
  readonly type: 'timestamp';
}
/** Bytes, base64 on the wire. */
export interface BlobShape extends ShapeBase {
  readonly type: 'blob';
  readonly min?: number;
  readonly max?: number;
}

/** Any shape of the model, discriminated by `type`. */
export type Shape = StructureShape | ListShape | MapShape | StringShape | NumberShape | BooleanShape | TimestampShape | BlobShape;

/** One operation: the `Action=` value, its input and output structures and its errors. */
export interface Operation {
  readonly name: string;
  readonly service: ServiceModel;
  readonly input?: StructureShape;
  readonly output?: StructureShape;
  /** The element inside `<NameResponse>` that wraps the output (`CreateUserResult`). */
  readonly resultWrapper?: string;
  /** 'none' for operations that AWS serves without a signature (AssumeRoleWithWebIdentity, AssumeRoleWithSAML). */
  readonly authtype: 'v4' | 'none';
  /** The action the generic authorization step checks, when the model names one (`iam:PassRole`). */
  readonly action?: string;
  readonly errors: readonly StructureShape[];
}

/** A loaded service model. */
export interface ServiceModel {
  readonly name: string;
  readonly metadata: ServiceMetadata;
  readonly operations: ReadonlyMap<string, Operation>;
  readonly shapes: ReadonlyMap<string, Shape>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Links a model's JSON into a ServiceModel, checking that every reference resolves; throws on a
 * broken model so that a bad hand-written model fails at start-up, not on a request.
 */
export function loadModel(name: string, json: ModelJson): ServiceModel {
  const shapes = new Map<string, Shape>();
  const fail = (message: string): never => {
    throw new Error(`model ${name}: ${message}`);
  };
  // Two passes: create every shape, then link references, so recursive shapes would work too.
  for (const [shapeName, s] of Object.entries(json.shapes)) {
    if (!(SHAPE_TYPES as readonly string[]).includes(s.type)) fail(`shape ${shapeName} has unknown type ${String(s.type)}`);
    const base = { name: shapeName, sensitive: s.sensitive === true };
    const bounds = { ...(s.min !== undefined && { min: s.min }), ...(s.max !== undefined && { max: s.max }) };
    let shape: Shape;
    switch (s.type) {
      case 'structure':
        shape = {
          ...base,
          type: 'structure',
          members: [],
          required: new Set(s.required ?? []),
          ...(s.error && {
            error: {
              code: s.error.code ?? shapeName,
              httpStatusCode: s.error.httpStatusCode ?? 400,
              senderFault: s.error.senderFault ?? false,
            },
          }),
        };
        break;
      case 'list':
      case 'map':
        // The member/key/value are linked in the second pass; a placeholder keeps the type honest.
        shape = { ...base, ...bounds, type: s.type, flattened: s.flattened === true } as ListShape | MapShape;
        break;
      case 'string':
        shape = {
          ...base,
          ...bounds,
          type: 'string',
          ...(s.pattern !== undefined && { pattern: s.pattern }),
          ...(s.enum !== undefined && { enum: s.enum }),
        };
        break;
      case 'integer':
      case 'long':
      case 'float':
      case 'double':
        shape = { ...base, ...bounds, type: s.type };
        break;
      case 'blob':
        shape = { ...base, ...bounds, type: 'blob' };
        break;
      case 'boolean':
      case 'timestamp':
        shape = { ...base, type: s.type };
        break;
    }
    shapes.set(shapeName, shape);
  }
  const link = (ref: MemberRefJson | undefined, memberName: string, owner: string): Member => {
    if (!ref) return fail(`shape ${owner} lacks its ${memberName}`);
    const shape = shapes.get(ref.shape) ?? fail(`shape ${owner}.${memberName} refers to missing shape ${ref.shape}`);
    return {
      name: memberName,
      wireName: ref.locationName ?? memberName,
      shape,
      flattened: ref.flattened === true,
      xmlAttribute: ref.xmlAttribute === true,
    };
  };
  for (const [shapeName, s] of Object.entries(json.shapes)) {
    const shape = shapes.get(shapeName) as Mutable<Shape>;
    if (shape.type === 'structure') {
      shape.members = Object.entries(s.members ?? {}).map(([m, ref]) => link(ref, m, shapeName));
      for (const r of shape.required) if (!s.members?.[r]) fail(`shape ${shapeName} requires unknown member ${r}`);
    } else if (shape.type === 'list') {
      shape.member = link(s.member, 'member', shapeName);
    } else if (shape.type === 'map') {
      shape.key = link(s.key, 'key', shapeName);
      shape.value = link(s.value, 'value', shapeName);
    }
  }
  const structure = (shapeName: string, use: string): StructureShape => {
    const shape = shapes.get(shapeName);
    if (shape?.type !== 'structure') return fail(`${use} ${shapeName} is not a structure shape`);
    return shape;
  };
  const operations = new Map<string, Operation>();
  const service: ServiceModel = { name, metadata: json.metadata, operations, shapes };
  for (const [opName, o] of Object.entries(json.operations)) {
    operations.set(opName, {
      name: opName,
      service,
      ...(o.input !== undefined && { input: structure(o.input, `${opName} input`) }),
      ...(o.output !== undefined && { output: structure(o.output, `${opName} output`) }),
      ...(o.resultWrapper !== undefined && { resultWrapper: o.resultWrapper }),
      authtype: o.authtype === 'none' ? 'none' : 'v4',
      ...(o.action !== undefined && { action: o.action }),
      errors: (o.errors ?? []).map((e) => structure(e, `${opName} error`)),
    });
  }
  return service;
}

/** Every loaded service model, by name. */
export const SERVICES: Readonly<Record<ServiceName, ServiceModel>> = Object.fromEntries(
  Object.entries(MODEL_FILES).map(([name, json]) => [name, loadModel(name, json as ModelJson)]),
) as Record<ServiceName, ServiceModel>;

/** The names of the loaded services. */
export const SERVICE_NAMES = Object.keys(MODEL_FILES) as ServiceName[];

/**
 * The model of one service.
 * @example serviceModel('iam').operations.get('CreateUser')
 */
export function serviceModel(name: ServiceName): ServiceModel {
  return SERVICES[name];
}

/** The service whose API version is `version` (`2010-05-08` → iam), for routing a request that names no signing scope. */
export function serviceByApiVersion(version: string): ServiceModel | undefined {
  return SERVICE_NAMES.map((n) => SERVICES[n]).find((s) => s.metadata.apiVersion === version);
}

/**
 * The model a request signed for `signingName` reaches: the one of the models signed that way
 * whose apiVersion is the request's Version (so operations of our own ride on an AWS service's
 * signature), otherwise the signing service's own model, whose resolveOperation then answers.
 * @example serviceForSignedRequest('iam', '2026-11-30')?.name // 'deployport'
 */
export function serviceForSignedRequest(signingName: string, version: string | undefined): ServiceModel | undefined {
  const signed = SERVICE_NAMES.map((n) => SERVICES[n]).filter((s) => s.metadata.signingName === signingName);
  return signed.find((s) => s.metadata.apiVersion === version) ?? signed.find((s) => s.name === signingName);
}
