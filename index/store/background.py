"""Everyday passages on unrelated topics: what a question's cosine is compared against.

multilingual-e5 gives every pair of texts a cosine around 0.7-0.85, and short questions score
high against anything. How far the best passage stands above the best of these background
passages says more about relevance than the cosine alone (bench/decline.py compares the two).
"""

from __future__ import annotations

BACKGROUND_PASSAGES: tuple[str, ...] = (
    "Resep rendang sapi: masak daging dengan santan dan bumbu selama tiga jam hingga empuk.",
    "Cara membuat kue bolu pisang yang lembut tanpa mixer di rumah.",
    "Timnas Indonesia menang 2-1 atas Vietnam dalam laga kualifikasi Piala Dunia.",
    "Pebulu tangkis Indonesia melaju ke final turnamen All England.",
    "Harga emas Antam hari ini naik Rp 5.000 per gram.",
    "Kurs rupiah melemah terhadap dolar AS pada perdagangan sore ini.",
    "BMKG memperkirakan hujan lebat disertai petir di Jakarta dan Bogor besok.",
    "Gejala demam berdarah meliputi demam tinggi, nyeri otot, dan bintik merah di kulit.",
    "Cara mendaftar BPJS Kesehatan secara online melalui aplikasi Mobile JKN.",
    "Jadwal kereta api mudik Lebaran dan cara memesan tiket secara daring.",
    "Ponsel terbaru ini dilengkapi kamera 200 megapiksel dan baterai 5.000 mAh.",
    "Cara mengatasi laptop yang lemot dan sering hang.",
    "Film horor Indonesia itu ditonton lebih dari lima juta penonton di bioskop.",
    "Penyanyi itu merilis album baru yang berisi sepuluh lagu.",
    "Tempat wisata alam di Bali yang cocok untuk liburan keluarga.",
    "Pendaftaran sekolah negeri tahun ajaran baru dibuka bulan depan.",
    "Tips menjaga kesehatan jantung dengan olahraga teratur dan pola makan seimbang.",
    "Kemacetan panjang terjadi di jalan tol menjelang akhir pekan.",
    "Kebakaran melanda permukiman padat penduduk dan menghanguskan puluhan rumah.",
    "Gempa bumi bermagnitudo 5,2 mengguncang wilayah selatan pulau itu tanpa potensi tsunami.",
    "Harga cabai dan bawang merah di pasar tradisional kembali naik.",
    "Cara menanam tomat di pot agar cepat berbuah.",
    "Pemerintah daerah meresmikan jembatan baru yang menghubungkan dua kecamatan.",
    "Kucing peliharaan perlu divaksin dan diberi makanan bergizi.",
    "A simple recipe for banana bread with walnuts and brown sugar.",
    "The football club signed a new striker on a four-year contract.",
    "The tennis champion won her third grand slam title on Sunday.",
    "Stock markets closed higher as technology shares rallied.",
    "Mortgage rates rose for the third week in a row.",
    "Heavy snow is expected across the north of the country this weekend.",
    "Common symptoms of the flu include fever, cough and a sore throat.",
    "How to reset your phone to factory settings without losing photos.",
    "The new smartphone has a faster processor and a brighter screen.",
    "The film won best picture at this year's awards ceremony.",
    "The band announced a world tour starting in the spring.",
    "Ten places to visit in Paris, from the Eiffel Tower to the Louvre.",
    "The university opened applications for its new engineering programme.",
    "Regular exercise and a balanced diet lower the risk of heart disease.",
    "Traffic was heavy on the motorway ahead of the holiday weekend.",
    "Firefighters put out a blaze at a warehouse overnight.",
    "The city council approved a plan to build more bike lanes.",
    "Scientists discovered a new species of frog in the rainforest.",
    "How to train a puppy to sit and stay.",
    "The airline added direct flights between the two capitals.",
    "Mount Everest is the highest mountain above sea level.",
    "The author's latest novel topped the bestseller list.",
    "Tips for growing vegetables in a small garden.",
    "The museum opened an exhibition of modern art.",
)
