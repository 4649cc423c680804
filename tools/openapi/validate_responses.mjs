// Checks every answer the integration suites received against docs/openapi/, so the documents
// cannot drift from the code. Usage: node validate_responses.mjs DOCS_DIR LOG_DIR
//
// LOG_DIR holds the JSON lines tests/support/http_client.cc writes when MERIDIAN_RESPONSE_LOG_DIR
// is set: {method, target, status, headers, body, truncated, test}. For each answer:
// - the operation is found by method (HEAD as GET) and path template (the template with the most
//   literal characters wins: /v1/hood/... before /v1/{account});
// - its status must be documented (exactly, else as 4XX/5XX, else `default`);
// - a body must come with a documented media type, and a JSON body must match that media
//   type's schema (JSON Schema 2020-12, as OpenAPI 3.1 defines it).
// Answers to paths or methods no document has (the 404 and 405 checks) are counted, not judged.
// Before any answer is read, every object schema a response can hold must state `required`.
// Exit status 1 when any answer does not match, with one example per distinct mismatch.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [docsDir, logDir] = process.argv.slice(2);
if (!docsDir || !logDir) {
  console.error('usage: node validate_responses.mjs DOCS_DIR LOG_DIR');
  process.exit(2);
}

const ajv = new Ajv2020({strict: false, allErrors: true, validateSchema: false});
addFormats(ajv);
// OpenAPI's own annotations inside schemas.
for (const keyword of ['discriminator', 'xml', 'externalDocs', 'example']) ajv.addKeyword(keyword);

const pointerEscape = (s) => s.replaceAll('~', '~0').replaceAll('/', '~1');
const docs = [];
for (const name of fs.readdirSync(docsDir).sort()) {
  if (!name.endsWith('.yaml') || name === 'redocly.yaml') continue;
  const doc = YAML.parse(fs.readFileSync(path.join(docsDir, name), 'utf8'));
  const id = `https://meridian.invalid/openapi/${name}`;
  ajv.addSchema(doc, id);
  docs.push({name, doc, id});
}

// Every operation, with a matcher for its path template.
const operations = [];
for (const {name, doc, id} of docs) {
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    const literal = template.replace(/\{[^}]*\}/g, '').length;
    const regex = new RegExp('^' + template.split(/\{[^}]*\}/).map(
        (part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/]+') + '$');
    for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']) {
      if (item[method]) operations.push({name, doc, id, template, method, literal, regex,
                                         op: item[method]});
    }
  }
}

function resolve(doc, node) {
  for (let i = 0; node && node.$ref && i < 10; ++i) {
    node = node.$ref.slice(2).split('/').reduce(
        (at, key) => at?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  }
  return node;
}

function findOperation(method, target) {
  const pathOnly = target.split('?')[0];
  const candidates = operations.filter((o) => o.regex.test(pathOnly));
  if (candidates.length === 0) return {kind: 'no-path'};
  const wanted = method === 'HEAD' ? ['head', 'get'] : [method.toLowerCase()];
  const matching = candidates.filter((o) => wanted.includes(o.method))
                       .sort((a, b) => b.literal - a.literal ||
                                       wanted.indexOf(a.method) - wanted.indexOf(b.method));
  if (matching.length === 0) return {kind: 'no-method'};
  return {kind: 'ok', operation: matching[0]};
}

// Every object schema an answer can hold names the members the code always sends (`required`),
// so an answer missing one fails the check below instead of passing silently.
function schemasWithoutRequired({name, doc}) {
  const missing = new Set();
  const seen = new Set();
  const visit = (node, where) => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return;
    if (node.$ref) {
      if (seen.has(node.$ref)) return;
      seen.add(node.$ref);
      return visit(resolve(doc, node), node.$ref);
    }
    if (node.properties && !node.required) missing.add(`${name} ${where}`);
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      visit(child, `${where}/properties/${key}`);
    }
    for (const key of ['items', 'additionalProperties', 'unevaluatedProperties', 'then', 'else']) {
      visit(node[key], `${where}/${key}`);
    }
    for (const key of ['allOf', 'anyOf', 'oneOf', 'prefixItems']) {
      (node[key] ?? []).forEach((child, i) => visit(child, `${where}/${key}/${i}`));
    }
  };
  for (const {template, method, op} of operations.filter((o) => o.name === name)) {
    for (const [status, response] of Object.entries(op.responses ?? {})) {
      const resolved = resolve(doc, response);
      for (const [media, content] of Object.entries(resolved?.content ?? {})) {
        visit(content.schema, `${method.toUpperCase()} ${template} ${status} ${media}`);
      }
    }
  }
  return [...missing];
}
const withoutRequired = docs.flatMap(schemasWithoutRequired);
if (withoutRequired.length > 0) {
  console.error('openapi: response schemas without `required` (list the members always sent):');
  for (const where of withoutRequired) console.error(`- ${where}`);
  process.exit(1);
}

const failures = new Map();  // distinct mismatch -> {count, example}
const counts = {checked: 0, bodies: 0, noPath: 0, noMethod: 0};
function fail(key, example) {
  const entry = failures.get(key) ?? {count: 0, example};
  entry.count += 1;
  failures.set(key, entry);
}

function check(x) {
  const found = findOperation(x.method, x.target);
  if (found.kind === 'no-path') return void ++counts.noPath;
  if (found.kind === 'no-method') return void ++counts.noMethod;
  ++counts.checked;
  const {doc, id, template, method, op, name} = found.operation;
  const where = `${name} ${method.toUpperCase()} ${template}`;
  const example = `${x.test}: ${x.method} ${x.target} -> ${x.status} ${String(x.body).slice(0, 300)}`;
  const responses = op.responses ?? {};
  const key = [String(x.status), `${String(x.status)[0]}XX`, 'default'].find((k) => responses[k]);
  if (!key) return fail(`${where}: status ${x.status} is not documented`, example);
  const response = resolve(doc, responses[key]);
  if (x.method === 'HEAD' || x.body === '' || x.truncated) return;
  const content = response?.content;
  if (!content) return fail(`${where} ${x.status}: a body, but none is documented`, example);
  const mediaType = (x.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const mediaKey = Object.keys(content).find((k) => k.toLowerCase() === mediaType) ??
                   Object.keys(content).find((k) => k === '*/*');
  if (!mediaKey) {
    return fail(`${where} ${x.status}: media type ${mediaType} is not documented ` +
                `(${Object.keys(content).join(', ')})`, example);
  }
  if (!mediaType.includes('json') || !content[mediaKey].schema) return;
  let body;
  try {
    body = JSON.parse(x.body);
  } catch {
    return fail(`${where} ${x.status}: the body is not JSON`, example);
  }
  ++counts.bodies;
  const refKey = response === responses[key] ?
      `#/paths/${pointerEscape(template)}/${method}/responses/${key}` :
      responses[key].$ref;
  const pointer = `${id}${refKey}/content/${pointerEscape(mediaKey)}/schema`;
  const validate = ajv.getSchema(pointer);
  if (!validate) return fail(`${where}: cannot compile ${pointer}`, example);
  if (!validate(body)) {
    const errors = validate.errors.slice(0, 3).map(
        (e) => `${e.instancePath || '/'} ${e.message}` +
               (e.params?.additionalProperty ?? e.params?.unevaluatedProperty ? ` (${e.params.additionalProperty ?? e.params.unevaluatedProperty})` : ''));
    fail(`${where} ${x.status}: ${errors.join('; ')}`, example);
  }
}

let files = [];
try {
  files = fs.readdirSync(logDir).filter((f) => f.endsWith('.jsonl'));
} catch {
  // No directory: no answers were recorded.
}
for (const file of files) {
  for (const line of fs.readFileSync(path.join(logDir, file), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    check(JSON.parse(line));
  }
}

console.log(`openapi: ${counts.checked} answers checked against docs/openapi/ ` +
            `(${counts.bodies} JSON bodies against their schema); ` +
            `${counts.noPath} to undocumented paths and ${counts.noMethod} to undocumented ` +
            `methods not judged`);
if (counts.checked === 0) {
  console.error('openapi: no answers were recorded (is MERIDIAN_RESPONSE_LOG_DIR set?)');
  process.exit(1);
}
if (failures.size > 0) {
  console.error(`openapi: ${failures.size} distinct mismatches:`);
  for (const [what, {count, example}] of failures) {
    console.error(`- ${what} [${count}x]\n    e.g. ${example}`);
  }
  process.exit(1);
}
