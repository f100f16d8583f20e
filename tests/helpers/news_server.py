"""A local news site on 127.0.0.1 for the library tests: pages, an RSS feed, redirects, a slow page."""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"  # the only address this server binds to

# Two short news articles, as paragraphs, for pages the site serves.
FLOOD = [
    "Banjir setinggi satu meter merendam ribuan rumah di Bekasi pada Kamis pagi, kata Badan "
    "Penanggulangan Bencana Daerah setempat.",
    "Wali Kota Bekasi Tri Adhianto mengatakan sebanyak 4.200 warga mengungsi ke masjid dan sekolah terdekat.",
    "Hujan deras sejak Rabu malam membuat Kali Bekasi meluap hingga ke permukiman warga.",
]
DAM = [
    "Bendungan Sukamahi di Bogor mulai diisi air pada Senin setelah pembangunan selama empat tahun.",
    "Kementerian Pekerjaan Umum menyebut bendungan kering itu mampu menahan 1,68 juta meter kubik air banjir.",
    "Warga sekitar berharap banjir kiriman ke Jakarta berkurang pada musim hujan tahun ini.",
]


def news_page(title: str, paragraphs: list[str], published: str = "2026-11-20", lang: str = "id") -> bytes:
    """A news page as sites make them: navigation, the article, a footer with links."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title} - Kabar Kita</title>'
        f'<meta property="og:title" content="{title}">'
        f'<meta property="article:published_time" content="{published}T08:00:00+07:00"></head>'
        '<body><nav><a href="/">Beranda</a> | <a href="/politik">Politik</a> | <a href="/ekonomi">Ekonomi</a></nav>'
        f"<article><h1>{title}</h1>{body}</article>"
        "<footer><a href='/tentang'>Tentang kami</a> Hak cipta 2026 Kabar Kita</footer></body></html>"
    ).encode()


def rss_feed(items: list[dict[str, str]]) -> bytes:
    """An RSS 2.0 document with `items` (title, link, guid, pubDate)."""
    entries = "".join(
        f"<item><title>{i['title']}</title><link>{i['link']}</link><guid>{i.get('guid', i['link'])}</guid>"
        f"<pubDate>{i.get('pubDate', 'Fri, 21 Nov 2026 09:00:00 +0700')}</pubDate></item>"
        for i in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Kabar Kita</title>'
        f"<link>http://{HOST}/</link><description>Berita</description>{entries}</channel></rss>"
    ).encode()


class NewsServer:
    """Serves `routes` (path -> (status, content type, body, extra headers)); `delay` slows a path."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes, dict[str, str]]] = {}
        self.delays: dict[str, float] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                time.sleep(server.delays.get(self.path, 0))
                status, kind, body, headers = server.routes.get(self.path, (404, "text/plain", b"not found", {}))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def page(
        self,
        path: str,
        body: bytes,
        kind: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        """Serve `body` at `path`; returns its URL."""
        self.routes[path] = (status, kind, body, headers or {})
        return self.url(path)

    def redirect(self, path: str, target: str) -> str:
        self.routes[path] = (302, "text/plain", b"", {"Location": target})
        return self.url(path)

    def __enter__(self) -> NewsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
