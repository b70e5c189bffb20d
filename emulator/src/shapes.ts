// The answer reshaper: the one place that turns an answer the emulator would send into another
// shape its model allows (models.ts), so a client meets what Azure and GitHub may send too and the
// default answers never show: optional fields left out or null, fields a later api-version adds,
// enum values it adds, empty collections, and a list split into pages by nextLink at any point.
// Routes name their answer's model (Route.model); only successful answers are reshaped.
import { findModel, type Library, type MapperType } from './models.js';
import { Prng } from './prng.js';
import type { AnswerShape, ShapeLogEntry } from './types.js';
import type { Ctx, Route } from './server.js';

/** The field a later api-version adds, as the reshaper adds it to every object it draws. */
export const EXTRA_FIELD = 'futureField';

interface Walk {
  lib: Library;
  shape: AnswerShape;
  prng: Prng;
  changes: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a draw at this rate comes up (no rate: never). */
const draw = (c: Walk, rate: number | undefined): boolean => rate !== undefined && rate > 0 && c.prng.next() < rate;

/** The value an enum does not list yet, named after its field ('FutureStatus'). */
export const futureValue = (field: string) => `Future${field.charAt(0).toUpperCase()}${field.slice(1)}`;

/**
 * A composite's own model: by class name when only referenced, then its subtype by discriminator
 * value; and the base's class, whose declaration lists every value of the discriminator.
 */
function resolve(lib: Library, type: MapperType, value: Record<string, unknown>): { t: MapperType; base?: string } {
  const t = !type.modelProperties && type.className ? (lib.mappers[type.className]?.type ?? type) : type;
  const disc = t.polymorphicDiscriminator;
  if (!disc) return { t };
  const v = String(value[disc.serializedName]);
  const sub = lib.discriminators[`${t.className}.${v}`] ?? lib.discriminators[`${t.uberParent}.${v}`];
  const own = sub && (sub.type.modelProperties ? sub.type : lib.mappers[sub.type.className ?? '']?.type);
  return { t: own ?? t, base: t.className };
}

/** A serialized name's path (x-ms-client-flatten: 'properties.status'; '\\.' is a dot in a name). */
const segments = (name: string) => name.split(/(?<!\\)\./).map((s) => s.replace(/\\\./g, '.'));

function getAt(obj: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = obj;
  for (const p of path) v = isObject(v) ? v[p] : undefined;
  return v;
}

function setAt(obj: Record<string, unknown>, path: string[], value: unknown, remove = false): void {
  let o = obj;
  for (const p of path.slice(0, -1)) {
    if (!isObject(o[p])) return;
    o = o[p] = { ...o[p] };
  }
  const last = path[path.length - 1];
  if (remove) delete o[last];
  else o[last] = value;
}

function composite(c: Walk, type: MapperType, value: Record<string, unknown>, path: string): Record<string, unknown> {
  const { t, base } = resolve(c.lib, type, value);
  const out = { ...value };
  const declared = c.lib.declared.get(t.className ?? '');
  const discriminator = t.polymorphicDiscriminator?.clientName;
  for (const [name, m] of Object.entries(t.modelProperties ?? {})) {
    const at = segments(m.serializedName ?? name);
    const v = getAt(out, at);
    if (v === undefined) continue;
    const field = [path, at.join('.')].filter(Boolean).join('.');
    const d = name === discriminator ? (c.lib.declared.get(base ?? '')?.get(name) ?? declared?.get(name)) : declared?.get(name);
    const required = m.required === true || d?.required === true;
    const values = m.type.allowedValues ?? d?.values;
    if (!required && (c.shape.lean || c.shape.drop?.includes(field) || draw(c, c.shape.missing))) {
      setAt(out, at, undefined, true);
      c.changes.push(`left out ${field}`);
    } else if (!required && v !== null && draw(c, c.shape.nulls)) {
      setAt(out, at, null);
      c.changes.push(`null ${field}`);
    } else if (values && typeof v === 'string' && draw(c, c.shape.unknownEnums)) {
      setAt(out, at, futureValue(at[at.length - 1]));
      c.changes.push(`${field} '${futureValue(at[at.length - 1])}' (known: ${values.join(', ')})`);
    } else setAt(out, at, walk(c, m.type, v, field));
  }
  if (draw(c, c.shape.extra)) {
    out[EXTRA_FIELD] = { addedBy: 'a later api-version' };
    c.changes.push(`added ${[path, EXTRA_FIELD].filter(Boolean).join('.')}`);
  }
  return out;
}

function walk(c: Walk, type: MapperType, value: unknown, path: string): unknown {
  if (type.name === 'Composite' && isObject(value)) return composite(c, type, value, path);
  const inner = type.name === 'Sequence' ? type.element : type.name === 'Dictionary' ? type.value : undefined;
  if (!inner) return value;
  const list = Array.isArray(value) ? value : isObject(value) ? Object.values(value) : undefined;
  if (!list || list.length === 0) return value;
  if (draw(c, c.shape.empty)) {
    c.changes.push(`emptied ${path || 'the answer'}`);
    return Array.isArray(value) ? [] : {};
  }
  const mark = type.name === 'Sequence' ? '[]' : '{}';
  if (Array.isArray(value)) return value.map((x) => walk(c, inner.type, x, `${path}${mark}`));
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, x]) => [k, walk(c, inner.type, x, `${path}${mark}`)]));
}

/** An answer reshaped: its body, what was changed, and for a split list the items its later pages carry. */
export interface Reshaped {
  body: unknown;
  changes: string[];
  /** Items of the pages after the first, in order (each a page), and the list's own nextLink, carried by the last. */
  pages?: { rest: unknown[][]; nextLink: unknown };
}

/** Splits a list into pages of 0 to 2 items, drawn; at most two pages more than it has items. */
function split(prng: Prng, items: unknown[]): unknown[][] {
  const pages: unknown[][] = [];
  let i = 0;
  while (i < items.length && pages.length <= items.length) {
    const n = Math.floor(prng.next() * 3);
    pages.push(items.slice(i, i + n));
    i += n;
  }
  if (i < items.length) pages.push(items.slice(i));
  return pages.length ? pages : [[]];
}

/** The answer of a model (models.ts) in the shape asked for; an unknown model is left as it is. */
export function reshape(modelName: string, body: unknown, shape: AnswerShape, seed: number): Reshaped {
  const found = findModel(modelName);
  if (!found) return { body, changes: [] };
  const c: Walk = { lib: found.lib, shape, prng: new Prng(seed), changes: [] };
  const out = walk(c, found.mapper.type, body, '');
  const props = found.mapper.type.modelProperties ?? {};
  if (!shape.pages || !isObject(out) || !props.value || !props.nextLink || !Array.isArray(out.value)) return { body: out, changes: c.changes };
  const [first, ...rest] = split(c.prng, out.value);
  if (rest.length === 0) return { body: out, changes: c.changes };
  c.changes.push(`value split into pages of ${[first, ...rest].map((p) => p.length).join(', ')}`);
  return { body: { ...out, value: first }, changes: c.changes, pages: { rest, nextLink: out.nextLink } };
}

/**
 * The emulator's side of shapes: reshapes each successful answer whose route names a model with
 * the shape asked for it (by model name, or '*' for every model), logs what changed, and serves
 * the later pages of a split list at `/shapes/pages/{n}` on the listener that sent the first.
 */
export function createShaper(shapes: () => Record<string, AnswerShape> | undefined, origin: (ctx: Ctx) => string) {
  const log: ShapeLogEntry[] = [];
  const pending = new Map<string, { base: string; items: unknown[][]; nextLink: unknown }>();
  let answers = 0;
  let pageIds = 0;

  /** A later page's link, on the listener that sent the first (the service a client trusts the list's links to). */
  const nextPage = (base: string, items: unknown[][], nextLink: unknown) => {
    const id = String(++pageIds);
    pending.set(id, { base, items, nextLink });
    return `${base}/shapes/pages/${id}`;
  };

  const apply = (model: string, body: unknown, ctx: Ctx): unknown => {
    const all = shapes();
    const shape = all?.[model] ?? all?.['*'];
    if (!shape) return body;
    const r = reshape(model, body, shape, (shape.seed ?? 1) * 7919 + ++answers);
    if (r.changes.length) log.push({ url: ctx.entry.url, model, changes: r.changes });
    if (!r.pages || !isObject(r.body)) return r.body;
    return { ...r.body, nextLink: nextPage(origin(ctx), r.pages.rest, r.pages.nextLink) };
  };

  const routes: Route[] = [
    {
      service: 'management',
      method: 'GET',
      path: /^\/shapes\/pages\/(?<id>\d+)$/,
      handler: (ctx) => {
        const p = pending.get(ctx.params.id);
        if (!p) return ctx.json(404, { error: { code: 'NotFound', message: 'No such page.' } });
        const [items, ...rest] = p.items;
        ctx.json(200, { value: items, nextLink: rest.length ? nextPage(p.base, rest, p.nextLink) : (p.nextLink ?? null) });
      },
    },
  ];

  return { apply, routes, log };
}
