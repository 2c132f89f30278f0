"""Text enrichment throughput, model loading and memory (issue 6 targets: >= 5,000 review-length texts/s
per core for language + sentiment + topics + PII, loading < 1 s, memory < 500 MB; issue 23: the default
pipeline with dialect, intents and aspects >= 3,000 texts/s per core, the encoder stage reported apart).

    .venv/bin/python benchmarks/text_bench.py [--texts 20000] [--encoder-texts 1000] [--data ../shared/data/sentiment]
        [--demo-dir DIR]

Runs pinned to one core (os.sched_setaffinity) with BLAS on one thread. Texts are review-length samples
(Arabic restaurant and product reviews, Persian food-delivery comments, English review sentences),
repeated to the requested count.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def _load_time() -> float:
    code = (
        "import time; t = time.perf_counter(); from tajriba.text import models; "
        "[models.load(n) for n in ('sentiment_ar', 'sentiment_fa', 'sentiment_en', 'dialect_ar', 'intent')]; "
        "from tajriba.text.topics import default; default(); print(time.perf_counter() - t)"
    )
    return float(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=20_000)
    ap.add_argument(
        "--encoder-texts", type=int, default=1000, help="texts to time the encoder stage on (0: skip)"
    )
    ap.add_argument("--data", type=Path, default=Path("../shared/data/sentiment"))
    ap.add_argument(
        "--demo-dir", help="also time the Feedback page of a demo built there (tajriba demo --no-serve)"
    )
    args = ap.parse_args()
    if args.demo_dir:  # before pinning to one core: the page is served as the app serves it
        from value_bench import time_value_page

        for path in ("/w/demo/feedback", "/w/demo/feedback?topic=delivery&sentiment=negative"):
            t = time_value_page(args.demo_dir, path=path)
            print(f"page {path}: median {t['median_ms']:.0f} ms, max {t['max_ms']:.0f} ms (10 requests)")
    os.sched_setaffinity(0, {0})
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    from tajriba.text.corpora import read_tsv
    from tajriba.text.pipeline import analyze

    sample: list[str] = []
    for name in ("elsahar_res", "elsahar_prod", "snappfood", "uci_amazon_yelp", "deepsentipers_5class"):
        path = args.data / name / "train.tsv"
        if path.exists():
            sample += read_tsv(path)[0][:4000]
    texts = (sample * (args.texts // len(sample) + 1))[: args.texts]
    mean_chars = sum(map(len, texts)) / len(texts)
    loads = [_load_time() for _ in range(3)]
    analyze(texts[:100])  # warm: models loaded
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        for i in range(0, len(texts), 5000):
            analyze(texts[i : i + 5000])
        runs.append(time.perf_counter() - started)
    best = min(runs)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"texts: {len(texts):,} (mean {mean_chars:.0f} characters), batches of 5,000, one core")
    print(
        f"enrichment: {len(texts) / best:,.0f} texts/s (best of 3; runs {', '.join(f'{r:.2f}' for r in runs)} s)"
    )
    print(f"model loading (fresh process, all models + taxonomy): median {sorted(loads)[1]:.2f} s")
    print(f"peak memory: {rss_mb:.0f} MB")
    if args.encoder_texts:
        few = texts[: args.encoder_texts]
        analyze(few[:10], encoder_stage=True)  # warm: the encoder loaded
        started = time.perf_counter()
        analyze(few, encoder_stage=True)
        took = time.perf_counter() - started
        print(f"with the encoder stage: {len(few) / took:,.1f} texts/s ({len(few):,} texts, {took:.1f} s)")
        from tajriba.text.cxset import written

        short = [e.text for e in written()]
        started = time.perf_counter()
        analyze(short, encoder_stage=True)
        took = time.perf_counter() - started
        mean = sum(map(len, short)) / len(short)
        print(
            f"  on the CX set's written texts (mean {mean:.0f} characters): {len(short) / took:,.1f} texts/s"
        )
    from tajriba.text import langid, models, pii
    from tajriba.text.normalize import fold

    stages = {}
    t = time.perf_counter()
    folded = [fold(x) for x in texts]
    stages["fold"] = time.perf_counter() - t
    t = time.perf_counter()
    langid.identify_batch(texts)
    stages["language id"] = time.perf_counter() - t
    t = time.perf_counter()
    models.load("sentiment_ar").predict_proba(folded)
    stages["sentiment (one model, whole texts)"] = time.perf_counter() - t
    t = time.perf_counter()
    models.load("intent").predict_proba(folded)
    stages["intents (fast model, whole texts)"] = time.perf_counter() - t
    t = time.perf_counter()
    pii.detect_batch(texts)
    stages["PII"] = time.perf_counter() - t
    from tajriba.text.topics import default

    tax = default()
    t = time.perf_counter()
    for f in folded:
        tax.spans(f)
    stages["topics"] = time.perf_counter() - t
    for k, v in stages.items():
        print(f"  {k}: {len(texts) / v:,.0f} texts/s")


if __name__ == "__main__":
    main()
