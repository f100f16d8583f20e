"""Every user-facing sentence, in Indonesian and English, in one place."""

from __future__ import annotations

from bot.language import ENGLISH, INDONESIAN

MAX_QUESTION_CHARS = 1000

_MESSAGES: dict[str, dict[str, str]] = {
    ENGLISH: {
        "greeting": "Hi! I'm Kutip. Ask me about the articles below and I'll answer by quoting "
        "them word for word, with the article and paragraph each quote comes from.",
        "knows": "Articles I know:",
        "examples": "Try asking:",
        "help": "Send me a question as a plain message (in a group: mention me, reply to me, "
        "or use /ask). I answer only with quotes from the articles, each with its source.\n\n"
        "/ask <question> - ask a question\n/sources - the articles I know\n/help - this message",
        "chat_help": "Type a question and press Enter.\n/sources - the articles I know\n"
        "/help - this message\n/quit - leave",
        "sources_title": "Articles I know:",
        "passages": "{count} passages",
        "sources_heading": "Sources",
        "paragraph": "paragraph {n}",
        "declined": "I couldn't find an answer to that in my articles, so I won't guess. "
        "See /sources for what they cover.",
        "empty_question": "Please ask a question, for example: /ask {example}",
        "long_question": "That question is too long ({length} characters). Please keep it under "
        "{limit} characters.",
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
    },
    INDONESIAN: {
        "greeting": "Halo! Saya Kutip. Tanyakan tentang artikel di bawah ini; saya menjawab "
        "dengan mengutip kata demi kata, lengkap dengan artikel dan paragraf sumbernya.",
        "knows": "Artikel yang saya ketahui:",
        "examples": "Coba tanyakan:",
        "help": "Kirim pertanyaan sebagai pesan biasa (di grup: sebut saya, balas pesan saya, "
        "atau pakai /ask). Saya hanya menjawab dengan kutipan dari artikel, masing-masing "
        "dengan sumbernya.\n\n/ask <pertanyaan> - ajukan pertanyaan\n/sources - daftar artikel"
        "\n/help - pesan ini",
        "chat_help": "Ketik pertanyaan lalu tekan Enter.\n/sources - daftar artikel\n"
        "/help - pesan ini\n/quit - keluar",
        "sources_title": "Artikel yang saya ketahui:",
        "passages": "{count} bagian",
        "sources_heading": "Sumber",
        "paragraph": "paragraf {n}",
        "declined": "Saya tidak menemukan jawabannya di artikel yang saya punya, jadi saya "
        "tidak akan menebak. Lihat /sources untuk isi artikelnya.",
        "empty_question": "Silakan ajukan pertanyaan, misalnya: /ask {example}",
        "long_question": "Pertanyaan itu terlalu panjang ({length} karakter). Mohon buat kurang "
        "dari {limit} karakter.",
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
    },
}


COMMANDS = ("start", "ask", "sources", "help")


def message(language: str, key: str, **values: object) -> str:
    """The sentence `key` in `language` (English when unknown), with `values` filled in."""
    return _MESSAGES.get(language, _MESSAGES[ENGLISH])[key].format(**values)
