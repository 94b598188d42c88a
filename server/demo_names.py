"""Name and occupation lists for the synthetic demo regency (see `server.demo_data`).

Mesuji is settled by Lampung and Ogan families and by Javanese transmigrants, so the
lists mix Javanese single names, common Muslim given names and a few Lampung-flavoured
ones. Most Indonesians carry no family name; the "second names" below are the common
ones people add, and are used for part of the population only.
"""

MALE_GIVEN: tuple[str, ...] = (
    "Ahmad", "Muhammad", "Agus", "Budi", "Slamet", "Sutrisno", "Suparman", "Sugiyono",
    "Joko", "Bambang", "Hendra", "Rudi", "Wahyu", "Eko", "Dedi", "Andi", "Yusuf",
    "Ridwan", "Samsul", "Rohman", "Sukardi", "Paijo", "Tukiman", "Darmawan", "Heri",
    "Imam", "Irfan", "Rizki", "Fajar", "Dimas", "Bayu", "Arif", "Hasan", "Husin",
    "Zainal", "Syahrul", "Marwan", "Sarnubi", "Hamdan", "Ismail", "Nurdin", "Rusli",
    "Suryadi", "Kusnadi", "Mulyadi", "Wagiman", "Sardi", "Tarmizi", "Herman", "Yanto",
    "Aditya", "Rafi", "Alif", "Farhan", "Galang", "Raka", "Dafa", "Kevin",
)

FEMALE_GIVEN: tuple[str, ...] = (
    "Siti", "Sri", "Dewi", "Nur", "Ani", "Yuni", "Sumiati", "Suparti", "Sulastri",
    "Ponirah", "Tumini", "Wartini", "Sukini", "Murni", "Rohani", "Aminah", "Fatimah",
    "Khadijah", "Halimah", "Maryam", "Rahmah", "Nurhayati", "Suryani", "Mulyani",
    "Kartini", "Lestari", "Ratna", "Rina", "Wati", "Yanti", "Eka", "Indah", "Fitri",
    "Putri", "Nadia", "Aisyah", "Zahra", "Salsa", "Anisa", "Dinda", "Intan", "Ayu",
    "Juleha", "Masitoh", "Rosidah", "Saidah", "Marlina", "Erna", "Darsih", "Tarsini",
)

MALE_SECOND: tuple[str, ...] = (
    "Saputra", "Setiawan", "Hidayat", "Kurniawan", "Pratama", "Wijaya", "Susanto",
    "Santoso", "Gunawan", "Nugroho", "Firmansyah", "Hakim", "Ramadhan", "Maulana",
    "Syahputra", "Efendi", "Aripin", "Basri", "Hasyim", "Fauzi", "Rahman", "Prasetyo",
)

FEMALE_SECOND: tuple[str, ...] = (
    "Saputri", "Lestari", "Wahyuni", "Rahmawati", "Handayani", "Susanti", "Kurniasih",
    "Anggraini", "Puspita", "Aminah", "Ningsih", "Maryati", "Safitri", "Purnamasari",
    "Yulianti", "Hasanah", "Zubaidah", "Khoiriyah", "Astuti", "Utami",
)

#: Adult work, weighted towards the oil-palm and rice economy of the regency.
MALE_OCCUPATIONS: tuple[str, ...] = (
    "buruh tani", "buruh tani", "buruh tani", "petani", "petani", "buruh sawit",
    "buruh sawit", "buruh harian lepas", "pedagang", "nelayan", "tukang bangunan",
    "sopir", "wiraswasta", "ojek", "karyawan swasta", "belum bekerja",
)

FEMALE_OCCUPATIONS: tuple[str, ...] = (
    "ibu rumah tangga", "ibu rumah tangga", "ibu rumah tangga", "ibu rumah tangga",
    "buruh tani", "buruh tani", "petani", "pedagang", "buruh sawit", "penjahit",
    "buruh harian lepas", "belum bekerja",
)

ELDERLY_OCCUPATIONS: tuple[str, ...] = ("tidak bekerja", "tidak bekerja", "petani", "buruh tani")

#: Dusun names as they appear in addresses ("Dusun II RT 002 RW 001").
DUSUN: tuple[str, ...] = ("I", "II", "III", "IV", "V", "VI")
