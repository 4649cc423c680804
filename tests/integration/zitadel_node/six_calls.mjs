// ZITADEL's own Node.js SDK (@zitadel/node, gRPC over HTTP/2 via nice-grpc) calling the six
// organization-metadata methods of a Meridian node, written as against ZITADEL: only the
// endpoint ("http://127.0.0.1:PORT", which nice-grpc dials in plaintext) and the token differ.
// Usage: node six_calls.mjs ENDPOINT TOKEN. Prints "six calls OK" and exits 0 on success.
import assert from 'node:assert/strict';
import {
  createAccessTokenInterceptor,
  createManagementClient,
} from '@zitadel/node/dist/api/index.js';
import { TextQueryMethod } from '@zitadel/node/dist/api/generated/zitadel/object.js';

const [endpoint, token] = process.argv.slice(2);
const client = createManagementClient(endpoint, createAccessTokenInterceptor(token));

const set = await client.setOrgMetadata({ key: 'plan', value: Buffer.from('enterprise') });
assert.equal(Number(set.details.sequence), 1);

const got = await client.getOrgMetadata({ key: 'plan' });
assert.equal(Buffer.from(got.metadata.value).toString(), 'enterprise');

await client.bulkSetOrgMetadata({
  metadata: [
    { key: 'billing.seats', value: Buffer.from('250') },
    { key: 'billing.tier', value: Buffer.from('gold') },
  ],
});

const listed = await client.listOrgMetadata({
  query: { limit: 10, asc: true },
  queries: [{ keyQuery: { key: 'billing.', method: TextQueryMethod.TEXT_QUERY_METHOD_STARTS_WITH } }],
});
assert.equal(Number(listed.details.totalResult), 2);
assert.deepEqual(listed.result.map((m) => m.key), ['billing.seats', 'billing.tier']);
assert.equal(Buffer.from(listed.result[1].value).toString(), 'gold');

const bulkRemoved = await client.bulkRemoveOrgMetadata({ keys: ['billing.seats', 'billing.tier'] });
assert.equal(Number(bulkRemoved.details.sequence), 5);

await client.removeOrgMetadata({ key: 'plan' });
await assert.rejects(client.getOrgMetadata({ key: 'plan' }), (error) => {
  assert.equal(error.code, 5); // NOT_FOUND
  assert.equal(error.details, 'Metadata not found (QUERY-Rph32)');
  return true;
});
console.log('six calls OK');
