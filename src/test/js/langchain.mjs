// Drives a running VecDB through LangChain's Qdrant vector store (@langchain/qdrant) and checks
// every answer against one computed here by brute force over the documents it wrote.
// Usage: node langchain.mjs <base-url> [seed]     Exit 0 and prints "OK" on success.
import { QdrantClient } from "@qdrant/js-client-rest";
import { QdrantVectorStore } from "@langchain/qdrant";
import { Embeddings } from "@langchain/core/embeddings";
import { Document } from "@langchain/core/documents";

const url = process.argv[2];
const seed = Number(process.argv[3] ?? Date.now()) >>> 0;
const DIM = 32;
const COLLECTION = "langchain";

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

function check(cond, what) {
  if (!cond) {
    throw new Error(`check failed: ${what} (seed ${seed})`);
  }
}
function same(actual, expected, what) {
  check(
    JSON.stringify(actual) === JSON.stringify(expected),
    `${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`,
  );
}

// A deterministic embedding: each word has a fixed pseudo-random direction (from its hash); a
// text is the sum of its words' directions, rounded to float32 as the server stores it.
function fnv(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
function embed(text) {
  const v = new Array(DIM).fill(0);
  for (const word of text.toLowerCase().split(/\s+/).filter(Boolean)) {
    const r = mulberry32(fnv(word));
    for (let d = 0; d < DIM; d++) {
      v[d] += r() * 2 - 1;
    }
  }
  return v.map(Math.fround);
}
class WordEmbeddings extends Embeddings {
  constructor() {
    super({});
  }
  async embedDocuments(texts) {
    return texts.map(embed);
  }
  async embedQuery(text) {
    return embed(text);
  }
}
function normalised(v) {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
}
function dot(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i] * b[i];
  }
  return s;
}

const VOCABULARY = Array.from({ length: 40 }, (_, i) => `w${i}`);
const TOPICS = ["news", "sport", "science"];
function uuid(n) {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}
function makeDocs(from, count) {
  const docs = [];
  for (let i = from; i < from + count; i++) {
    const words = [`doc${i}`];
    for (let w = 0; w < 6; w++) {
      words.push(VOCABULARY[Math.floor(rand() * VOCABULARY.length)]);
    }
    docs.push(
      new Document({
        id: uuid(i),
        pageContent: words.join(" "),
        metadata: { topic: TOPICS[i % 3], n: i },
      }),
    );
  }
  return docs;
}

// Brute force: the k stored documents nearest the query by cosine, among those `keep` accepts.
function nearest(stored, query, k, keep = () => true) {
  const q = normalised(embed(query));
  return [...stored.values()]
    .filter(keep)
    .map((d) => ({ id: d.id, score: dot(q, normalised(embed(d.pageContent))) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, k);
}
// Qdrant's MMR, which LangChain asks for with diversity = its lambda and candidates = fetchK.
function mmr(stored, query, k, fetchK, diversity) {
  const candidates = nearest(stored, query, fetchK).map((c) => ({
    ...c,
    v: normalised(embed(stored.get(c.id).pageContent)),
  }));
  const lambda = 1 - diversity;
  const picked = [candidates.shift()];
  while (picked.length < k && candidates.length > 0) {
    let best = 0;
    let bestScore = -Infinity;
    candidates.forEach((c, i) => {
      const maxSim = Math.max(...picked.map((p) => dot(c.v, p.v)));
      const s = lambda * c.score - (1 - lambda) * maxSim;
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    });
    picked.push(candidates.splice(best, 1)[0]);
  }
  return picked.map((p) => p.id);
}

async function expectSearch(store, stored, query, k, filter, keep, what) {
  const got = await store.similaritySearchWithScore(query, k, filter);
  const expected = nearest(stored, query, k, keep);
  same(
    got.map(([doc]) => doc.id),
    expected.map((e) => e.id),
    what,
  );
  got.forEach(([doc, score], i) => {
    check(Math.abs(score - expected[i].score) < 1e-4, `${what}: score of ${doc.id}`);
    const original = stored.get(doc.id);
    check(doc.pageContent === original.pageContent, `${what}: content of ${doc.id}`);
    same(doc.metadata, original.metadata, `${what}: metadata of ${doc.id}`);
  });
}

const client = new QdrantClient({ url, checkCompatibility: false });
const embeddings = new WordEmbeddings();
const stored = new Map();

// 1. A store made from documents creates the collection (Cosine, the embedding's size).
const first = makeDocs(0, 80);
first.forEach((d) => stored.set(d.id, d));
const store = await QdrantVectorStore.fromDocuments(first, embeddings, {
  client,
  collectionName: COLLECTION,
});
const info = await client.getCollection(COLLECTION);
same(info.config.params.vectors.size, DIM, "collection vector size");
same(info.config.params.vectors.distance, "Cosine", "collection distance");
same(info.points_count, 80, "points after fromDocuments");

// 2. Similarity search, without and with a metadata filter.
const queries = ["w1 w2 w3", "w7 w7 w30", "doc5 w11", "w39 w0 w20 w21"];
for (const q of queries) {
  await expectSearch(store, stored, q, 6, undefined, () => true, `search "${q}"`);
  await expectSearch(
    store,
    stored,
    q,
    5,
    { must: [{ key: "metadata.topic", match: { value: "sport" } }] },
    (d) => d.metadata.topic === "sport",
    `filtered search "${q}"`,
  );
}

// 3. MMR search: LangChain's maxMarginalRelevanceSearch sends query.nearest with mmr.
for (const [q, lambda] of [["w1 w2 w3", 0.5], ["w7 w30", 0.2], ["doc9 w4", 0.8]]) {
  const got = await store.maxMarginalRelevanceSearch(q, { k: 5, fetchK: 20, lambda });
  same(
    got.map((d) => d.id),
    mmr(stored, q, 5, 20, lambda),
    `mmr "${q}" lambda ${lambda}`,
  );
}

// 4. Delete by ids: they are gone from searches and counts.
const deleted = first.slice(10, 20).map((d) => d.id);
await store.delete({ ids: deleted });
deleted.forEach((id) => stored.delete(id));
same((await client.count(COLLECTION, { exact: true })).count, 70, "count after delete");
for (const q of ["doc12 w1", "doc15"]) {
  await expectSearch(store, stored, q, 8, undefined, () => true, `search after delete "${q}"`);
}

// 5. A second store on the same collection (from the URL, as an application would) sees what
// the first wrote, and the first sees what the second adds.
const second = await QdrantVectorStore.fromExistingCollection(embeddings, {
  url,
  collectionName: COLLECTION,
});
await expectSearch(second, stored, "w5 w6", 6, undefined, () => true, "second store search");
const more = makeDocs(1000, 25);
more.forEach((d) => stored.set(d.id, d));
await second.addDocuments(more);
same((await client.count(COLLECTION, { exact: true })).count, 95, "count after second store");
for (const q of ["w5 w6", "doc1003 w2", "w17 w18 w19"]) {
  await expectSearch(store, stored, q, 7, undefined, () => true, `first store sees second "${q}"`);
}

await client.deleteCollection(COLLECTION);
console.log("OK");
