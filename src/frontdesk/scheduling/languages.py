"""Languages an interpreter can be asked for. Tags are BCP 47; "ase" is American Sign Language."""

SIGN_LANGUAGE = "ase"

INTERPRETER_LANGUAGES: dict[str, tuple[str, str]] = {
    # tag: (English name, Spanish name)
    "ase": ("American Sign Language", "Lengua de señas americana"),
    "es": ("Spanish", "Español"),
    "zh": ("Chinese", "Chino"),
    "vi": ("Vietnamese", "Vietnamita"),
    "ko": ("Korean", "Coreano"),
    "tl": ("Tagalog", "Tagalo"),
    "ru": ("Russian", "Ruso"),
    "ar": ("Arabic", "Árabe"),
    "ht": ("Haitian Creole", "Criollo haitiano"),
    "fr": ("French", "Francés"),
    "pt": ("Portuguese", "Portugués"),
    "pl": ("Polish", "Polaco"),
    "so": ("Somali", "Somalí"),
    "hmn": ("Hmong", "Hmong"),
    "sm": ("Samoan", "Samoano"),
    "ch": ("Chamorro", "Chamorro"),
}


def is_known(tag: str) -> bool:
    return tag in INTERPRETER_LANGUAGES
