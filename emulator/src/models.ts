// The models of the answers the emulator sends, for shapes.ts: which fields each answer must carry
// and which it may leave out, which are enums, which are collections. Derived, not written down,
// where the project already has them: the resource manager's from the mappers and declarations of
// @azure/arm-machinelearning and @azure/arm-authorization (the models the action's own clients
// read with), GitHub's from @octokit/openapi. The answers no SDK of the project models (the batch
// invoke reply, run history, the token services, an async operation's status) are written below
// in the same mapper form, each from the source it names.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as mlMappers from '@azure/arm-machinelearning/dist-esm/src/models/mappers.js';
import * as authzMappers from '@azure/arm-authorization/dist-esm/src/models/mappers.js';

/** A field or a model, as @azure/core-client's mappers describe it. */
export interface Mapper {
  serializedName?: string;
  required?: boolean;
  nullable?: boolean;
  type: MapperType;
}

export interface MapperType {
  name: string;
  className?: string;
  modelProperties?: Record<string, Mapper>;
  uberParent?: string;
  polymorphicDiscriminator?: { serializedName: string; clientName: string };
  element?: Mapper;
  value?: Mapper;
  allowedValues?: unknown[];
}

/** What a model's declaration (the SDK's .d.ts) says of one of its fields. */
interface Declared {
  required: boolean;
  /** The values of its enum (a `Known…` enum, or a union of literals). */
  values?: string[];
}

/** A set of models: mappers by class name, subtypes by `Parent.discriminatorValue`, and the declarations. */
export interface Library {
  mappers: Record<string, Mapper>;
  discriminators: Record<string, Mapper>;
  declared: Map<string, Map<string, Declared>>;
}

const require = createRequire(import.meta.url);

/**
 * The declarations of an SDK's models (dist-esm/src/models/index.d.ts): a field declared without
 * `?` is required (the mappers leave `required` off nested models the specification requires,
 * such as a resource's `properties`), and a field typed by an extensible enum (`type X = string`
 * with a `KnownX` enum) or a union of literals takes those values.
 */
function declarations(pkg: string): Map<string, Map<string, Declared>> {
  const text = readFileSync(require.resolve(`${pkg}/dist-esm/src/models/index.d.ts`), 'utf8');
  const known = new Map<string, string[]>();
  for (const m of text.matchAll(/^export declare enum Known(\w+) \{([^}]*)\}/gm)) {
    known.set(
      m[1],
      [...m[2].matchAll(/= "([^"]*)"/g)].map((v) => v[1]),
    );
  }
  const own = new Map<string, { parents: string[]; fields: Map<string, Declared> }>();
  for (const m of text.matchAll(/^export interface (\w+)(?: extends ([\w, ]+))? \{\n([\s\S]*?)^\}/gm)) {
    const fields = new Map<string, Declared>();
    for (const f of m[3].matchAll(/^ {4}(?:readonly )?(\w+)(\?)?: ([^;\n]+);$/gm)) {
      const type = f[3];
      const literals = /^"[^"]*"(?: \| "[^"]*")*$/.test(type) ? [...type.matchAll(/"([^"]*)"/g)].map((v) => v[1]) : undefined;
      fields.set(f[1], { required: f[2] === undefined, values: literals ?? known.get(type) });
    }
    own.set(m[1], {
      parents: (m[2] ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
      fields,
    });
  }
  const all = new Map<string, Map<string, Declared>>();
  const resolve = (name: string, depth = 0): Map<string, Declared> => {
    const d = own.get(name);
    if (!d || depth > 10) return new Map();
    return new Map([...d.parents.flatMap((p) => [...resolve(p, depth + 1)]), ...d.fields]);
  };
  for (const name of own.keys()) all.set(name, resolve(name));
  return all;
}

function sdkLibrary(pkg: string, mappers: object): Library {
  const { discriminators, ...rest } = mappers as Record<string, Mapper> & { discriminators?: Record<string, Mapper> };
  return { mappers: rest, discriminators: discriminators ?? {}, declared: declarations(pkg) };
}

// Shorthands for the models written here.
const str = (required = false): Mapper => ({ required, type: { name: 'String' } });
const num = (): Mapper => ({ type: { name: 'Number' } });
const oneOf = (values: string[], required = false): Mapper => ({ required, type: { name: 'Enum', allowedValues: values } });
const dict = (value: Mapper = str()): Mapper => ({ type: { name: 'Dictionary', value } });
const seq = (element: Mapper): Mapper => ({ type: { name: 'Sequence', element } });
const model = (className: string, required = false): Mapper => ({ required, type: { name: 'Composite', className } });
const composite = (className: string, modelProperties: Record<string, Mapper>): Mapper => ({ type: { name: 'Composite', className, modelProperties } });
const named = (props: Record<string, Mapper>) => Object.fromEntries(Object.entries(props).map(([k, m]) => [k, { ...m, serializedName: k }]));

/** azure-ai-ml's v2020_09_01_dataplanepreview models: JobStatus's values. */
const JOB_STATUS = [
  'NotStarted',
  'Starting',
  'Provisioning',
  'Preparing',
  'Queued',
  'Running',
  'Finalizing',
  'CancelRequested',
  'Completed',
  'Failed',
  'Canceled',
  'NotResponding',
  'Paused',
  'Unknown',
];

const written: Library = {
  mappers: {
    // azure-ai-ml _restclient/v2020_09_01_dataplanepreview: BatchJobResource (properties required,
    // the rest read-only) and BatchJob (no field required); what the batch invoke answers.
    BatchJobResource: composite(
      'BatchJobResource',
      named({ id: str(), name: str(), type: str(), properties: model('BatchJob', true), systemData: model('DataPlaneSystemData') }),
    ),
    BatchJob: composite(
      'BatchJob',
      named({
        description: str(),
        status: oneOf(JOB_STATUS),
        provisioningState: oneOf(['Succeeded', 'Failed', 'Canceled', 'InProgress']),
        interactionEndpoints: dict(composite('JobEndpoint', named({ endpoint: str(), jobEndpointType: str(), port: num(), properties: dict() }))),
        inputData: dict(composite('JobInput', named({ jobInputType: oneOf(['UriFile', 'UriFolder', 'MLTable', 'Literal'], true), uri: str() }))),
        outputData: dict(composite('JobOutputV2', named({ jobOutputType: oneOf(['UriFile', 'UriFolder', 'MLTable'], true), uri: str() }))),
        loggingLevel: oneOf(['Info', 'Warning', 'Debug']),
        outputFileName: str(),
        properties: dict(),
        tags: dict(),
      }),
    ),
    DataPlaneSystemData: composite('DataPlaneSystemData', named({ createdAt: str(), createdBy: str(), createdByType: str() })),
    // azure-ai-ml _restclient/runhistory: RunDetails, PaginatedRunList and Run declare no field required.
    RunDetails: composite(
      'RunDetails',
      named({
        runId: str(),
        status: oneOf(JOB_STATUS),
        startTimeUtc: str(),
        endTimeUtc: str(),
        error: composite('ErrorResponse', named({ error: composite('RootError', named({ code: str(), message: str(), details: seq(model('RootError')) })) })),
        logFiles: dict(),
        properties: dict(),
        target: str(),
      }),
    ),
    PaginatedRunList: composite('PaginatedRunList', named({ value: seq(model('Run')), continuationToken: str(), nextLink: str() })),
    Run: composite('Run', named({ runId: str(), parentRunId: str(), status: oneOf(JOB_STATUS), properties: dict(), name: str() })),
    // ARM's async operation status (common-types v5 OperationStatusResult: status required).
    OperationStatusResult: composite(
      'OperationStatusResult',
      named({
        id: str(),
        name: str(),
        status: str(true),
        percentComplete: num(),
        startTime: str(),
        endTime: str(),
        error: composite('OperationError', named({ code: str(), message: str() })),
      }),
    ),
    // Entra's token answer (RFC 6749 §5.1: access_token and token_type required, expires_in
    // recommended); ext_expires_in is Entra's own.
    EntraToken: composite(
      'EntraToken',
      named({ token_type: str(true), access_token: str(true), expires_in: num(), ext_expires_in: num(), refresh_token: str(), scope: str() }),
    ),
    // GitHub's OIDC token service (@actions/core's TokenResponse: value read).
    GithubIdToken: composite('GithubIdToken', named({ value: str(true), count: num() })),
  },
  discriminators: {},
  declared: new Map(),
};

interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  nullable?: boolean;
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

/** GitHub's models, from its OpenAPI description (components.schemas), in mapper form. */
function githubLibrary(): Library {
  const spec = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as {
    components: { schemas: Record<string, JsonSchema> };
  };
  const mappers: Record<string, Mapper> = {};
  const toMapper = (s: JsonSchema, required: boolean, depth: number): Mapper => {
    if (s.$ref) {
      const name = s.$ref.split('/').pop() ?? '';
      const target = spec.components.schemas[name];
      // An enum or a scalar by reference is that value; only objects become models.
      if (!target.properties) return toMapper(target, required, depth + 1);
      if (!mappers[name] && depth < 6) {
        mappers[name] = composite(name, {});
        mappers[name] = toModel(name, target, depth + 1);
      }
      return { required, type: { name: 'Composite', className: name } };
    }
    const branch = s.allOf?.[0] ?? s.anyOf?.[0] ?? s.oneOf?.[0];
    if (branch) return { ...toMapper(branch, required, depth), nullable: s.nullable };
    if (s.enum) return { required, nullable: s.nullable, type: { name: 'Enum', allowedValues: s.enum } };
    if (s.type === 'array') return { required, nullable: s.nullable, type: { name: 'Sequence', element: toMapper(s.items ?? {}, false, depth) } };
    if (s.type === 'object' && s.properties) return { required, nullable: s.nullable, type: toModel('', s, depth).type };
    return { required, nullable: s.nullable, type: { name: s.type === 'object' ? 'Object' : 'String' } };
  };
  const toModel = (className: string, s: JsonSchema, depth: number): Mapper => {
    const props = Object.entries(s.properties ?? {}).map(([k, p]) => [k, { ...toMapper(p, (s.required ?? []).includes(k), depth), serializedName: k }]);
    return composite(className, Object.fromEntries(props) as Record<string, Mapper>);
  };
  mappers['issue-comment'] = toModel('issue-comment', spec.components.schemas['issue-comment'], 0);
  mappers['issue-comment[]'] = seq(model('issue-comment'));
  return { mappers, discriminators: {}, declared: new Map() };
}

let libraries: Library[] | undefined;
let github: Library | undefined;

/** The library and mapper of a model by its name ('BatchEndpoint', 'RunDetails', 'issue-comment[]', …), each library read once, when first needed. */
export function findModel(name: string): { lib: Library; mapper: Mapper } | undefined {
  libraries ??= [sdkLibrary('@azure/arm-machinelearning', mlMappers), sdkLibrary('@azure/arm-authorization', authzMappers), written];
  for (const lib of libraries) if (lib.mappers[name]) return { lib, mapper: lib.mappers[name] };
  github ??= githubLibrary();
  return github.mappers[name] ? { lib: github, mapper: github.mappers[name] } : undefined;
}
