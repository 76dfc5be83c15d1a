// The official Qdrant JS client's hybrid query against a running VecDB: a collection with a dense
// vector and a sparse one, points carrying both, then dense and sparse prefetches fused by RRF
// (and by DBSF), each answer checked against brute force computed here.
// Usage: node hybrid.mjs <base-url> [seed]     Exit 0 and prints "OK" on success.
import { QdrantClient } from "@qdrant/js-client-rest";

const url = process.argv[2];
const seed = Number(process.argv[3] ?? Date.now()) >>> 0;
const DIM = 8;
const N = 300;
const VOCAB = 64;
const COLLECTION = "hybrid";

function mulberry32(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(seed);
const dense = () => Array.from({ length: DIM }, () => Math.fround(rand() * 2 - 1));
function sparse() {
  const dims = new Set();
  const n = 2 + Math.floor(rand() * 6);
  while (dims.size < n) {
    dims.add(Math.floor(rand() * VOCAB));
  }
  const indices = [...dims];
  return { indices, values: indices.map(() => Math.fround(0.1 + rand())) };
}
function check(cond, what) {
  if (!cond) {
    throw new Error(`check failed: ${what} (seed ${seed})`);
  }
}
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
function sparseDot(q, v) {
  let s = 0;
  q.indices.forEach((d, i) => {
    const j = v.indices.indexOf(d);
    if (j >= 0) {
      s += q.values[i] * v.values[j];
    }
  });
  return s;
}
const shares = (q, v) => q.indices.some((d) => v.indices.includes(d));
const byScoreThenId = (a, b) => b.score - a.score || a.id - b.id;

const client = new QdrantClient({ url, checkCompatibility: false });
check(
  (await client.createCollection(COLLECTION, {
    vectors: { size: DIM, distance: "Dot" },
    sparse_vectors: { text: {} },
  })) === true,
  "createCollection with sparse_vectors",
);
const info = await client.getCollection(COLLECTION);
check(info.config.params.sparse_vectors?.text !== undefined, "sparse_vectors in collection info");

const points = [];
for (let i = 0; i < N; i++) {
  points.push({ id: i, dense: dense(), text: sparse() });
}
await client.upsert(COLLECTION, {
  wait: true,
  points: points.map((p) => ({
    id: p.id,
    vector: { "": p.dense, text: p.text },
    payload: { half: p.id % 2 },
  })),
});
const back = await client.retrieve(COLLECTION, { ids: [7], with_vector: true });
check(back[0].vector.text.indices.length === points[7].text.indices.length, "sparse vector read back");

for (let round = 0; round < 5; round++) {
  const dq = dense();
  const sq = sparse();
  const denseTop = points
    .map((p) => ({ id: p.id, score: dot(dq, p.dense) }))
    .sort(byScoreThenId)
    .slice(0, 25);
  const sparseTop = points
    .filter((p) => shares(sq, p.text))
    .map((p) => ({ id: p.id, score: sparseDot(sq, p.text) }))
    .sort(byScoreThenId)
    .slice(0, 25);
  // A sparse query alone.
  const sparseOnly = await client.query(COLLECTION, { query: sq, using: "text", limit: 10 });
  check(
    JSON.stringify(sparseOnly.points.map((p) => p.id)) ===
      JSON.stringify(sparseTop.slice(0, 10).map((p) => p.id)),
    `sparse query: ${sparseOnly.points.map((p) => p.id)} vs ${sparseTop.slice(0, 10).map((p) => p.id)}`,
  );
  // Hybrid: RRF (k = 2) over the two prefetches.
  const rrf = new Map();
  for (const list of [denseTop, sparseTop]) {
    list.forEach((p, rank) => rrf.set(p.id, (rrf.get(p.id) ?? 0) + 1 / (rank + 2)));
  }
  const expected = [...rrf.entries()]
    .map(([id, score]) => ({ id, score }))
    .sort(byScoreThenId)
    .slice(0, 10);
  const hybrid = await client.query(COLLECTION, {
    prefetch: [
      { query: dq, limit: 25, params: { exact: true } },
      { query: sq, using: "text", limit: 25 },
    ],
    query: { fusion: "rrf" },
    limit: 10,
    with_payload: true,
  });
  check(hybrid.points.length === expected.length, "hybrid result size");
  hybrid.points.forEach((p, i) => {
    check(Math.abs(p.score - expected[i].score) < 1e-6, `rrf score at rank ${i}`);
    check(Math.abs(rrf.get(p.id) - expected[i].score) < 1e-6, `rrf rank ${i}: id ${p.id}`);
    check(p.payload.half === p.id % 2, `payload of ${p.id}`);
  });
}
await client.deleteCollection(COLLECTION);
console.log("OK");
