"""Every user-facing sentence, in Indonesian and English, in one place."""

from __future__ import annotations

from bot.reply_language import ENGLISH, INDONESIAN

_MESSAGES: dict[str, dict[str, str]] = {
    ENGLISH: {
        "greeting": "Hi! I'm Kutip. Ask me about the articles below and I'll answer by quoting "
        "them word for word, with the article and paragraph each quote comes from.",
        "knows": "Articles I know:",
        "examples": "Try asking:",
        "help": "Send me a question as a plain message (in a group: mention me, reply to me, "
        "or use /ask). I answer only with quotes from the articles, each with its source. "
        "Reply to an answer to follow it up (\u201cwhy?\u201d, \u201cwhere is it?\u201d); "
        "quote part of it to ask about that part.\n\n"
        "/ask <question> - ask a question\n/sources - the articles I know\n"
        "/forget - forget this chat's earlier questions\n/help - this message",
        "chat_help": "Type a question and press Enter; a short follow-up (\u201cwhy?\u201d) continues "
        "the last answer.\n/sources - the articles I know\n/forget - forget the last answer\n"
        "/help - this message\n/quit - leave",
        "chat_forgotten": "Forgotten: the next question starts afresh.",
        "forgotten": "Done: I have forgotten this chat's earlier questions. Replies to my old answers "
        "are now asked as new questions.",
        "sources_title": "Articles I know:",
        "passages": "{count} passages",
        "sources_heading": "Sources",
        "paragraph": "paragraph {n}",
        "declined": "I couldn't find an answer to that in my articles, so I won't guess. "
        "See /sources for what they cover.",
        "closest": "No sentence answers this directly; the closest passages:",
        "empty_question": "Please ask a question, for example: /ask {example}",
        "long_question": "That question is too long ({length} characters). Please keep it under {limit} characters.",
        "not_text": "I can only read text. Please send your question as a message.",
        "refused": "Sorry, this bot is private.",
        "error": "Sorry, something went wrong on my side. Please try again in a moment.",
        "full_paragraph": "Paragraph {n} of {title}:",
        "button_paragraph": "Full paragraph [{n}]",
        "button_more": "More sources",
        "more_title": "More passages that may help:",
        "no_more": "No further sources for this question.",
        "gone": "That article is no longer in my index.",
        "command_start": "what I know, with example questions",
        "command_ask": "ask a question",
        "command_sources": "the articles I quote from",
        "command_help": "how to ask",
        "command_forget": "forget this chat's earlier questions",
        "command_add": "add an article: /add <link>, or a title and text below",
        "command_remove": "remove an article: /remove <id or title>",
        "command_feeds": "the feeds I follow",
        "admin_only": "Only the library's editors can add or remove articles. You can ask me about "
        "the articles I have: see /sources.",
        "private_only": "Send me that in a private chat.",
        "add_usage": "To add an article, send me its link, upload a .txt, .md or .html file, or send "
        "/add with the title on the next line and the text below it.",
        "added": "Added \u201c{title}\u201d: {passages} passages (id {id}). You can ask about it now.",
        "added_pending": "Saved \u201c{title}\u201d (id {id}). It is being indexed and can be asked "
        "about in a few minutes.",
        "duplicate": "That article is already in the library: \u201c{title}\u201d (id {id}).",
        "fetch_failed": "I couldn't fetch that page: {reason}.",
        "private_address": "That link leads into a private network, so I won't fetch it.",
        "too_large": "That is larger than the {limit} MB limit.",
        "unsupported": "I can read web pages and .txt, .md or .html files only.",
        "no_article": "I couldn't find an article's text there. You can paste it instead: /add, "
        "then the title on the next line and the text below it.",
        "removed": "Removed \u201c{title}\u201d. It no longer appears in answers.",
        "removed_pending": "Removed \u201c{title}\u201d from the library; answers will stop quoting "
        "it in a few minutes.",
        "remove_usage": "Send /remove followed by an article's id or exact title (see /sources).",
        "not_found": "No article has the id or title \u201c{wanted}\u201d. /sources lists them.",
        "cannot_remove": "I couldn't remove that: {reason}.",
        "feeds_title": "Feeds I check every {minutes} min:",
        "feed_line": "{url}: {items} items, {added} added",
        "feed_error": "{url}: last check failed ({error})",
        "no_feeds": "I follow no feeds. The operator can list RSS or Atom URLs in KUTIP_FEEDS.",
    },
    INDONESIAN: {
        "greeting": "Halo! Saya Kutip. Tanyakan tentang artikel di bawah ini; saya menjawab "
        "dengan mengutip kata demi kata, lengkap dengan artikel dan paragraf sumbernya.",
        "knows": "Artikel yang saya ketahui:",
        "examples": "Coba tanyakan:",
        "help": "Kirim pertanyaan sebagai pesan biasa (di grup: sebut saya, balas pesan saya, "
        "atau pakai /ask). Saya hanya menjawab dengan kutipan dari artikel, masing-masing "
        "dengan sumbernya. Balas sebuah jawaban untuk bertanya lanjut (\u201ckenapa?\u201d, "
        "\u201ckantornya di mana?\u201d); kutip sebagian jawaban untuk bertanya tentang bagian itu."
        "\n\n/ask <pertanyaan> - ajukan pertanyaan\n/sources - daftar artikel"
        "\n/forget - lupakan pertanyaan sebelumnya di obrolan ini\n/help - pesan ini",
        "chat_help": "Ketik pertanyaan lalu tekan Enter; pertanyaan lanjutan yang pendek (\u201ckenapa?\u201d) "
        "melanjutkan jawaban terakhir.\n/sources - daftar artikel\n/forget - lupakan jawaban terakhir"
        "\n/help - pesan ini\n/quit - keluar",
        "chat_forgotten": "Sudah dilupakan: pertanyaan berikutnya dimulai dari awal.",
        "forgotten": "Beres: saya sudah melupakan pertanyaan sebelumnya di obrolan ini. Balasan ke "
        "jawaban lama kini ditanyakan sebagai pertanyaan baru.",
        "sources_title": "Artikel yang saya ketahui:",
        "passages": "{count} bagian",
        "sources_heading": "Sumber",
        "paragraph": "paragraf {n}",
        "declined": "Saya tidak menemukan jawabannya di artikel yang saya punya, jadi saya "
        "tidak akan menebak. Lihat /sources untuk isi artikelnya.",
        "closest": "Tidak ada kalimat yang menjawabnya secara langsung; bagian yang paling dekat:",
        "empty_question": "Silakan ajukan pertanyaan, misalnya: /ask {example}",
        "long_question": "Pertanyaan itu terlalu panjang ({length} karakter). Mohon buat kurang dari {limit} karakter.",
        "not_text": "Saya hanya bisa membaca teks. Silakan kirim pertanyaan sebagai pesan.",
        "refused": "Maaf, bot ini bersifat pribadi.",
        "error": "Maaf, terjadi kesalahan di sisi saya. Silakan coba lagi sebentar lagi.",
        "full_paragraph": "Paragraf {n} dari {title}:",
        "button_paragraph": "Paragraf lengkap [{n}]",
        "button_more": "Sumber lain",
        "more_title": "Bagian lain yang mungkin membantu:",
        "no_more": "Tidak ada sumber lain untuk pertanyaan ini.",
        "gone": "Artikel itu sudah tidak ada di indeks saya.",
        "command_start": "apa yang saya ketahui, dengan contoh pertanyaan",
        "command_ask": "ajukan pertanyaan",
        "command_sources": "artikel yang saya kutip",
        "command_help": "cara bertanya",
        "command_forget": "lupakan pertanyaan sebelumnya di obrolan ini",
        "command_add": "tambah artikel: /add <tautan>, atau judul dan teks di bawahnya",
        "command_remove": "hapus artikel: /remove <id atau judul>",
        "command_feeds": "feed yang saya ikuti",
        "admin_only": "Hanya editor perpustakaan yang dapat menambah atau menghapus artikel. Anda "
        "dapat bertanya tentang artikel yang saya punya: lihat /sources.",
        "private_only": "Kirim itu kepada saya lewat obrolan pribadi.",
        "add_usage": "Untuk menambah artikel, kirim tautannya, unggah berkas .txt, .md atau .html, "
        "atau kirim /add dengan judul di baris berikutnya dan teks di bawahnya.",
        "added": "Ditambahkan \u201c{title}\u201d: {passages} bagian (id {id}). Anda bisa menanyakannya sekarang.",
        "added_pending": "Disimpan \u201c{title}\u201d (id {id}). Artikel sedang diindeks dan bisa "
        "ditanyakan dalam beberapa menit.",
        "duplicate": "Artikel itu sudah ada di perpustakaan: \u201c{title}\u201d (id {id}).",
        "fetch_failed": "Saya tidak dapat mengambil halaman itu: {reason}.",
        "private_address": "Tautan itu mengarah ke jaringan privat, jadi tidak saya ambil.",
        "too_large": "Ukurannya melebihi batas {limit} MB.",
        "unsupported": "Saya hanya dapat membaca halaman web dan berkas .txt, .md atau .html.",
        "no_article": "Saya tidak menemukan teks artikel di sana. Anda dapat menempelkannya: /add, "
        "lalu judul di baris berikutnya dan teks di bawahnya.",
        "removed": "Dihapus \u201c{title}\u201d. Artikel itu tidak lagi muncul dalam jawaban.",
        "removed_pending": "Dihapus \u201c{title}\u201d dari perpustakaan; jawaban berhenti "
        "mengutipnya dalam beberapa menit.",
        "remove_usage": "Kirim /remove diikuti id atau judul persis sebuah artikel (lihat /sources).",
        "not_found": "Tidak ada artikel dengan id atau judul \u201c{wanted}\u201d. /sources mendaftarnya.",
        "cannot_remove": "Saya tidak dapat menghapusnya: {reason}.",
        "feeds_title": "Feed yang saya periksa setiap {minutes} menit:",
        "feed_line": "{url}: {items} item, {added} ditambahkan",
        "feed_error": "{url}: pemeriksaan terakhir gagal ({error})",
        "no_feeds": "Saya tidak mengikuti feed apa pun. Operator dapat mencantumkan URL RSS atau Atom di KUTIP_FEEDS.",
    },
}


COMMANDS = ("start", "ask", "sources", "forget", "help")
ADMIN_COMMANDS = ("add", "remove", "feeds")  # shown in the menu of ADMIN_USER_IDS' private chats


def message(language: str, key: str, **values: object) -> str:
    """The sentence `key` in `language` (English when unknown), with `values` filled in."""
    return _MESSAGES.get(language, _MESSAGES[ENGLISH])[key].format(**values)
