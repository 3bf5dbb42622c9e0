"""French bank account numbers: the RIB key, the FR IBAN of a RIB and the RIB of an FR IBAN."""

from __future__ import annotations

_RIB_LETTERS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")


def rib_key(bank_code: str, branch_code: str, account_number: str) -> str:
    """The two-digit key of a French RIB (letters of the account number count as digits, A/J=1 ... Z=9)."""
    account = account_number.upper().translate(_RIB_LETTERS)
    return f"{97 - (89 * int(bank_code) + 15 * int(branch_code) + 3 * int(account)) % 97:02d}"


def french_iban(bank_code: str, branch_code: str, account_number: str) -> str:
    """The FR IBAN of a bank code (5 digits), branch code (5 digits) and account number (11 characters)."""
    bban = f"{bank_code}{branch_code}{account_number.upper()}{rib_key(bank_code, branch_code, account_number)}"
    return f"FR{98 - _mod97(bban + 'FR00'):02d}{bban}"


def rib_from_iban(iban: str) -> tuple[str, str, str, str]:
    """(bank code, branch code, account number, RIB key) of a French IBAN; ValueError if it is not one."""
    compact = iban.replace(" ", "").upper()
    if len(compact) != 27 or not compact.startswith(("FR", "MC")) or not compact.isalnum():
        raise ValueError(f"IBAN « {iban} » : pas un IBAN français (FR ou MC, 27 caractères)")
    if _mod97(compact[4:] + compact[:4]) != 1:
        raise ValueError(f"IBAN « {iban} » : clé de contrôle IBAN fausse")
    bank, branch, account, key = compact[4:9], compact[9:14], compact[14:25], compact[25:27]
    if not (bank + branch + key).isdigit() or rib_key(bank, branch, account) != key:
        raise ValueError(f"IBAN « {iban} » : clé RIB fausse")
    return bank, branch, account, key


def _mod97(text: str) -> int:
    return int("".join(str(int(c, 36)) for c in text)) % 97
