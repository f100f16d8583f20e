"""The living library with the real model: link to first answer, and question waits during a refresh.

1. An admin's link to the first answer quoting it: a local page is added through the bot's
   LiveLibrary (fetch, extract, write to seeds/added/, background refresh, swap), then asked about.
   Telegram's own round trips are not included.
2. While a background refresh indexes N new articles (default 300), a question about the seed
   article is asked every half second: how long each waits, against the same question asked
   before the refresh. Expected: no wait beyond sharing two cores with the build.

    ../.venv/bin/python library.py [--articles 300]     writes results/library.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench_common import EVAL_DIR, ROOT, load_real_embedder, write_result

from bot.live.library import LiveLibrary
from bot.service import QuoteService
from bot.settings import Settings

SEED = ROOT / "seeds" / "000_fa119bf131a3472f.txt"
SEED_QUESTION = "Siapa yang disalahkan Putin atas kebuntuan negosiasi nuklir?"
PAGE = (
    b'<html lang="id"><head><title>Banjir merendam Bekasi</title></head><body><nav>Beranda | Berita</nav>'
    b"<article><h1>Banjir merendam Bekasi</h1><p>Banjir setinggi satu meter merendam ribuan rumah di Bekasi "
    b"pada Kamis pagi, kata Badan Penanggulangan Bencana Daerah setempat.</p><p>Wali Kota Bekasi Tri "
    b"Adhianto mengatakan sebanyak 4.200 warga mengungsi ke masjid dan sekolah terdekat.</p><p>Hujan deras "
    b"sejak Rabu malam membuat Kali Bekasi meluap hingga ke permukiman warga.</p></article></body></html>"
)
PAGE_QUESTION = "Berapa warga Bekasi yang mengungsi ke masjid?"


def serve_page() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/banjir"


def timed_ask(service: QuoteService, question: str) -> tuple[float, bool]:
    started = time.perf_counter()
    answer = service.ask(question)
    return time.perf_counter() - started, answer.status != "none"


def link_to_answer(library: LiveLibrary, service: QuoteService, url: str) -> dict[str, float]:
    started = time.perf_counter()
    article = library.add_url(url, "bench")
    written = time.perf_counter()
    if not asyncio.run(library.until_indexed(article.id, timeout=120)):
        raise RuntimeError("the article was not indexed within 120 s")
    indexed = time.perf_counter()
    answer = service.ask(PAGE_QUESTION)
    if not any("4.200 warga" in c.quote for c in answer.citations):
        raise RuntimeError("the first answer does not quote the new article")
    return {
        "fetch_extract_write_s": written - started,
        "indexed_s": indexed - started,
        "first_answer_s": time.perf_counter() - started,
    }


def new_articles(count: int) -> list[dict[str, str]]:
    """FacQA passages as articles when the team's eval data is there, else made-up ones."""
    corpus = EVAL_DIR / "facqa_corpus.jsonl"
    if corpus.is_file():
        rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [
            {"title": f"Artikel {n}", "text": str(row.get("text") or row.get("context"))}
            for n, row in enumerate(rows[:count])
        ]
    return [
        {"title": f"Artikel {n}", "text": f"Harga beras di pasar {n} naik {n % 17} persen pekan ini. " * 8}
        for n in range(count)
    ]


def waits_during_refresh(library: LiveLibrary, service: QuoteService, settings: Settings, count: int) -> dict[str, Any]:
    idle = [timed_ask(service, SEED_QUESTION)[0] for _ in range(5)]
    folder = settings.seeds_dir / "batch"
    folder.mkdir()
    for n, article in enumerate(new_articles(count)):
        (folder / f"b{n:04d}.md").write_text(f"# {article['title']}\n\n{article['text']}\n", encoding="utf-8")
    started, before = time.perf_counter(), service.generation
    waits, unanswered = [], 0
    library.refresher.request()
    while service.generation is before and time.perf_counter() - started < 3600:
        wait, answered = timed_ask(service, SEED_QUESTION)
        waits.append(wait)
        unanswered += not answered
        time.sleep(0.5)
    return {
        "articles": count,
        "refresh_s": time.perf_counter() - started,
        "questions_during": len(waits),
        "unanswered_during": unanswered,
        "idle_median_s": statistics.median(idle),
        "during_median_s": statistics.median(waits) if waits else None,
        "during_max_s": max(waits) if waits else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="kutip-bench-library-"))
    server, url = serve_page()
    try:
        (scratch / "seeds").mkdir()
        shutil.copy(SEED, scratch / "seeds" / SEED.name)
        settings = Settings(seeds_dir=scratch / "seeds", data_dir=scratch / "data", cache_dir=scratch / "cache")
        settings = replace(settings, refresh_seconds=0.2, allow_private_urls=True)
        service = QuoteService.open(settings, load_real_embedder())[0]
        library = LiveLibrary(service, settings)
        library.start()
        try:
            result = {
                "link_to_answer": link_to_answer(library, service, url),
                "refresh": waits_during_refresh(library, service, settings, args.articles),
            }
        finally:
            library.stop()
        print(json.dumps(result, indent=2))
        write_result("library", result)
    finally:
        server.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
