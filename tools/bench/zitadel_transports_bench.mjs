// ZITADEL set/get throughput over JSON (HTTP/1.1 keep-alive) and gRPC (HTTP/2, @zitadel/node),
// same node, same client runtime, same concurrency, alternating rounds so both see the same
// machine. Usage: node zitadel_transports_bench.mjs HTTP_PORT GRPC_PORT KEY [SECONDS] [CONC]
// (run by tools/bench/zitadel_transports_bench.sh, which prepares the node and the key).
import http from 'node:http';
import {
  createAccessTokenInterceptor,
  createManagementClient,
} from '@zitadel/node/dist/api/index.js';

const [httpPort, grpcPort, key, secondsArg, concArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 5);
const concurrency = Number(concArg ?? 16);
const rounds = 3;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const grpc = createManagementClient(`http://127.0.0.1:${grpcPort}`,
                                    createAccessTokenInterceptor(key));
const value = Buffer.from('enterprise-plan-value');

function json(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: httpPort, method, path, agent,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } },
    (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body ?? '');
  });
}

const ops = {
  'json set': (i) => json('POST', `/management/v1/metadata/k${i % 1000}`,
                          JSON.stringify({ value: value.toString('base64') })),
  'json get': (i) => json('GET', `/management/v1/metadata/k${i % 1000}`),
  'grpc set': (i) => grpc.setOrgMetadata({ key: `k${i % 1000}`, value }),
  'grpc get': (i) => grpc.getOrgMetadata({ key: `k${i % 1000}` }),
};

async function measure(op) {
  let done = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let i = w; Date.now() < end; i += concurrency) {
      await op(i);
      ++done;
    }
  }));
  return done / seconds;
}

// Warm-up: every key exists before the gets.
for (let i = 0; i < 1000; ++i) await ops['json set'](i);
const results = Object.fromEntries(Object.keys(ops).map((name) => [name, []]));
for (let r = 0; r < rounds; ++r) {
  for (const [name, op] of Object.entries(ops)) results[name].push(await measure(op));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, xs] of Object.entries(results)) {
  console.log(`${name}: ${Math.round(median(xs))} ops/s (rounds: ${xs.map(Math.round).join(', ')})`);
}
console.log(`set grpc/json: ${(median(results['grpc set']) / median(results['json set'])).toFixed(2)}`);
console.log(`get grpc/json: ${(median(results['grpc get']) / median(results['json get'])).toFixed(2)}`);
process.exit(0);
