// Drives a running VecDB with the official Qdrant JS client and checks every result.
// Usage: node conformance.mjs <base-url> [seed]     Exit 0 and prints "OK" on success.
import { QdrantClient } from "@qdrant/js-client-rest";

const url = process.argv[2];
const seed = Number(process.argv[3] ?? Date.now()) >>> 0;
const DIM = 8;
const N = 1000;
const COLLECTION = "conformance";

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
const vector = () => Array.from({ length: DIM }, () => Math.fround(rand() * 2 - 1));

function check(cond, what) {
  if (!cond) {
    throw new Error(`check failed: ${what} (seed ${seed})`);
  }
}
function sameIds(actual, expected, what) {
  check(
    JSON.stringify(actual) === JSON.stringify(expected),
    `${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`,
  );
}
function cosine(a, b) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na) / Math.sqrt(nb);
}
const payloadOf = (i) => ({ group: i % 10, name: `p${i}`, even: i % 2 === 0 });
const groupFilter = (g) => ({ must: [{ key: "group", match: { value: g } }] });

const client = new QdrantClient({ url, checkCompatibility: false });

// 1. create collection
check((await client.createCollection(COLLECTION, { vectors: { size: DIM, distance: "Cosine" } })) === true, "createCollection returns true");
const listed = (await client.getCollections()).collections.map((c) => c.name);
check(listed.includes(COLLECTION), `getCollections lists ${COLLECTION}: ${listed}`);
check((await client.collectionExists(COLLECTION)).exists === true, "collectionExists");
const info = await client.getCollection(COLLECTION);
check(info.config.params.vectors.size === DIM && info.config.params.vectors.distance === "Cosine", "collection config");

// 2. upsert 1,000 points with payloads
const data = [];
for (let i = 0; i < N; i++) {
  data.push(vector());
}
for (let start = 0; start < N; start += 250) {
  const points = [];
  for (let i = start; i < start + 250; i++) {
    points.push({ id: i, vector: data[i], payload: payloadOf(i) });
  }
  const r = await client.upsert(COLLECTION, { wait: true, points });
  check(r.status === "completed", `upsert status ${JSON.stringify(r)}`);
}
check((await client.count(COLLECTION, { exact: true })).count === N, "count after upsert");
check((await client.getCollection(COLLECTION)).points_count === N, "points_count after upsert");

// 3. search without and with a filter, against brute force
const q = vector();
const ranked = data.map((v, i) => [i, cosine(q, v)]).sort((a, b) => b[1] - a[1]);
const hits = await client.search(COLLECTION, { vector: q, limit: 10, with_payload: true });
sameIds(hits.map((h) => h.id), ranked.slice(0, 10).map((r) => r[0]), "search top 10");
for (const h of hits) {
  check(Math.abs(h.score - cosine(q, data[h.id])) < 1e-4, `score of ${h.id}: ${h.score}`);
  sameIds(h.payload, payloadOf(h.id), `payload of ${h.id}`);
}
const filtered = await client.search(COLLECTION, { vector: q, limit: 10, filter: groupFilter(3) });
sameIds(
  filtered.map((h) => h.id),
  ranked.filter((r) => r[0] % 10 === 3).slice(0, 10).map((r) => r[0]),
  "filtered search top 10",
);
const queried = await client.query(COLLECTION, { query: q, limit: 10 });
sameIds(queried.points.map((h) => h.id), ranked.slice(0, 10).map((r) => r[0]), "query top 10");

// 4. scroll through all points
const seen = [];
let offset = undefined;
let pages = 0;
do {
  const page = await client.scroll(COLLECTION, { limit: 128, offset, with_payload: true, with_vector: true });
  for (const p of page.points) {
    sameIds(p.payload, payloadOf(p.id), `scrolled payload of ${p.id}`);
    check(Math.abs(cosine(p.vector, data[p.id]) - 1) < 1e-5, `scrolled vector of ${p.id}`);
    seen.push(p.id);
  }
  offset = page.next_page_offset ?? undefined;
  pages++;
} while (offset !== undefined && pages < 100);
sameIds(seen, [...Array(N).keys()], "scroll visits every point once in id order");
check(pages === Math.ceil(N / 128), `scroll pages ${pages}`);

// 5. count with a filter
const evenFilter = { must: [{ key: "even", match: { value: true } }] };
check((await client.count(COLLECTION, { filter: evenFilter, exact: true })).count === N / 2, "count even");
check((await client.count(COLLECTION, { filter: groupFilter(4) })).count === N / 10, "count group 4");

// 6. set payload
const setResult = await client.setPayload(COLLECTION, { payload: { flag: "x" }, filter: groupFilter(7), wait: true });
check(setResult.status === "completed", "setPayload status");
const flagged = { must: [{ key: "flag", match: { value: "x" } }] };
check((await client.count(COLLECTION, { filter: flagged })).count === N / 10, "count flagged");
const [p17] = await client.retrieve(COLLECTION, { ids: [17], with_payload: true });
sameIds(p17.payload, { ...payloadOf(17), flag: "x" }, "payload merged by setPayload");
await client.setPayload(COLLECTION, { payload: { one: 1 }, points: [1], wait: true });
sameIds((await client.retrieve(COLLECTION, { ids: [1] }))[0].payload, { ...payloadOf(1), one: 1 }, "setPayload by id");

// 7. delete by filter
const del = await client.delete(COLLECTION, { filter: groupFilter(7), wait: true });
check(del.status === "completed", "delete status");
check((await client.count(COLLECTION, {})).count === N - N / 10, "count after delete");
check((await client.count(COLLECTION, { filter: flagged })).count === 0, "no flagged point left");
const after = await client.search(COLLECTION, { vector: q, limit: 10 });
sameIds(after.map((h) => h.id), ranked.filter((r) => r[0] % 10 !== 7).slice(0, 10).map((r) => r[0]), "search after delete");

// 8. delete collection
check((await client.deleteCollection(COLLECTION)) === true, "deleteCollection returns true");
check((await client.collectionExists(COLLECTION)).exists === false, "collection gone");
let failed = false;
try {
  await client.getCollection(COLLECTION);
} catch (e) {
  failed = e.status === 404 || /404|Not Found|doesn't exist/.test(String(e));
}
check(failed, "getCollection of a deleted collection fails with 404");
console.log("OK");
