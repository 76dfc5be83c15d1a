#!/usr/bin/env python3
"""Sentence embeddings made from text on this machine, as a TEXMEX directory for `vecdb bench`.

No pretrained model is reachable offline, so this trains one: fastText (Debian's `fasttext`)
skipgram word vectors on the English prose of the JDK's Javadoc comments (lib/src.zip), then
embeds sentences of that prose with `fasttext print-sentence-vectors` (the mean of the sentence's
normalised word vectors), centres them on the corpus mean (sign bits then carry information, as
they do for transformer embeddings) and writes base.fvecs and query.fvecs (queries are sentences
that are not in the base). The metric to use is cosine. Seeded and deterministic apart from
fastText's multi-threaded training.

usage: text_embeddings.py OUT_DIR [--base 100000] [--queries 1000] [--dim 384]
                          [--tokens 12000000] [--src /usr/lib/jvm/temurin-25-jdk-amd64/lib/src.zip]
"""
import argparse
import html
import os
import random
import re
import struct
import subprocess
import sys
import zipfile

COMMENT = re.compile(r"/\*\*(.*?)\*/", re.S)
TAG = re.compile(r"<[^>]+>")
INLINE = re.compile(r"\{@\w+\s*([^}]*)\}")
BLOCK = re.compile(r"^\s*@\w+\s*", re.M)
TOKEN = re.compile(r"[a-z][a-z0-9']*|[0-9]+")


def prose(src, limit):
    """Yields sentences (lists of lowercase tokens) of the Javadoc comments, in zip order."""
    tokens = 0
    with zipfile.ZipFile(src) as z:
        for name in sorted(z.namelist()):
            if not name.endswith(".java"):
                continue
            text = z.read(name).decode("utf-8", "replace")
            for m in COMMENT.finditer(text):
                body = "\n".join(l.strip().lstrip("*") for l in m.group(1).splitlines())
                body = INLINE.sub(r"\1", body)
                body = html.unescape(TAG.sub(" ", body))
                body = BLOCK.sub(" ", body)
                for s in re.split(r"(?<=[.!?])\s+", body):
                    words = TOKEN.findall(s.lower())
                    if 6 <= len(words) <= 40:
                        yield words
                        tokens += len(words)
                        if tokens >= limit:
                            return


def write_fvecs(path, rows):
    with open(path, "wb") as f:
        for v in rows:
            f.write(struct.pack("<i", len(v)))
            f.write(struct.pack("<%df" % len(v), *v))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--base", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=1_000)
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--tokens", type=int, default=12_000_000)
    p.add_argument("--src", default="/usr/lib/jvm/temurin-25-jdk-amd64/lib/src.zip")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    corpus = os.path.join(a.out, "corpus.txt")
    seen = set()
    sentences = []
    with open(corpus, "w") as f:
        for words in prose(a.src, a.tokens):
            line = " ".join(words)
            f.write(line + "\n")
            if line not in seen:
                seen.add(line)
                sentences.append(line)
    need = a.base + a.queries
    if len(sentences) < need:
        sys.exit("only %d distinct sentences; raise --tokens" % len(sentences))
    random.Random(42).shuffle(sentences)
    sentences = sentences[:need]
    model = os.path.join(a.out, "model")
    if not os.path.exists(model + ".bin"):
        subprocess.run(
            ["fasttext", "skipgram", "-input", corpus, "-output", model, "-dim", str(a.dim),
             "-epoch", "5", "-minCount", "5", "-thread", str(os.cpu_count() or 2), "-verbose", "1"],
            check=True)
    out = subprocess.run(
        ["fasttext", "print-sentence-vectors", model + ".bin"],
        input="\n".join(sentences) + "\n", capture_output=True, text=True, check=True).stdout
    vectors = []
    for line in out.splitlines():
        parts = line.rstrip().split(" ")
        vectors.append([float(x) for x in parts[-a.dim:]])
    if len(vectors) != need:
        sys.exit("fasttext gave %d vectors for %d sentences" % (len(vectors), need))
    mean = [sum(col) / len(vectors) for col in zip(*vectors)]
    vectors = [[x - m for x, m in zip(v, mean)] for v in vectors]
    # Sentences whose words are all unknown to the model embed as the mean: drop zero rows.
    vectors = [v if any(abs(x) > 1e-9 for x in v) else None for v in vectors]
    base = [v for v in vectors[:a.base] if v is not None]
    queries = [v for v in vectors[a.base:] if v is not None]
    write_fvecs(os.path.join(a.out, "base.fvecs"), base)
    write_fvecs(os.path.join(a.out, "query.fvecs"), queries)
    with open(os.path.join(a.out, "sentences.txt"), "w") as f:
        f.write("\n".join(sentences) + "\n")
    print("%s: %d base and %d query vectors of %d dimensions" % (a.out, len(base), len(queries), a.dim))


if __name__ == "__main__":
    main()
